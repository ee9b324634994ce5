using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite;

/// <summary>
/// The lease rows of a SQLite catalog (table <c>leases</c>), shared by <see cref="Stores.SqliteLeaseStore"/>
/// and the unit of work's fence check (<see cref="RequireFence"/>). A row per name is kept after release, so its token only
/// grows: every grant (first, after a release, after an expiry, over a dead holder) gets token + 1, and
/// a write fenced with an older token is refused (<see cref="RequireFence"/>). Each change is one
/// IMMEDIATE transaction, so two processes racing for a lease cannot both win.
/// </summary>
internal static class SqliteLeases
{
    private const string Columns = CatalogRows.LeaseColumns;

    private static Lease Read(SqliteDataReader r) => Stores.SqliteRows.Instance.Lease(r);

    /// <summary>The row of <paramref name="name"/> and whether it was released; null when there is none.</summary>
    private static (Lease Lease, bool Released)? ReadRow(SqliteConnection connection, SqliteTransaction? tx, string name)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"SELECT {Columns} FROM leases WHERE name = @n";
        command.Parameters.AddWithValue("@n", name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (Read(reader), reader.GetInt64(9) != 0) : null;
    }

    public static Lease? Get(SqliteConnection connection, SqliteTransaction? tx, string name) =>
        ReadRow(connection, tx, name) is { Released: false } row ? row.Lease : null;

    public static LeaseAttempt TryAcquire(SqliteConnection connection, string name, LeaseHolder holder, TimeSpan timeToLive, long? replacingToken,
        Func<Lease, bool>? holderIsGone = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(holder);
        if (timeToLive <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeToLive), "A lease's time to live must be positive.");
        using var tx = connection.BeginTransaction(deferred: false);
        var row = ReadRow(connection, tx, name);
        var now = DateTimeOffset.UtcNow;
        Lease? replaced = null;
        if (row is { Released: false, Lease: var current })
        {
            bool free = current.ExpiresAt <= now || current.Token == replacingToken || holderIsGone?.Invoke(current) == true;
            if (!free)
                return new LeaseAttempt(null, current, null);
            replaced = current;
        }
        long token = (row?.Lease.Token ?? 0) + 1;
        var granted = new Lease(name, holder, token, now, now, now + timeToLive);
        using (var upsert = connection.CreateCommand())
        {
            upsert.Transaction = tx;
            upsert.CommandText = """
                INSERT INTO leases (name, token, purpose, holder_host, holder_pid, holder_instance, acquired_at, renewed_at, expires_at, released)
                VALUES (@n, @tok, @p, @h, @pid, @i, @t, @t, @e, 0)
                ON CONFLICT (name) DO UPDATE SET token = excluded.token, purpose = excluded.purpose, holder_host = excluded.holder_host,
                    holder_pid = excluded.holder_pid, holder_instance = excluded.holder_instance, acquired_at = excluded.acquired_at,
                    renewed_at = excluded.renewed_at, expires_at = excluded.expires_at, released = 0
                """;
            upsert.Parameters.AddWithValue("@n", name);
            upsert.Parameters.AddWithValue("@tok", token);
            upsert.Parameters.AddWithValue("@p", holder.Purpose);
            upsert.Parameters.AddWithValue("@h", holder.Host);
            upsert.Parameters.AddWithValue("@pid", holder.Pid);
            upsert.Parameters.AddWithValue("@i", holder.Instance);
            upsert.Parameters.AddWithValue("@t", SqliteTime.Write(now));
            upsert.Parameters.AddWithValue("@e", SqliteTime.Write(granted.ExpiresAt));
            upsert.ExecuteNonQuery();
        }
        tx.Commit();
        return new LeaseAttempt(granted, null, replaced);
    }

    public static Lease? Renew(SqliteConnection connection, string name, long token, TimeSpan timeToLive)
    {
        var now = DateTimeOffset.UtcNow;
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            UPDATE leases SET renewed_at = @t, expires_at = @e WHERE name = @n AND token = @tok AND released = 0 RETURNING {Columns}
            """;
        command.Parameters.AddWithValue("@t", SqliteTime.Write(now));
        command.Parameters.AddWithValue("@e", SqliteTime.Write(now + timeToLive));
        command.Parameters.AddWithValue("@n", name);
        command.Parameters.AddWithValue("@tok", token);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public static void Release(SqliteConnection connection, string name, long token)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE leases SET released = 1, expires_at = @t WHERE name = @n AND token = @tok AND released = 0";
        command.Parameters.AddWithValue("@t", SqliteTime.Now());
        command.Parameters.AddWithValue("@n", name);
        command.Parameters.AddWithValue("@tok", token);
        command.ExecuteNonQuery();
    }

    /// <summary>Inside a write transaction: throws <see cref="LeaseLostException"/> unless the lease still has the fence's token.
    /// The transaction holds SQLite's write lock, so no takeover can land before it ends.</summary>
    public static void RequireFence(SqliteConnection connection, SqliteTransaction tx, LeaseFence fence)
    {
        var row = ReadRow(connection, tx, fence.Name);
        if (row is null)
            throw new LeaseLostException(fence.Name, fence.Token, "there is no such lease");
        if (row.Value.Lease.Token != fence.Token)
            throw new LeaseLostException(fence.Name, fence.Token,
                $"it was taken over by '{row.Value.Lease.Holder.Purpose}' (pid {row.Value.Lease.Holder.Pid} on {row.Value.Lease.Holder.Host}, token {row.Value.Lease.Token})");
        if (row.Value.Released)
            throw new LeaseLostException(fence.Name, fence.Token, "it was released");
    }
}
