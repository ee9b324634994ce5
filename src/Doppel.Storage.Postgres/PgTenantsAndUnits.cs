using Npgsql;

namespace Doppel.Storage.Postgres;

internal sealed class PgTenantStore(PostgresDatabase db) : ITenantStore
{
    private static Tenant Read(NpgsqlDataReader r) => PgRows.Instance.Tenant(r);

    public async Task<Tenant> CreateAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await using var session = await db.OpenSessionAsync(cancellationToken);
        var created = await session.QueryAsync(
            "INSERT INTO tenants (name, created_at) VALUES (@n, clock_timestamp()) ON CONFLICT (name) DO NOTHING RETURNING " + CatalogRows.TenantColumns,
            Read, cancellationToken, ("n", name));
        return created.Count == 1 ? created[0] : throw new CatalogException($"A tenant named '{name}' already exists in {db.Location}.");
    }

    public async Task<Tenant?> GetAsync(TenantId id, CancellationToken cancellationToken = default)
    {
        await using var session = await db.OpenSessionAsync(cancellationToken);
        return (await session.QueryAsync($"SELECT {CatalogRows.TenantColumns} FROM tenants WHERE id = @id", Read, cancellationToken, ("id", id.Value))).FirstOrDefault();
    }

    public async Task<Tenant?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var session = await db.OpenSessionAsync(cancellationToken);
        return (await session.QueryAsync($"SELECT {CatalogRows.TenantColumns} FROM tenants WHERE name = @n", Read, cancellationToken, ("n", name))).FirstOrDefault();
    }

    public async Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var session = await db.OpenSessionAsync(cancellationToken);
        return await session.QueryAsync($"SELECT {CatalogRows.TenantColumns} FROM tenants ORDER BY id", Read, cancellationToken);
    }
}

/// <summary>The stores of one tenant over a scope (standalone or a unit of work's session).</summary>
internal abstract class PgStoreSet : IStoreSet
{
    protected PgStoreSet(PgScope scope)
    {
        Tenant = scope.Tenant;
        Media = new PgMediaRecordStore(scope);
        Faces = new PgFaceStore(scope);
        Persons = new PgPersonStore(scope);
        Runs = new PgRunStore(scope);
        Dedup = new PgDedupStore(scope);
        IgnoredPairs = new PgIgnoredPairStore(scope);
    }

    public TenantId Tenant { get; }
    public IMediaRecordStore Media { get; }
    public IFaceStore Faces { get; }
    public IPersonStore Persons { get; }
    public IRunStore Runs { get; }
    public IDedupStore Dedup { get; }
    public IIgnoredPairStore IgnoredPairs { get; }
}

internal sealed class PgTenantStores(PostgresDatabase db, TenantId tenant) : PgStoreSet(new PgScope(db, tenant, null)), ITenantStores
{
    public async Task<IUnitOfWork> BeginAsync(LeaseFence? fence = null, CancellationToken cancellationToken = default)
    {
        var session = await db.OpenSessionAsync(cancellationToken);
        try
        {
            session.Transaction = await session.Connection.BeginTransactionAsync(cancellationToken);
            // FOR SHARE on the lease row: a takeover (an UPDATE of that row) waits until this unit ends.
            if (fence is { } f)
                await PgLeases.RequireFenceAsync(session, f, cancellationToken);
            return new PgUnitOfWork(db, Tenant, session);
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }
}

internal sealed class PgUnitOfWork(PostgresDatabase db, TenantId tenant, PgSession session)
    : PgStoreSet(new PgScope(db, tenant, session)), IUnitOfWork
{
    private bool _done;

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_done)
            throw new InvalidOperationException("This unit of work has already ended.");
        await session.Transaction!.CommitAsync(cancellationToken);
        _done = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_done)
        {
            _done = true;
            // Disposing the transaction rolls it back; on a broken connection there is nothing left to undo.
            try
            {
                if (session.Transaction is { } tx)
                    await tx.RollbackAsync();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
            }
        }
        await session.DisposeAsync();
    }
}
