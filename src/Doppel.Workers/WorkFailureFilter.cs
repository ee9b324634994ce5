using Hangfire.Common;
using Hangfire.States;

namespace Doppel.Workers;

/// <summary>
/// When a job of the graph lands in Hangfire's failed state (its attempts used up: retries are elected to
/// Scheduled before this filter sees them), its set goes to <see cref="WorkState.Failed"/> with the job and
/// its error, so the CLI, the API and the admin page show why, and the catalog run is marked failed.
/// </summary>
public sealed class WorkFailureFilter(WorkerServices services) : JobFilterAttribute, IElectStateFilter
{
    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is not FailedState failed || context.BackgroundJob.Job?.Type != typeof(DedupWork)
            || context.BackgroundJob.Job.Args.Count == 0 || context.BackgroundJob.Job.Args[0] is not long setId)
            return;
        var error = $"{context.BackgroundJob.Job.Method.Name}({string.Join(", ", context.BackgroundJob.Job.Args.Take(context.BackgroundJob.Job.Args.Count - 1))}) " +
                    $"failed (job {context.BackgroundJob.Id}): {failed.Exception.GetType().Name}: {failed.Exception.Message}";
        try
        {
            var set = services.Work.GetSetAsync(setId).GetAwaiter().GetResult();
            if (services.Work.SetStateAsync(setId, WorkState.Failed, error).GetAwaiter().GetResult() && set is not null)
                services.Catalog.For(new Doppel.Storage.TenantId(set.Tenant)).Runs.FinishAsync(set.RunId, Doppel.Storage.RunState.Failed, error).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            // The job stays failed in Hangfire either way; the set's state is retried with the job's retry from the dashboard.
            Console.Error.WriteLine($"warning: could not mark set {setId} failed: {e.Message}");
        }
    }
}
