using Doppel.Jobs.Dedup;
using Doppel.Storage;
using Doppel.Vision;
using Doppel.Vision.Decoding;
using Doppel.Vision.Pipeline;

namespace Doppel.Jobs.Persons;

/// <summary>What embedding the catalog's faces under one model did: faces that lacked a vector,
/// those given one, and those left without because their file is gone, unreadable or changed.</summary>
public sealed record EmbedMissingOutcome(int Missing, int Embedded, int Skipped);

/// <summary>
/// Recognise's first step (the DeepFrame seed's "embed faces without embeddings"): gives every stored
/// face a vector under a model it has none for, e.g. after detect ran with another recogniser. The
/// face is re-aligned from its stored landmarks on the re-decoded image, so the detector does not run
/// again. A file whose bytes changed since its faces were found is skipped (its landmarks describe the
/// old picture): detect re-processes it. Vectors are stored one batch of images per transaction, so a
/// killed run resumes with the faces still missing. Takes the "ingest" lock: it writes face rows that
/// detect and dedup also write.
/// </summary>
public sealed class EmbedMissingFacesJob(ICatalog catalog)
{
    /// <summary>Images decoded and embedded together (one inference batch, one transaction).</summary>
    public int ImagesPerBatch { get; init; } = 16;

    /// <summary>Reports (faces done, faces missing).</summary>
    public Action<long, long>? OnProgress { get; init; }

    public Action<string>? OnMessage { get; init; }

    /// <summary>Faces with no vector under <paramref name="model"/>, or one of another version than
    /// <paramref name="modelVersion"/> (made by an older recipe: stale), in id order; only those of
    /// <paramref name="mediaIds"/> when given.</summary>
    public IReadOnlyList<FaceRecord> FindMissing(string model, string modelVersion, IReadOnlySet<long>? mediaIds = null)
    {
        var have = catalog.FacesWithEmbedding(model, modelVersion);
        return catalog.ListFaces().Where(f => !have.Contains(f.Id) && (mediaIds is null || mediaIds.Contains(f.MediaId))).ToList();
    }

    /// <summary>Embeds every face of the catalog that lacks a vector of <paramref name="embedder"/>'s model, under the "ingest" lock.</summary>
    public EmbedMissingOutcome Run(IFaceEmbedder embedder, string modelVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        using var ingestLock = catalog.AcquireLock("ingest", $"embed faces with {embedder.Name}");
        return RunUnderIngestLock(embedder, modelVersion, null, cancellationToken);
    }

    /// <summary><see cref="Run"/> for a caller that already holds the "ingest" lock (dedup), limited to
    /// the faces of <paramref name="mediaIds"/> when given.</summary>
    public EmbedMissingOutcome RunUnderIngestLock(IFaceEmbedder embedder, string modelVersion, IReadOnlySet<long>? mediaIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentOutOfRangeException.ThrowIfLessThan(ImagesPerBatch, 1);
        var missing = FindMissing(embedder.Name, modelVersion, mediaIds);
        if (missing.Count == 0)
            return new EmbedMissingOutcome(0, 0, 0);
        OnMessage?.Invoke($"{missing.Count} faces have no current {embedder.Name} vector ({modelVersion}).");
        var decoder = new ImageDecoder();
        int embedded = 0, skipped = 0;
        OnProgress?.Invoke(0, missing.Count);
        foreach (var images in missing.GroupBy(f => f.MediaId).Chunk(ImagesPerBatch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var decodedImages = new List<DecodedImage>();
            var faces = new List<FaceRecord>();
            var crops = new List<FaceCrop>();
            try
            {
                foreach (var image in images)
                {
                    var decoded = Decode(decoder, catalog.GetMedia(image.Key), embedder.Name);
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
                        faces.Add(face);
                    }
                }
                var vectors = crops.Count > 0 ? embedder.Embed(crops) : [];
                using var transaction = catalog.BeginTransaction();
                for (int i = 0; i < faces.Count; i++)
                    catalog.PutEmbedding(new FaceEmbedding(faces[i].Id, embedder.Name, modelVersion, vectors[i]));
                transaction.Commit();
                embedded += faces.Count;
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

    /// <summary>The file as it was when its faces were found, or null (and a message) when it is not.</summary>
    private DecodedImage? Decode(ImageDecoder decoder, MediaFile? media, string model)
    {
        if (media is null)
            return null;
        string? problem = null;
        if (!File.Exists(media.Path))
            problem = "the file is gone";
        else if (ContentHash.OfFile(media.Path) != media.ContentHash)
            problem = "the file changed since its faces were found (run doppel detect --db with its folder to re-process it)";
        else
        {
            var decoded = decoder.Decode(media.Path);
            if (decoded.IsOk)
                return decoded;
            problem = $"it no longer decodes ({decoded.Status.ToCode()})";
            decoded.Dispose();
        }
        OnMessage?.Invoke($"{media.Path}: no {model} vector for its faces: {problem}.");
        return null;
    }
}
