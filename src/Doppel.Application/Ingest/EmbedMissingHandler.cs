using Doppel.Jobs.Dedup;
using Doppel.Jobs.Persons;
using Doppel.Storage;
using Doppel.Storage.Media;
using Doppel.Vision;
using Doppel.Vision.Decoding;
using Doppel.Vision.Pipeline;

namespace Doppel.Application.Ingest;

/// <summary>
/// Use case "embed missing": faces stored without a current vector of a model (found by another recogniser,
/// or by an older recipe of this one) are embedded again from their stored landmarks, so they do not drop out
/// of matching and vectors of two recipes are never mixed. Each image is read once, from its media store,
/// and only if its bytes still have the hash its faces were found in.
/// </summary>
public sealed class EmbedMissingHandler(IDoppelDatabase db, TenantId tenant, IMediaStore media)
{
    private readonly ITenantStores stores = db.For(tenant);

    public int ImagesPerBatch { get; init; } = 16;

    public Action<long, long>? OnProgress { get; init; }

    public Action<string>? OnMessage { get; init; }

    /// <summary>Faces (of <paramref name="mediaIds"/> when given) with no vector of <paramref name="model"/> made by <paramref name="modelVersion"/>.</summary>
    public async Task<IReadOnlyList<FaceRecord>> FindMissingAsync(string model, string modelVersion, IReadOnlySet<long>? mediaIds, CancellationToken cancellationToken = default)
    {
        var have = await stores.Faces.FacesWithEmbeddingAsync(model, modelVersion, cancellationToken).ConfigureAwait(false);
        var faces = mediaIds is null
            ? await stores.Faces.ListAsync(Page.All, cancellationToken).ConfigureAwait(false)
            : await stores.Faces.ListOfMediaAsync(mediaIds.ToList(), cancellationToken).ConfigureAwait(false);
        return faces.Where(f => !have.Contains(f.Id)).ToList();
    }

    /// <summary>Embeds the missing faces with the recogniser <paramref name="open"/> gives (called only when a face
    /// needs it, so a catalog with nothing to do opens no model). With no <paramref name="fence"/> the handler takes
    /// the tenant's "ingest" lease itself; a caller holding it (dedup) passes its fence.</summary>
    public async Task<EmbedMissingOutcome> HandleAsync(string model, string modelVersion, Func<IFaceEmbedder> open, IReadOnlySet<long>? mediaIds,
        LeaseFence? fence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentOutOfRangeException.ThrowIfLessThan(ImagesPerBatch, 1);
        if (fence is null)
        {
            await using var lease = await HeldLease.AcquireAsync(db, CatalogDatabases.LeaseName(tenant, "ingest"), $"embed faces with {model}",
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return await HandleAsync(model, modelVersion, open, mediaIds, lease.Fence, cancellationToken).ConfigureAwait(false);
        }
        var missing = await FindMissingAsync(model, modelVersion, mediaIds, cancellationToken).ConfigureAwait(false);
        if (missing.Count == 0)
            return new EmbedMissingOutcome(0, 0, 0);
        OnMessage?.Invoke($"{missing.Count} faces have no current {model} vector ({modelVersion}).");
        var embedder = open();
        var decoder = new ImageDecoder();
        int embedded = 0, skipped = 0;
        OnProgress?.Invoke(0, missing.Count);
        foreach (var images in missing.GroupBy(f => f.MediaId).Chunk(ImagesPerBatch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var decodedImages = new List<DecodedImage>();
            var toEmbed = new List<FaceRecord>();
            var crops = new List<FaceCrop>();
            try
            {
                foreach (var image in images)
                {
                    var decoded = await DecodeAsync(decoder, image.Key, model, cancellationToken).ConfigureAwait(false);
                    if (decoded is null)
                    {
                        skipped += image.Count();
                        continue;
                    }
                    decodedImages.Add(decoded);
                    foreach (var face in image)
                    {
                        var box = new BoxF(face.Box.X, face.Box.Y, face.Box.Width, face.Box.Height);
                        crops.Add(new FaceCrop(decoded.Image!, LandmarkCodec.Unflatten(face.Landmarks) ?? FaceSelector.LandmarksFromBox(box)));
                        toEmbed.Add(face);
                    }
                }
                var vectors = crops.Count > 0 ? embedder.Embed(crops) : [];
                await using (var uow = await stores.BeginAsync(fence, cancellationToken).ConfigureAwait(false))
                {
                    await uow.Faces.PutEmbeddingsAsync(toEmbed.Select((f, i) => new FaceEmbedding(f.Id, model, modelVersion, vectors[i])).ToList(),
                        cancellationToken).ConfigureAwait(false);
                    await uow.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                embedded += toEmbed.Count;
            }
            finally
            {
                foreach (var decoded in decodedImages)
                    decoded.Dispose();
            }
            OnProgress?.Invoke(embedded + skipped, missing.Count);
        }
        return new EmbedMissingOutcome(missing.Count, embedded, skipped);
    }

    /// <summary>The image as it was when its faces were found, or null (and a message) when it is not.</summary>
    private async Task<DecodedImage?> DecodeAsync(ImageDecoder decoder, long mediaId, string model, CancellationToken cancellationToken)
    {
        var record = await stores.Media.GetAsync(mediaId, cancellationToken).ConfigureAwait(false);
        if (record is null)
            return null;
        string? problem;
        byte[]? bytes = null;
        try
        {
            await using var stream = await media.OpenReadAsync(record.Path, cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            bytes = buffer.ToArray();
            problem = null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = "the file is gone";
        }
        if (bytes is not null)
        {
            if (ContentHash.OfBytes(bytes) != record.ContentHash)
                problem = "the file changed since its faces were found (run doppel detect --db with its folder to re-process it)";
            else
            {
                var decoded = decoder.Decode(bytes);
                if (decoded.IsOk)
                    return decoded;
                problem = $"it no longer decodes ({decoded.Status.ToCode()})";
                decoded.Dispose();
            }
        }
        OnMessage?.Invoke($"{record.Path}: no {model} vector for its faces: {problem}.");
        return null;
    }
}
