using System.ComponentModel;
using Doppel.Application.Sets;
using Doppel.Storage;
using Hangfire;
using Hangfire.States;

namespace Doppel.Workers;

/// <summary>
/// A deduplication set of the REST service (HOPE's <c>process/</c>, v1's <c>process</c>), processed by a
/// <c>doppel worker</c> instead of the service: the job runs the application's <see cref="ProcessSetHandler"/>, the
/// use case the service runs in-process on SQLite, so findings are the same either way. The handler holds the set's
/// lease, resumes from what is stored (analysed images are not analysed again) and moves the set to Ready or Failed;
/// its state changes queue the webhooks and HOPE notifications in the catalog, which the service delivers.
/// </summary>
public sealed class SetWork(WorkerServices services)
{
    [Queue(JobQueues.Analyse)]
    [DisplayName("Process service set {1} (tenant {0})")]
    public async Task Process(long tenant, Guid setId, string mediaRoot, CancellationToken cancellationToken)
    {
        var analyzer = services.RentAnalyzer();
        try
        {
            var handler = new ProcessSetHandler(services.Catalog, analyzer, new MediaFolder(mediaRoot), HandlersOf(services.Catalog));
            // The set's lease is held: by a live process (it finishes the set, and the next run finds nothing to do), or
            // by a killed worker on another machine until its lease expires. Look again later; this is no failure, so it
            // uses none of the job's attempts.
            if (await handler.RunAsync(new TenantId(tenant), setId, cancellationToken) == ProcessSetHandler.Outcome.HeldElsewhere)
                services.Jobs.Schedule<SetWork>(w => w.Process(tenant, setId, mediaRoot, CancellationToken.None), services.Timings.LeaseTimeToLive);
        }
        finally
        {
            services.Return(analyzer);
        }
    }

    /// <summary>The set use cases as a worker needs them: state moves and their events (a worker never queues a set).</summary>
    internal static SetHandlers HandlersOf(IDoppelDatabase catalog) => new(catalog, NoQueue.Instance, new SetEvents(catalog));

    private sealed class NoQueue : ISetProcessingQueue
    {
        public static readonly NoQueue Instance = new();

        public ValueTask EnqueueAsync(TenantId tenant, Guid setId, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("A worker does not queue sets.");
    }
}

/// <summary>
/// The service's <see cref="ISetProcessingQueue"/> when it runs with workers: each set to process becomes one
/// <see cref="SetWork.Process"/> job on the <c>analyse</c> queue, with the service's media folder (image keys are
/// relative to it; every worker sees it at the same path, or the service and workers share one machine).
/// </summary>
public sealed class HangfireSetQueue(IBackgroundJobClient jobs, string mediaRoot) : ISetProcessingQueue
{
    public ValueTask EnqueueAsync(TenantId tenant, Guid setId, CancellationToken cancellationToken = default)
    {
        long t = tenant.Value;
        jobs.Create<SetWork>(w => w.Process(t, setId, mediaRoot, CancellationToken.None), new EnqueuedState(JobQueues.Analyse));
        return ValueTask.CompletedTask;
    }
}
