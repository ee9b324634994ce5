using Hangfire;
using Hangfire.PostgreSql;

namespace Doppel.Workers;

/// <summary>
/// The Hangfire servers of one <c>doppel worker</c> process: one server per queue with that queue's concurrency
/// (so a busy analysis queue never starves matching), jobs built with this process's <see cref="WorkerServices"/>,
/// a retry policy of <see cref="WorkerTimings.Attempts"/> attempts after which a job fails and its set with it.
/// </summary>
public sealed class WorkerHost : IAsyncDisposable
{
    private readonly List<BackgroundJobServer> _servers = [];

    public WorkerHost(PostgreSqlStorage storage, WorkerServices services, IReadOnlyDictionary<string, int> concurrency)
    {
        // The filters are process-wide (Hangfire's GlobalJobFilters): this process runs one host.
        GlobalJobFilters.Filters.Remove(typeof(AutomaticRetryAttribute));
        GlobalJobFilters.Filters.Add(new AutomaticRetryAttribute
        {
            Attempts = services.Timings.Attempts - 1,
            DelaysInSeconds = services.Timings.RetryDelaysSeconds.ToArray(),
            OnAttemptsExceeded = AttemptsExceededAction.Fail,
        });
        GlobalJobFilters.Filters.Add(new WorkFailureFilter(services), order: 100);
        var activator = new Activator(services);
        foreach (var (queue, workers) in concurrency)
        {
            if (workers == 0)
                continue;
            _servers.Add(new BackgroundJobServer(new BackgroundJobServerOptions
            {
                ServerName = $"{services.WorkerName}:{queue}",
                Queues = [queue],
                WorkerCount = workers,
                Activator = activator,
                // A stopped (Ctrl+C) worker gives its jobs back at once; a killed one after the invisibility timeout.
                ShutdownTimeout = TimeSpan.FromSeconds(5),
                ServerCheckInterval = TimeSpan.FromSeconds(30),
                ServerTimeout = TimeSpan.FromMinutes(2),
            }, storage));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
            server.SendStop();
        foreach (var server in _servers)
        {
            await server.WaitForShutdownAsync(CancellationToken.None);
            server.Dispose();
        }
    }

    private sealed class Activator(WorkerServices services) : JobActivator
    {
        public override object ActivateJob(Type jobType) =>
            jobType == typeof(DedupWork) ? new DedupWork(services)
            : jobType == typeof(RecurringDedup) ? new RecurringDedup(services)
            : jobType == typeof(SetWork) ? new SetWork(services)
            : base.ActivateJob(jobType);
    }
}
