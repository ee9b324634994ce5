using System.Text.Json;
using Doppel.Jobs.Ingest;
using Doppel.Jobs.Queue;
using Doppel.Storage;

namespace Doppel.Workers;

/// <summary>A dedup of everything under local folders, as <c>dedup --distributed</c> and a recurring schedule ask for it.</summary>
public sealed record FolderDedupRequest(IReadOnlyList<string> Roots, string Model, float? Threshold = null, string Grouping = "connected",
    int ChunkSize = 64, int BlockSize = 16384);

/// <summary>What was queued: the work's id, the catalog run, the scanned files and their registrations (input order).</summary>
public sealed record QueuedFolderSet(string Id, long RunId, IReadOnlyList<ScannedFile> Files, IReadOnlyList<MediaRegistration> Registrations, int Pending);

/// <summary>
/// Turning folders into a queued set: scan, hash (in parallel), register in the catalog (content hashes make it
/// idempotent), start a run, enqueue. The enqueuer does the hashing because it reads the files' listing anyway
/// and workers need the media ids; the images themselves are read once more, by the worker that analyses them.
/// </summary>
public static class FolderSets
{
    public static async Task<QueuedFolderSet> EnqueueAsync(IDoppelDatabase catalog, IJobQueue queue, FolderDedupRequest request,
        Action<string>? message = null, CancellationToken cancellationToken = default)
    {
        var stores = catalog.For(TenantId.Default);
        var files = ImageScanner.Scan(request.Roots);
        message?.Invoke($"Found {files.Count} image files under {string.Join(", ", request.Roots)}.");
        var entries = new MediaEntry[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            entries[i] = new MediaEntry(new MediaKey(MediaSources.File, files[i].FullPath), ContentHash.OfFile(files[i].FullPath), files[i].Size));
        var registrations = await stores.Media.RegisterAsync(entries, cancellationToken);
        var mediaIds = registrations.Select(r => r.Media.Id).Distinct().ToList();
        int pending = registrations.Where(r => r.Media.State == MediaState.Pending).Select(r => r.Media.Id).Distinct().Count();
        long runId = await stores.Runs.StartAsync(DedupWork.RunKind,
            JsonSerializer.Serialize(new { roots = request.Roots, threshold = request.Threshold, model = request.Model, distributed = true }), pending, cancellationToken);
        var dedup = new DedupRequest
        {
            Tenant = TenantId.Default.Value, RunId = runId, MediaIds = mediaIds, Model = request.Model,
            Threshold = request.Threshold, Grouping = request.Grouping, ChunkSize = request.ChunkSize, BlockSize = request.BlockSize,
        };
        // Enqueuing again after a dropped connection is safe: the run's set is reused, chunk jobs queued twice skip done work.
        var id = await Transient.RetryAsync(() => queue.EnqueueDedupAsync(dedup, cancellationToken), message, cancellationToken: cancellationToken);
        message?.Invoke($"Queued set {id} (run {runId}): {mediaIds.Count} images ({pending} to analyse) in {(mediaIds.Count + request.ChunkSize - 1) / request.ChunkSize} chunks; waiting for workers (doppel worker).");
        return new QueuedFolderSet(id, runId, files, registrations, pending);
    }
}
