using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite;

/// <summary>
/// The CLI's named lock: a lease (table <c>leases</c>, see <see cref="SqliteLeases"/>) whose time to live is
/// the stale timeout, renewed in the background. Besides expiry, a holder that is a dead process on this
/// host is replaced at once (a killed CLI run resumes without waiting). It uses its own connection so the
/// background heartbeat never touches the catalog's (single-threaded) one.
/// </summary>
internal sealed class SqliteCatalogLock : ICatalogLock
{
    private readonly SqliteConnection _connection;
    private readonly Timer _timer;
    private readonly Lock _gate = new();
    private readonly TimeSpan _timeToLive;
    private readonly long _token;
    private bool _released;

    public LockOwner Owner { get; }

    public LockOwner? TookOverFrom { get; }

    public bool IsHeld { get; private set; } = true;

    /// <summary>The fence writes made under this lock can be checked against (<see cref="ITenantStores.BeginAsync"/>).</summary>
    public LeaseFence Fence => new(Owner.Name, _token);

    private SqliteCatalogLock(SqliteConnection connection, Lease lease, LockOwner? tookOverFrom, TimeSpan timeToLive, TimeSpan heartbeatEvery)
    {
        _connection = connection;
        _timeToLive = timeToLive;
        _token = lease.Token;
        Owner = ToOwner(lease);
        TookOverFrom = tookOverFrom;
        _timer = new Timer(_ => BackgroundHeartbeat(), null, heartbeatEvery, heartbeatEvery);
    }

    internal static LockOwner ToOwner(Lease lease) => lease.ToOwner();

    public static SqliteCatalogLock Acquire(string location, string name, string purpose, TimeSpan staleAfter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        if (staleAfter <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(staleAfter), "The stale timeout must be positive.");
        var connection = SqliteCatalog.OpenConnection(location);
        try
        {
            var attempt = SqliteLeases.TryAcquire(connection, name, LeaseHolder.ThisProcess(purpose), staleAfter, null, HolderIsDeadHere);
            if (attempt.Granted is not { } lease)
                throw new CatalogLockedException(location, ToOwner(attempt.HeldBy!));
            // Heartbeats well inside the stale window, so a live owner is never mistaken for a dead one.
            var every = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, staleAfter.Ticks / 4));
            return new SqliteCatalogLock(connection, lease, attempt.Replaced is { } r ? ToOwner(r) : null, staleAfter, every);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    internal static bool HolderIsDeadHere(Lease lease) => LeaseHolders.IsDeadOnThisHost(lease);

    internal static LockOwner? Read(SqliteConnection connection, SqliteTransaction? tx, string name) =>
        SqliteLeases.Get(connection, tx, name) is { } lease ? ToOwner(lease) : null;

    public void Heartbeat()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_released, this);
            if (SqliteLeases.Renew(_connection, Owner.Name, _token, _timeToLive) is null)
            {
                IsHeld = false;
                throw new CatalogException(
                    $"Lock '{Owner.Name}' was taken over by another process (this one's heartbeat had gone stale); stop writing and re-run.");
            }
        }
    }

    private void BackgroundHeartbeat()
    {
        try
        {
            if (!_released && IsHeld)
                Heartbeat();
        }
        catch (CatalogException)
        {
            // IsHeld is now false; the owner sees it on its next check.
        }
        catch (SqliteException)
        {
            // A busy database delays this beat; the next one retries well before the lock turns stale.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_released)
                return;
            _released = true;
        }
        _timer.Dispose();
        try
        {
            if (IsHeld)
                SqliteLeases.Release(_connection, Owner.Name, _token);
        }
        finally
        {
            _connection.Dispose();
        }
    }
}
