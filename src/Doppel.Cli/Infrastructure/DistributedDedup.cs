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
        await using var work = await Transient.RetryAsync(() => WorkStore.OpenAsync(jobsConnection, cancellationToken), message, cancellationToken: cancellationToken);
        var queue = new HangfireJobQueue(work, new BackgroundJobClient(JobsStorage.Create(jobsConnection)));
        var stores = catalog.For(TenantId.Default);
        var queued = await FolderSets.EnqueueAsync(catalog, queue, new FolderDedupRequest(settings.Roots, analyzer.EmbeddingModel, settings.Threshold,
            settings.Grouping == GroupingMode.Core ? "core" : "connected", settings.ChunkSize, settings.BlockSize), message, cancellationToken);
        var id = queued.Id;

        QueuedWorkProgress progress;
        string last = "";
        while (true)
        {
            // The workers retry their jobs through a database restart; following them does the same.
            progress = await Transient.RetryAsync(() => queue.GetProgressAsync(id, cancellationToken), message, UnreachableLimit, cancellationToken)
                       ?? throw new InvalidOperationException($"Set {id} vanished from the job queue.");
            var line = $"{progress.State}: chunks {progress.ChunksDone}/{progress.Chunks}, partitions {progress.PartitionsDone}/{(progress.Partitions?.ToString() ?? "?")}";
            if (line != last)
                message(last = line);
            if (progress.IsFinal)
                break;
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
        if (progress.IsFailed)
            throw new CatalogException($"Set {id} failed: {progress.Error} (failed jobs and their errors: the Hangfire dashboard or the hangfire schema).");

        var set = await Transient.RetryAsync(() => work.GetSetAsync(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture), cancellationToken), message, cancellationToken: cancellationToken);
        return await OutcomeAsync(stores, set ?? throw new InvalidOperationException($"Set {id} vanished from the job queue."),
            queued.Registrations, queued.Files, queued.Pending, clock.Elapsed, cancellationToken);
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
