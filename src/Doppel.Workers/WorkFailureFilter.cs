using Hangfire.Common;
using Hangfire.States;

namespace Doppel.Workers;

/// <summary>
/// When a job of the graph lands in Hangfire's failed state (its attempts used up: retries are elected to
/// Scheduled before this filter sees them), its set goes to <see cref="WorkState.Failed"/> with the job and
/// its error, so the CLI, the API and the admin page show why, and the catalog run is marked failed. A service
/// set's job (<see cref="SetWork"/>, or any job of its graph) that fails for good moves that set to Failed with the error (HOPE's client
/// reads <c>Failed</c> as an error), through the same transition the in-process service makes.
/// </summary>
public sealed class WorkFailureFilter(WorkerServices services) : JobFilterAttribute, IElectStateFilter
{
    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is FailedState setFailed && context.BackgroundJob.Job?.Type == typeof(SetWork))
        {
            FailServiceSet(context, setFailed);
            return;
        }
        if (context.CandidateState is not FailedState failed || context.BackgroundJob.Job?.Type != typeof(DedupWork)
            || context.BackgroundJob.Job.Args.Count == 0 || context.BackgroundJob.Job.Args[0] is not long setId)
            return;
        var error = $"{context.BackgroundJob.Job.Method.Name}({string.Join(", ", context.BackgroundJob.Job.Args.Take(context.BackgroundJob.Job.Args.Count - 1))}) " +
                    $"failed (job {context.BackgroundJob.Id}): {failed.Exception.GetType().Name}: {failed.Exception.Message}";
        try
        {
            var set = services.Work.GetSetAsync(setId).GetAwaiter().GetResult();
            if (services.Work.SetStateAsync(setId, WorkState.Failed, error).GetAwaiter().GetResult() && set is not null)
            {
                services.Catalog.For(new Doppel.Storage.TenantId(set.Tenant)).Runs.FinishAsync(set.RunId, Doppel.Storage.RunState.Failed, error).GetAwaiter().GetResult();
                // A service set's chunk, partition or fan-in failed for good: the set fails as its start job's failure fails it.
                if (set.ServiceSet is { } serviceSet)
                    FailServiceSet(set.Tenant, serviceSet, $"Processing failed on the workers: {error}");
            }
        }
        catch (Exception e)
        {
            // The job stays failed in Hangfire either way; the set's state is retried with the job's retry from the dashboard.
            Console.Error.WriteLine($"warning: could not mark set {setId} failed: {e.Message}");
        }
    }

    private void FailServiceSet(ElectStateContext context, FailedState failed)
    {
        var args = context.BackgroundJob.Job?.Args;
        if (args is null || args.Count < 2 || args[0] is not long tenant || args[1] is not Guid setId)
            return;
        FailServiceSet(tenant, setId, $"Processing failed on the workers (job {context.BackgroundJob.Id}): {failed.Exception.GetType().Name}: {failed.Exception.Message}");
    }

    private void FailServiceSet(long tenant, Guid setId, string error)
    {
        error = error.Length <= 500 ? error : error[..500];
        try
        {
            var handlers = SetWork.HandlersOf(services.Catalog);
            var set = services.Catalog.SetsFor(new Doppel.Storage.TenantId(tenant)).GetSetAsync(setId).GetAwaiter().GetResult();
            if (set?.State == Doppel.Storage.SetState.Processing)
                handlers.MoveAsync(set.Tenant, set, Doppel.Application.Sets.SetAction.Fail, error).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"warning: could not mark service set {setId} failed: {e.Message}");
        }
    }
}
