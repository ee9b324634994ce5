namespace Doppel.Storage;

/// <summary>
/// One catalog database (SQLite file or PostgreSQL database), the root of every store. Thread-safe:
/// each operation takes its own connection (or the unit of work's), so one instance serves a whole
/// process (CLI, service, worker). Engine-agnostic: the contract suite
/// (<c>tests/Doppel.Storage.Contract</c>) runs the same tests against every implementation.
/// </summary>
public interface IDoppelDatabase : IAsyncDisposable
{
    /// <summary><c>sqlite</c> or <c>postgresql</c>.</summary>
    string Engine { get; }

    /// <summary>Where the database lives, safe to print (a file path; a connection string without its password).</summary>
    string Location { get; }

    /// <summary>The schema version the database is at (the code's latest once opened).</summary>
    int SchemaVersion { get; }

    ITenantStore Tenants { get; }

    /// <summary>Named leases (locks with heartbeats and fencing tokens), shared by every tenant;
    /// tenant-specific work puts the tenant in the name.</summary>
    ILeaseStore Leases { get; }

    /// <summary>The stores of one tenant. Cheap; every read and write through it is confined to the tenant.</summary>
    ITenantStores For(TenantId tenant);
}

/// <summary>
/// The record stores of one tenant. Used directly, every write method is atomic on its own (its own
/// transaction); <see cref="BeginAsync"/> groups several writes into one all-or-nothing unit.
/// </summary>
public interface ITenantStores : IStoreSet
{
    /// <summary>Opens a unit of work (one transaction on one connection). With a <paramref name="fence"/>
    /// the lease is checked inside the transaction first (and held against takeover until it ends):
    /// <see cref="LeaseLostException"/> when it was lost.</summary>
    Task<IUnitOfWork> BeginAsync(LeaseFence? fence = null, CancellationToken cancellationToken = default);
}

/// <summary>The stores of a tenant, as one set: what both <see cref="ITenantStores"/> and <see cref="IUnitOfWork"/> offer.</summary>
public interface IStoreSet
{
    TenantId Tenant { get; }

    IMediaRecordStore Media { get; }

    IFaceStore Faces { get; }

    IPersonStore Persons { get; }

    IRunStore Runs { get; }

    IDedupStore Dedup { get; }

    IIgnoredPairStore IgnoredPairs { get; }
}

/// <summary>
/// Writes made through a unit of work's stores share its transaction; <see cref="CommitAsync"/> makes
/// them durable together, disposing without committing undoes them all. Not thread-safe (one
/// connection): one unit of work per task. Units of work do not nest.
/// </summary>
public interface IUnitOfWork : IStoreSet, IAsyncDisposable
{
    Task CommitAsync(CancellationToken cancellationToken = default);
}

public interface ITenantStore
{
    /// <summary>Creates a tenant; throws <see cref="CatalogException"/> when the name is taken.</summary>
    Task<Tenant> CreateAsync(string name, CancellationToken cancellationToken = default);

    Task<Tenant?> GetAsync(TenantId id, CancellationToken cancellationToken = default);

    Task<Tenant?> FindAsync(string name, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken = default);
}
