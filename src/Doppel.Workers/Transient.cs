using Doppel.Storage;
using Hangfire;

namespace Doppel.Workers;

/// <summary>
/// Retrying what the job database refuses while it restarts or fails over: the enqueuer, the follower and a
/// starting worker wait (with a message) instead of failing; jobs themselves are retried by Hangfire.
/// </summary>
public static class Transient
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(2);

    public static async Task<T> RetryAsync<T>(Func<Task<T>> action, Action<string>? onRetry = null, TimeSpan? limit = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (limit ?? DefaultLimit);
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception e) when (IsTransient(e))
            {
                var first = FirstLine(e);
                if (DateTime.UtcNow > deadline)
                    throw new CatalogException($"The job database stayed unreachable for {(limit ?? DefaultLimit).TotalSeconds:0} s: {first}", e);
                onRetry?.Invoke($"job database unreachable ({first}); retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    /// <summary>Whether waiting may help: a database error its provider marks transient (<see cref="DatabaseFaults.IsUnavailable"/>'s
    /// rule: refused or broken connections, a server shutting down or starting up, an exhausted pool; not a bad query, a
    /// constraint or wrong credentials, which would only be retried for the whole limit before the same error), a timeout or
    /// a socket error, or one of these inside the wrappers Hangfire and the catalog put around them.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        System.Data.Common.DbException db => db.IsTransient,
        TimeoutException or System.Net.Sockets.SocketException => true,
        // Engines wrap driver errors in their own (a catalog that cannot be opened says which): look inside.
        BackgroundJobClientException or AggregateException or CatalogException => e.InnerException is { } inner && IsTransient(inner),
        _ => false,
    };

    private static string FirstLine(Exception e)
    {
        while (e is BackgroundJobClientException or AggregateException && e.InnerException is not null)
            e = e.InnerException;
        return e.Message.Split('\n', 2)[0].Trim();
    }
}
