using Doppel.Jobs.Dedup;
using Doppel.Storage;
using Doppel.Vision;

namespace Doppel.Jobs.Ingest;

/// <summary>
/// Getting files into the catalog, shared by <c>dedup</c> and <c>detect --db</c>: registering scanned
/// files (content hash decides new / unchanged / moved / changed), then running the face pipeline on
/// pending media and storing each file's faces and embeddings in small atomic batches. A file is
/// pending until the batch holding its results commits, so a run killed at any point leaves exactly
/// the unstored files pending, and the next run processes only those.
/// </summary>
public sealed class MediaIngest(ICatalog catalog, IImageAnalyzer analyzer)
{
    /// <summary>Reports (done, total) as images are stored.</summary>
    public Action<long, long>? OnProgress { get; init; }

    /// <summary>Hashes the files (in parallel) and registers them in one transaction; results in input order.</summary>
    public IReadOnlyList<MediaRegistration> Register(IReadOnlyList<ScannedFile> files, CancellationToken cancellationToken = default)
    {
        var infos = new MediaFileInfo[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            infos[i] = new MediaFileInfo(files[i].FullPath, ContentHash.OfFile(files[i].FullPath), files[i].Size));
        return catalog.RegisterMediaBatch(infos);
    }

    /// <summary>Analyses <paramref name="pending"/> and stores the results, <paramref name="batchSize"/>
    /// files per transaction, counted in run <paramref name="runId"/>.</summary>
    public void Process(IReadOnlyList<MediaFile> pending, long runId, int batchSize, CancellationToken cancellationToken = default)
    {
        if (pending.Count == 0)
            return;
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var idOfPath = pending.ToDictionary(m => m.Path, m => m.Id);
        var batch = new List<MediaResult>(batchSize);
        long done = 0;
        // Progress starts before the first (slow) batch, so rates and ETAs count from the real start.
        OnProgress?.Invoke(0, pending.Count);
        foreach (var analysis in analyzer.Analyze(pending.Select(m => m.Path).ToList(), cancellationToken))
        {
            batch.Add(ToResult(idOfPath[analysis.Path], analysis, analyzer));
            if (batch.Count >= batchSize)
                Flush();
        }
        Flush();

        void Flush()
        {
            if (batch.Count == 0)
                return;
            catalog.SaveResults(batch, runId);
            done += batch.Count;
            batch.Clear();
            OnProgress?.Invoke(done, pending.Count);
        }
    }

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
            f.Embeddings.Select(e => new NewEmbedding(e.Key, analyzer.EmbeddingModelVersion, e.Value)).ToList())).ToList());
}
