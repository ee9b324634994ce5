using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite;

/// <summary>
/// A named lock kept as a row in the <c>locks</c> table: owner pid, host, a per-acquisition token and a
/// heartbeat. Taking it is one IMMEDIATE transaction (check the row, replace it if stale, insert), so
/// two processes racing for it cannot both win. It uses its own connection so the background
/// heartbeat never touches the catalog's (single-threaded) one.
/// </summary>
internal sealed class SqliteCatalogLock : ICatalogLock
{
    private readonly SqliteConnection _connection;
    private readonly Timer _timer;
    private readonly Lock _gate = new();
    private bool _released;

    public LockOwner Owner { get; }

    public LockOwner? TookOverFrom { get; }

    public bool IsHeld { get; private set; } = true;

    private SqliteCatalogLock(SqliteConnection connection, LockOwner owner, LockOwner? tookOverFrom, TimeSpan heartbeatEvery)
    {
        _connection = connection;
        Owner = owner;
        TookOverFrom = tookOverFrom;
        _timer = new Timer(_ => BackgroundHeartbeat(), null, heartbeatEvery, heartbeatEvery);
    }

    public static SqliteCatalogLock Acquire(string location, string name, string purpose, TimeSpan staleAfter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        if (staleAfter <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(staleAfter), "The stale timeout must be positive.");
        var connection = SqliteCatalog.OpenConnection(location);
        try
        {
            LockOwner? previous;
            var now = DateTimeOffset.UtcNow;
            var owner = new LockOwner(name, purpose, Environment.ProcessId, Environment.MachineName, Guid.NewGuid().ToString("N"), now, now);
            using (var tx = connection.BeginTransaction(deferred: false))
            {
                previous = Read(connection, tx, name);
                if (previous is not null)
                {
                    if (!IsStale(previous, staleAfter, now))
                        throw new CatalogLockedException(location, previous);
                    Execute(connection, tx, "DELETE FROM locks WHERE name = @n AND owner_token = @tok", ("@n", name), ("@tok", previous.Token));
                }
                Execute(connection, tx, """
                    INSERT INTO locks (name, purpose, owner_pid, owner_host, owner_token, acquired_at, heartbeat_at)
                    VALUES (@n, @p, @pid, @host, @tok, @t, @t)
                    """, ("@n", name), ("@p", purpose), ("@pid", owner.Pid), ("@host", owner.Host), ("@tok", owner.Token),
                    ("@t", SqliteCatalog.FormatTime(now)));
                tx.Commit();
            }
            // Heartbeats well inside the stale window, so a live owner is never mistaken for a dead one.
            var every = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, staleAfter.Ticks / 4));
            return new SqliteCatalogLock(connection, owner, previous, every);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Stale: the owner is a dead process on this host, or (any host) silent for longer than <paramref name="staleAfter"/>.</summary>
    internal static bool IsStale(LockOwner owner, TimeSpan staleAfter, DateTimeOffset now)
    {
        if (now - owner.HeartbeatAt > staleAfter)
            return true;
        return owner.Host == Environment.MachineName && !ProcessIsAlive(owner.Pid);
    }

    private static bool ProcessIsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    internal static LockOwner? Read(SqliteConnection connection, SqliteTransaction? tx, string name)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT name, purpose, owner_pid, owner_host, owner_token, acquired_at, heartbeat_at FROM locks WHERE name = @n";
        command.Parameters.AddWithValue("@n", name);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new LockOwner(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4),
                SqliteCatalog.ParseTime(reader.GetString(5)), SqliteCatalog.ParseTime(reader.GetString(6)))
            : null;
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (n, v) in parameters)
            command.Parameters.AddWithValue(n, v);
        return command.ExecuteNonQuery();
    }

    public void Heartbeat()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_released, this);
            var updated = Execute(_connection, null, "UPDATE locks SET heartbeat_at = @t WHERE name = @n AND owner_token = @tok",
                ("@t", SqliteCatalog.Now()), ("@n", Owner.Name), ("@tok", Owner.Token));
            if (updated == 0)
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
                Execute(_connection, null, "DELETE FROM locks WHERE name = @n AND owner_token = @tok", ("@n", Owner.Name), ("@tok", Owner.Token));
        }
        finally
        {
            _connection.Dispose();
        }
    }
}
