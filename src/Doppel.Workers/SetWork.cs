using System.ComponentModel;
using Doppel.Application.Queue;
using Doppel.Application.Sets;
using Doppel.Storage;
using Hangfire;
using Hangfire.States;

namespace Doppel.Workers;

/// <summary>
/// A deduplication set of the REST service (HOPE's <c>process/</c>, v1's <c>process</c>), processed by <c>doppel worker</c>
/// processes instead of the service, as the same job graph a distributed dedup runs (<see cref="DedupWork"/>):
/// <see cref="Process"/> registers the set's images once (the application's <see cref="ProcessSetHandler.PrepareAsync"/>)
/// and queues its media as analysis chunks (idempotent per set and chunk); the last chunk plans matching over the faces
/// <see cref="SetResults.ScopeAsync"/> names (usable images and the group's approved sets), partitions join them, and the
/// fan-in stores the set's results through <see cref="SetResults.CompleteAsync"/>, which moves the set to Ready and queues
/// its webhooks and HOPE notifications in the catalog (the service delivers them). The service runs the same handler
/// in-process on SQLite, so findings are the same either way.
/// </summary>
public sealed class SetWork(WorkerServices services)
{
    [Queue(JobQueues.Analyse)]
    [DisplayName("Process service set {1} (tenant {0}): register, queue chunks")]
    public async Task Process(long tenant, Guid setId, string mediaRoot, int chunkSize, int blockSize, CancellationToken cancellationToken)
    {
        var set = await services.Catalog.SetsFor(new TenantId(tenant)).GetSetAsync(setId, cancellationToken);
        if (set is null || set.State != Doppel.Storage.SetState.Processing)
            return;
        // The pipeline of the profile the set was opened with (null, a set that recorded none: this worker's own). A model
        // it needs that this worker lacks fails the job here, before anything is written, naming the model and its install
        // command: retried (by a worker that has it, if one does), then the set fails with that error and is processed
        // again (retry) once the model is installed.
        var analyzer = services.RentAnalyzer(ProcessSetHandler.RecordedProfile(set)?.Embedder);
        try
        {
            var handler = new ProcessSetHandler(services.Catalog, analyzer, new MediaFolder(mediaRoot), HandlersOf(services.Catalog));
            var prepared = await handler.PrepareAsync(new TenantId(tenant), setId, cancellationToken);
            if (prepared is null)
                return;
            // Run again (its worker killed after queuing), the job finds the set's unfinished work and queues what is left of it.
            long runId = await services.Work.OpenRunOfServiceSetAsync(tenant, setId, cancellationToken)
                         ?? await handler.StartRunAsync(new TenantId(tenant), setId, cancellationToken);
            await services.Catalog.For(new TenantId(tenant)).Runs.UpdateAsync(runId, prepared.Images.Count, cancellationToken);
            await new HangfireJobQueue(services.Work, services.Jobs).EnqueueDedupAsync(new DedupRequest
            {
                Tenant = tenant, RunId = runId, Model = analyzer.EmbeddingModel, Recogniser = analyzer.Recogniser,
                MediaIds = prepared.MediaOfImage.Values.Distinct().Order().ToList(),
                Threshold = ProcessSetHandler.CosineThreshold(prepared.Set, analyzer.Profile),
                ChunkSize = chunkSize, BlockSize = blockSize, ServiceSet = setId, ImageMedia = prepared.MediaOfImage,
            }, cancellationToken);
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
/// relative to it; every worker sees it at the same path, or the service and workers share one machine) and the
/// images per analysis job and faces per matching block.
/// </summary>
public sealed class HangfireSetQueue(IBackgroundJobClient jobs, string mediaRoot, int chunkSize = HangfireSetQueue.DefaultChunkSize,
    int blockSize = HangfireSetQueue.DefaultBlockSize) : ISetProcessingQueue
{
    public const int DefaultChunkSize = 64;
    public const int DefaultBlockSize = 16384;

    public ValueTask EnqueueAsync(TenantId tenant, Guid setId, CancellationToken cancellationToken = default)
    {
        long t = tenant.Value;
        jobs.Create<SetWork>(w => w.Process(t, setId, mediaRoot, chunkSize, blockSize, CancellationToken.None), new EnqueuedState(JobQueues.Analyse));
        return ValueTask.CompletedTask;
    }
}
