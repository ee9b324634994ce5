namespace Doppel.Storage;

/// <summary>A catalog problem the user can act on; the message says what to do.</summary>
public class CatalogException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The database was written by a newer Doppel than this one.</summary>
public sealed class CatalogVersionException(string location, int databaseVersion, int codeVersion)
    : CatalogException(
        $"The catalog {location} has schema version {databaseVersion}, but this Doppel only knows versions up to {codeVersion}. " +
        "It was written by a newer Doppel: upgrade Doppel, or point --db at another file.")
{
    public int DatabaseVersion { get; } = databaseVersion;
    public int CodeVersion { get; } = codeVersion;
}

/// <summary>Another live process holds the lock this command needs.</summary>
public sealed class CatalogLockedException(string location, LockOwner owner)
    : CatalogException(
        $"The catalog {location} is in use: lock '{owner.Name}' is held by '{owner.Purpose}' (pid {owner.Pid} on {owner.Host}, " +
        $"since {owner.AcquiredAt:u}, last heartbeat {owner.HeartbeatAt:u}). Wait for it to finish; a lock whose process has died " +
        "is taken over automatically.")
{
    public LockOwner Owner { get; } = owner;
}

/// <summary>Whether a failure means the database did not answer (down, restarting, failing over, or too busy within its
/// timeout), as opposed to a fault of the request or the code: what a caller should wait out and retry.</summary>
public static class DatabaseFaults
{
    /// <summary>True when <paramref name="exception"/> or one it wraps is a provider error its provider marks transient
    /// (Npgsql: refused or broken connections, an exhausted pool, a server shutting down; SQLite: busy or locked).</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is System.Data.Common.DbException { IsTransient: true })
                return true;
        return false;
    }

    /// <summary>Waits <paramref name="every"/>, then runs <paramref name="attempt"/>, again while the database is
    /// unavailable: true once it succeeds, false when <paramref name="limit"/> (none: no limit) has passed first. Any other
    /// error, and cancellation, propagate.</summary>
    public static async Task<bool> RetryWhileUnavailableAsync(Func<Task> attempt, TimeSpan every, TimeSpan? limit = null, CancellationToken cancellationToken = default)
    {
        var until = limit is { } l ? DateTime.UtcNow + l : DateTime.MaxValue;
        while (DateTime.UtcNow < until)
        {
            await Task.Delay(every, cancellationToken).ConfigureAwait(false);
            try
            {
                await attempt().ConfigureAwait(false);
                return true;
            }
            catch (Exception e) when (IsUnavailable(e))
            {
            }
        }
        return false;
    }
}
