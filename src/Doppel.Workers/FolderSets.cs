using System.Text.Json;
using Doppel.Application.Ingest;
using Doppel.Application.Queue;
using Doppel.Storage;
using Doppel.Storage.Media;

namespace Doppel.Workers;

/// <summary>A dedup of everything under some roots of one media store (folders, or prefixes of a container), as
/// <c>dedup --distributed</c> and a recurring schedule ask for it. <see cref="Recogniser"/>: the recogniser with an
/// ensemble's weights (<see cref="DedupRequest.Recogniser"/>).</summary>
public sealed record FolderDedupRequest(IReadOnlyList<string> Roots, string Model, float? Threshold = null, string Grouping = "average",
    int ChunkSize = 64, int BlockSize = 16384, string Search = WorkSet.SearchExact, float? MinQuality = null, string? Recogniser = null);

/// <summary>What was queued: the work's id, the catalog run, and the registered media (listing order).</summary>
public sealed record QueuedFolderSet(string Id, long RunId, IReadOnlyList<RegisteredMedia> Registered, int Pending);

/// <summary>
/// Turning roots into a queued set: the application's <see cref="RegisterMediaHandler"/> (list, hash, register:
/// content hashes make it idempotent, moves keep their records), a catalog run, then the queue. The enqueuer
/// registers because workers need media ids; it reads a new image not at all (registered unread): the worker that
/// analyses it reads it once and stores its hash with the analysis.
/// </summary>
public static class FolderSets
{
    public static async Task<QueuedFolderSet> EnqueueAsync(IDoppelDatabase catalog, IMediaStore media, IJobQueue queue, FolderDedupRequest request,
        Action<string>? message = null, CancellationToken cancellationToken = default)
    {
        var stores = catalog.For(TenantId.Default);
        // Registration is idempotent (content hashes), so a connection dropped mid-way is retried whole.
        var listing = await Transient.RetryAsync(async () =>
        {
            await using var unit = await stores.BeginAsync(cancellationToken: cancellationToken);
            var result = await new RegisterMediaHandler(unit, media).HandleAsync(request.Roots, cancellationToken);
            await unit.CommitAsync(cancellationToken);
            return result;
        }, message, cancellationToken: cancellationToken);
        var registered = listing.Media;
        message?.Invoke($"Found {registered.Count} image files under {string.Join(", ", request.Roots)}{(listing.Skipped.Count > 0 ? $"; passed over {listing.Skipped.Count} entries" : "")}.");
        var mediaIds = registered.Select(r => r.Registration.Media.Id).Distinct().ToList();
        int pending = registered.Where(r => r.Registration.Media.State == MediaState.Pending).Select(r => r.Registration.Media.Id).Distinct().Count();
        var args = JsonSerializer.Serialize(new { roots = request.Roots, threshold = request.Threshold, model = request.Model, search = request.Search, minQuality = request.MinQuality, distributed = true });
        long runId = await Transient.RetryAsync(() => stores.Runs.StartAsync(DedupWork.RunKind, args, pending, cancellationToken), message, cancellationToken: cancellationToken);
        var dedup = new DedupRequest
        {
            Tenant = TenantId.Default.Value, RunId = runId, MediaIds = mediaIds, Model = request.Model,
            Threshold = request.Threshold, Grouping = request.Grouping, ChunkSize = request.ChunkSize, BlockSize = request.BlockSize,
            Search = request.Search, MinQuality = request.MinQuality, Recogniser = request.Recogniser,
        };
        // Enqueuing again after a dropped connection is safe: the run's set is reused, chunk jobs queued twice skip done work.
        var id = await Transient.RetryAsync(() => queue.EnqueueDedupAsync(dedup, cancellationToken), message, cancellationToken: cancellationToken);
        message?.Invoke($"Queued set {id} (run {runId}): {mediaIds.Count} images ({pending} to analyse) in {(mediaIds.Count + request.ChunkSize - 1) / request.ChunkSize} chunks; waiting for workers (doppel worker).");
        return new QueuedFolderSet(id, runId, registered, pending);
    }
}
