using Npgsql;

namespace Doppel.Storage.Postgres;

/// <summary>
/// Leases in the <c>leases</c> table, by the database's clock (<c>clock_timestamp()</c>), so holders on
/// machines whose clocks disagree still agree on expiry. A row per name is kept after release, so its
/// token only grows: every grant gets token + 1, and a unit of work fenced with an older token is
/// refused (<see cref="RequireFenceAsync"/>). An acquisition locks the row (<c>FOR UPDATE</c>), so two
/// processes racing for a lease cannot both win.
/// </summary>
internal sealed class PgLeaseStore(PostgresDatabase db) : ILeaseStore
{
    private const string Columns = CatalogRows.LeaseColumns;

    internal static Lease Read(NpgsqlDataReader r) => PgRows.Instance.Lease(r);

    public async Task<LeaseAttempt> TryAcquireAsync(string name, LeaseHolder holder, TimeSpan timeToLive, long? replacingToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(holder);
        if (timeToLive <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeToLive), "A lease's time to live must be positive.");
        await using var session = await db.OpenSessionAsync(cancellationToken);
        return await db.Retrying(() => session.AtomicallyAsync(async () =>
        {
            // A released placeholder row with token 0 makes "first grant" and "later grant" the same locked update.
            await session.ExecuteAsync("""
                INSERT INTO leases (name, token, purpose, holder_host, holder_pid, holder_instance, acquired_at, renewed_at, expires_at, released)
                VALUES (@n, 0, '', '', 0, '', clock_timestamp(), clock_timestamp(), clock_timestamp(), true) ON CONFLICT (name) DO NOTHING
                """, cancellationToken, ("n", name));
            var rows = await session.QueryAsync($"SELECT {Columns}, expires_at <= clock_timestamp() FROM leases WHERE name = @n FOR UPDATE",
                r => (Lease: Read(r), Released: r.GetBoolean(9), Expired: r.GetBoolean(10)), cancellationToken, ("n", name));
            var row = rows.Single();
            Lease? replaced = null;
            if (!row.Released)
            {
                if (!row.Expired && row.Lease.Token != replacingToken)
                    return new LeaseAttempt(null, row.Lease, null);
                replaced = row.Lease;
            }
            var granted = (await session.QueryAsync($"""
                UPDATE leases SET token = token + 1, purpose = @p, holder_host = @h, holder_pid = @pid, holder_instance = @i,
                    acquired_at = clock_timestamp(), renewed_at = clock_timestamp(), expires_at = clock_timestamp() + @ttl, released = false
                WHERE name = @n RETURNING {Columns}
                """, Read, cancellationToken, ("n", name), ("p", holder.Purpose), ("h", holder.Host), ("pid", holder.Pid), ("i", holder.Instance), ("ttl", timeToLive))).Single();
            return new LeaseAttempt(granted, null, replaced);
        }, cancellationToken), cancellationToken);
    }

    public async Task<Lease?> RenewAsync(string name, long token, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        await using var session = await db.OpenSessionAsync(cancellationToken);
        return (await session.QueryAsync($"""
            UPDATE leases SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + @ttl
            WHERE name = @n AND token = @tok AND NOT released RETURNING {Columns}
            """, Read, cancellationToken, ("n", name), ("tok", token), ("ttl", timeToLive))).FirstOrDefault();
    }

    public async Task ReleaseAsync(string name, long token, CancellationToken cancellationToken = default)
    {
        await using var session = await db.OpenSessionAsync(cancellationToken);
        await session.ExecuteAsync("UPDATE leases SET released = true, expires_at = clock_timestamp() WHERE name = @n AND token = @tok AND NOT released",
            cancellationToken, ("n", name), ("tok", token));
    }

    public async Task<Lease?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var session = await db.OpenSessionAsync(cancellationToken);
        return (await session.QueryAsync($"SELECT {Columns} FROM leases WHERE name = @n AND NOT released", Read, cancellationToken, ("n", name))).FirstOrDefault();
    }
}

internal static class PgLeases
{
    /// <summary>Inside a unit of work's transaction: throws <see cref="LeaseLostException"/> unless the lease still has the
    /// fence's token. <c>FOR SHARE</c> keeps the row as it is (no takeover can update it) until the transaction ends.</summary>
    public static async Task RequireFenceAsync(PgSession session, LeaseFence fence, CancellationToken cancellationToken)
    {
        var rows = await session.QueryAsync("SELECT token, released, purpose, holder_pid, holder_host FROM leases WHERE name = @n FOR SHARE",
            r => (Token: r.GetInt64(0), Released: r.GetBoolean(1), Purpose: r.GetString(2), Pid: r.GetInt32(3), Host: r.GetString(4)),
            cancellationToken, ("n", fence.Name));
        if (rows.Count == 0)
            throw new LeaseLostException(fence.Name, fence.Token, "there is no such lease");
        var row = rows[0];
        if (row.Token != fence.Token)
            throw new LeaseLostException(fence.Name, fence.Token, $"it was taken over by '{row.Purpose}' (pid {row.Pid} on {row.Host}, token {row.Token})");
        if (row.Released)
            throw new LeaseLostException(fence.Name, fence.Token, "it was released");
    }
}
