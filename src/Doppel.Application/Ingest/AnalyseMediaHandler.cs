using Doppel.Jobs;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Doppel.Storage.Media;
using Doppel.Vision;
using Doppel.Vision.Decoding;

namespace Doppel.Application.Ingest;

/// <summary>
/// Use case "analyse": run the face pipeline on pending media and store each file's status, faces and
/// vectors in small atomic batches (each a unit of work, fenced by the caller's lease when given). A file is
/// pending until its batch commits, so a run killed at any point leaves exactly the unstored files pending.
/// The pipeline reads each file once from the media store (a folder or a blob container, no local copy) and
/// each result is stored with the content hash and size of exactly the bytes analysed: a file registered unread
/// gets its hash here, and one that changed after registration is stored under its new hash, never the old one.
/// </summary>
public sealed class AnalyseMediaHandler(ITenantStores stores, IMediaStore media, IImageAnalyzer analyzer)
{
    /// <summary>Reports (done, total) as images are stored.</summary>
    public Action<long, long>? OnProgress { get; init; }

    public async Task<int> HandleAsync(IReadOnlyList<MediaFile> pending, long runId, int batchSize, LeaseFence? fence,
        CancellationToken cancellationToken = default)
    {
        if (pending.Count == 0)
            return 0;
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var idOfKey = pending.ToDictionary(m => m.Path, m => m.Id);
        // Reads overlap the analysis where a read waits on the network (a blob container); each image is still read once.
        using var readAhead = new MediaReadAhead(pending.Select(m => (m.Path, StoreOf(m), m.SizeBytes)).ToList(), media.ReadAhead);
        var sources = pending.Select((m, i) => new ImageSource(m.Path, token => readAhead.Open(i, token))).ToList();
        var batch = new List<MediaResult>(batchSize);
        int done = 0;
        // Progress starts before the first (slow) batch, so rates and ETAs count from the real start.
        OnProgress?.Invoke(0, pending.Count);
        foreach (var analysis in analyzer.Analyze(sources, cancellationToken))
        {
            batch.Add(ToResult(idOfKey[analysis.Path], analysis, analyzer));
            if (batch.Count >= batchSize)
                await FlushAsync().ConfigureAwait(false);
        }
        await FlushAsync().ConfigureAwait(false);
        return done;

        async Task FlushAsync()
        {
            if (batch.Count == 0)
                return;
            await using (var uow = await stores.BeginAsync(fence, cancellationToken).ConfigureAwait(false))
            {
                await uow.Media.SaveResultsAsync(batch, runId, cancellationToken).ConfigureAwait(false);
                await uow.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            done += batch.Count;
            batch.Clear();
            OnProgress?.Invoke(done, pending.Count);
        }
    }

    /// <summary>Where a media's bytes are read: the media store, or its own path for a local file.</summary>
    private IMediaStore StoreOf(MediaFile m) =>
        m.Source == media.Source ? media
        : m.Source == MediaSources.File ? LocalFolderMediaStore.Instance
        : throw new CatalogException($"Media {m.Id} is in {m.Source}, not in the media store given ({media.Source}).");

    /// <summary>What the catalog stores of one analysed file: status, size, faces with landmarks and vectors (under the analyzer's model version).</summary>
    public static MediaResult ToResult(long mediaId, ImageAnalysis analysis, IImageAnalyzer analyzer) => new(
        mediaId,
        analysis.Status.ToCode(),
        analysis.Detail,
        analysis.Format,
        analysis.Width > 0 ? analysis.Width : null,
        analysis.Height > 0 ? analysis.Height : null,
        analysis.Faces.Select(f => new NewFace(
            new FaceBox(f.Detection.Box.X, f.Detection.Box.Y, f.Detection.Box.Width, f.Detection.Box.Height),
            LandmarkCodec.Flatten(f.Detection.Landmarks),
            analyzer.DetectorName,
            f.Detection.Score,
            f.Quality,
            f.Embeddings.Select(e => new NewEmbedding(e.Key, analyzer.EmbeddingModelVersion, e.Value)).ToList())).ToList(),
        analysis.ContentHash,
        analysis.SizeBytes);
}
