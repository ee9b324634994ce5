using System.Text.Json;
using Doppel.Jobs;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Jobs.Queue;
using Doppel.Matching;
using Doppel.Storage;
using Doppel.Workers;
using Hangfire;

namespace Doppel.Cli.Infrastructure;

/// <summary>
/// <c>doppel dedup DIR --distributed</c>: registers the folder's files in the catalog here (hashing is I/O this
/// machine does anyway), queues the set for the workers, follows its progress, and ends with the outcome read
/// back from the stored set: the same findings a single-process run stores.
/// </summary>
public static class DistributedDedup
{
    /// <summary>How long following a set waits for an unreachable job database before giving up (the work goes on).</summary>
    private static readonly TimeSpan UnreachableLimit = TimeSpan.FromMinutes(5);

    public sealed record Settings(IReadOnlyList<string> Roots, string Catalog, string JobsAddress, float? Threshold, GroupingMode Grouping, int ChunkSize, int BlockSize);

    public static async Task<DedupOutcome> RunAsync(Settings settings, IImageAnalyzer analyzer, Action<string> message, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var jobsConnection = JobsStorage.ConnectionString(settings.JobsAddress);
        await using var catalog = Distributed.OpenCatalog(settings.Catalog);
        await using var work = await WorkStore.OpenAsync(jobsConnection, cancellationToken);
        var queue = new HangfireJobQueue(work, new BackgroundJobClient(JobsStorage.Create(jobsConnection)));
        var stores = catalog.For(TenantId.Default);

        var files = ImageScanner.Scan(settings.Roots);
        message($"Found {files.Count} image files under {string.Join(", ", settings.Roots)}.");
        var entries = new MediaEntry[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            entries[i] = new MediaEntry(new MediaKey(MediaSources.File, files[i].FullPath), ContentHash.OfFile(files[i].FullPath), files[i].Size));
        var registrations = await stores.Media.RegisterAsync(entries, cancellationToken);
        var mediaIds = registrations.Select(r => r.Media.Id).Distinct().ToList();
        int pending = registrations.Where(r => r.Media.State == MediaState.Pending).Select(r => r.Media.Id).Distinct().Count();
        string grouping = settings.Grouping == GroupingMode.Core ? "core" : "connected";
        long runId = await stores.Runs.StartAsync(DedupWork.RunKind,
            JsonSerializer.Serialize(new { roots = settings.Roots, threshold = settings.Threshold, model = analyzer.EmbeddingModel, distributed = true }), pending, cancellationToken);
        var id = await queue.EnqueueDedupAsync(new DedupRequest
        {
            Tenant = TenantId.Default.Value, RunId = runId, MediaIds = mediaIds, Model = analyzer.EmbeddingModel,
            Threshold = settings.Threshold, Grouping = grouping, ChunkSize = settings.ChunkSize, BlockSize = settings.BlockSize,
        }, cancellationToken);
        message($"Queued set {id} (run {runId}): {mediaIds.Count} images ({pending} to analyse) in {(mediaIds.Count + settings.ChunkSize - 1) / settings.ChunkSize} chunks; waiting for workers (doppel worker).");

        QueuedWorkProgress progress;
        string last = "";
        var unreachableSince = (DateTime?)null;
        while (true)
        {
            try
            {
                progress = await queue.GetProgressAsync(id, cancellationToken) ?? throw new InvalidOperationException($"Set {id} vanished from the job queue.");
                unreachableSince = null;
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException && (unreachableSince ??= DateTime.UtcNow) > DateTime.UtcNow - UnreachableLimit)
            {
                // The workers retry their jobs through a database restart; following them does the same.
                message($"job database unreachable ({e.Message.Split('\n')[0]}); retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }
            var line = $"{progress.State}: chunks {progress.ChunksDone}/{progress.Chunks}, partitions {progress.PartitionsDone}/{(progress.Partitions?.ToString() ?? "?")}";
            if (line != last)
                message(last = line);
            if (progress.IsFinal)
                break;
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
        if (progress.IsFailed)
            throw new CatalogException($"Set {id} failed: {progress.Error} (failed jobs and their errors: the Hangfire dashboard or the hangfire schema).");

        return await OutcomeAsync(stores, await work.GetSetAsync(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture), cancellationToken) ?? throw new InvalidOperationException(),
            registrations, files, pending, clock.Elapsed, cancellationToken);
    }

    /// <summary>The outcome as the summary and the report need it, read from the stored set.</summary>
    private static async Task<DedupOutcome> OutcomeAsync(IStoreSet stores, WorkSet set, IReadOnlyList<MediaRegistration> registrations,
        IReadOnlyList<ScannedFile> files, int processed, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        var media = (await stores.Media.GetManyAsync(set.MediaIds, cancellationToken)).ToDictionary(m => m.Id);
        var images = registrations.Select((r, i) => new DedupImage(media[r.Media.Id], files[i])).ToList();
        var faces = await stores.Faces.ListOfMediaAsync(set.MediaIds, cancellationToken);
        var pairs = (await stores.Dedup.GetFindingsAsync(set.DedupSetId!.Value, cancellationToken: cancellationToken))
            .Select(f => new ImagePair(f.MediaA, f.MediaB, f.FaceA ?? 0, f.FaceB ?? 0, f.Score)).ToList();
        var rows = pairs.SelectMany(p => new[] { p.MediaA, p.MediaB }).Distinct().Order().ToList();
        var rowOf = rows.Select((id, row) => (id, row)).ToDictionary(x => x.id, x => x.row);
        var groups = DuplicateGrouper.Group(rows.Count, pairs.Select(p => new ScoredPair(rowOf[p.MediaA], rowOf[p.MediaB], p.Score)),
                new DedupOptions { Mode = set.Grouping == "core" ? GroupingMode.Core : GroupingMode.Connected })
            .Select(g => (IReadOnlyList<long>)g.Members.Select(m => rows[m]).ToList()).Where(g => g.Count > 1).ToList();
        return new DedupOutcome(set.RunId, set.DedupSetId.Value, set.Threshold ?? 0, set.Model, images, faces, pairs, groups, processed, false, elapsed);
    }
}
