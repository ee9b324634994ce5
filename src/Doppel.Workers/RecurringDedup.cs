using Hangfire;

namespace Doppel.Workers;

/// <summary>
/// <c>automate</c>'s schedule on the workers: a Hangfire recurring job that queues a folder dedup set at each tick,
/// unless a set is still being processed (no overlap, as the single-machine <c>automate</c> loop). Registered by
/// <c>doppel automate DIR --every 3m --jobs-db postgres://...</c> or the service; runs on whichever worker takes it.
/// </summary>
public sealed class RecurringDedup(WorkerServices services)
{
    /// <summary>The recurring job's id for these folders: scheduling the same folders again replaces the schedule.</summary>
    public static string IdFor(IEnumerable<string> roots) =>
        "automate:" + string.Join('|', roots.Select(Path.GetFullPath).Order(StringComparer.Ordinal));

    /// <summary>Hangfire's cron for an interval of whole minutes (up to an hour) or whole hours (up to a day).</summary>
    public static string CronOf(TimeSpan every)
    {
        if (every >= TimeSpan.FromMinutes(1) && every <= TimeSpan.FromHours(1) && every.Ticks % TimeSpan.TicksPerMinute == 0 && 60 % (int)every.TotalMinutes == 0)
            return every == TimeSpan.FromHours(1) ? Cron.Hourly() : $"*/{(int)every.TotalMinutes} * * * *";
        if (every > TimeSpan.FromHours(1) && every <= TimeSpan.FromDays(1) && every.Ticks % TimeSpan.TicksPerHour == 0 && 24 % (int)every.TotalHours == 0)
            return every == TimeSpan.FromDays(1) ? Cron.Daily() : $"0 */{(int)every.TotalHours} * * *";
        throw new ArgumentException($"--every {every} cannot be a schedule on the workers: use minutes dividing an hour (1m, 5m, 15m...) or hours dividing a day (2h, 6h, 24h).");
    }

    /// <summary>Adds or replaces the schedule; returns its id.</summary>
    public static string Schedule(IRecurringJobManager jobs, FolderDedupRequest request, TimeSpan every)
    {
        var id = IdFor(request.Roots);
        var roots = request.Roots.Select(Path.GetFullPath).ToArray();
        jobs.AddOrUpdate<RecurringDedup>(id, JobQueues.Analyse,
            r => r.Tick(roots, request.Model, request.Threshold, request.Grouping, request.ChunkSize, request.BlockSize, request.Recogniser, request.MinQuality, CancellationToken.None),
            CronOf(every), new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        return id;
    }

    /// <param name="recogniser">The recogniser the sets are queued with (<see cref="Doppel.Application.Queue.DedupRequest.Recogniser"/>).</param>
    /// <param name="minQuality">The schedule's <c>--min-quality</c>: each set records it, and matching leaves out the faces
    /// stored below it, as <c>dedup --distributed --min-quality</c> does.</param>
    [Queue(JobQueues.Analyse)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task Tick(string[] roots, string model, float? threshold, string grouping, int chunkSize, int blockSize, string? recogniser, float? minQuality, CancellationToken cancellationToken)
    {
        if (await services.Work.HasUnfinishedSetAsync(cancellationToken))
            return;
        await FolderSets.EnqueueAsync(services.Catalog, services.MediaStore(Doppel.Storage.MediaSources.File), new HangfireJobQueue(services.Work, services.Jobs),
            new FolderDedupRequest(roots, model, threshold, grouping, chunkSize, blockSize, MinQuality: minQuality, Recogniser: recogniser), cancellationToken: cancellationToken);
    }

    /// <summary>A schedule registered before schedules named their recogniser and carried <c>--min-quality</c> (Hangfire
    /// finds a stored job's method by its parameter types, so this signature stays for the recurring jobs stored with
    /// it): its sets record neither, see <see cref="WorkSet.Profile"/>.</summary>
    [Queue(JobQueues.Analyse)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public Task Tick(string[] roots, string model, float? threshold, string grouping, int chunkSize, int blockSize, CancellationToken cancellationToken) =>
        Tick(roots, model, threshold, grouping, chunkSize, blockSize, null, null, cancellationToken);
}
