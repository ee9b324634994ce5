using System.Globalization;
using Doppel.Application.Queue;
using Hangfire;
using Hangfire.States;

namespace Doppel.Workers;

/// <summary>
/// <see cref="IJobQueue"/> on Hangfire: the set's state goes into the work store, its analysis chunks into the
/// <c>analyse</c> queue; workers take it from there (see <see cref="DedupWork"/>).
/// </summary>
public sealed class HangfireJobQueue(WorkStore work, IBackgroundJobClient jobs) : IJobQueue
{
    public async Task<string> EnqueueDedupAsync(DedupRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Grouping is not ("average" or "connected" or "core"))
            throw new ArgumentException($"Grouping '{request.Grouping}' is none of average, connected, core.");
        long id = await work.CreateSetAsync(request.Tenant, request.RunId, request.Model, request.Threshold, request.Grouping,
            request.ChunkSize, request.BlockSize, request.MediaIds, cancellationToken, request.Search, request.ServiceSet, request.MinQuality, request.Recogniser);
        if (request.ImageMedia is { } imageMedia)
            await work.SaveImageMediaAsync(id, imageMedia, cancellationToken);
        int chunks = (request.MediaIds.Count + request.ChunkSize - 1) / request.ChunkSize;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            int c = chunk;
            // Queued again (an enqueuer retried), a chunk that is done is not queued twice.
            if (!await work.IsChunkDoneAsync(id, c, cancellationToken))
                jobs.Create<DedupWork>(w => w.AnalyseChunk(id, c, CancellationToken.None), new EnqueuedState(JobQueues.Analyse));
        }
        if (chunks == 0)
            jobs.Create<DedupWork>(w => w.PlanMatching(id, CancellationToken.None), new EnqueuedState(JobQueues.Match));
        return id.ToString(CultureInfo.InvariantCulture);
    }

    public async Task<QueuedWorkProgress?> GetProgressAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var setId))
            return null;
        var set = await work.GetSetAsync(setId, cancellationToken);
        return set is null ? null : new QueuedWorkProgress(id, set.State.ToString().ToLowerInvariant(), set.ChunksDone, set.Chunks,
            set.PartitionsDone, set.Partitions, set.DedupSetId, set.Error);
    }
}
