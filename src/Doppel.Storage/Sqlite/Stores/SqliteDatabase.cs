using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite.Stores;

/// <summary>
/// The embedded engine of <see cref="IDoppelDatabase"/>: one SQLite file in WAL mode (readers never block
/// the writer, a killed process never corrupts it), a pooled connection per operation, so one instance
/// serves every thread of a process; several processes may share the file (writes wait up to
/// <see cref="SqliteCatalogFile.BusyTimeout"/> for each other). Opening applies pending migrations.
/// </summary>
public sealed class SqliteDatabase : IDoppelDatabase
{
    private readonly string _connectionString;

    /// <summary>Native connections whose pragmas are set (weak: a handle the pool closes drops out).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = new();
    private bool _disposed;

    public string Engine => "sqlite";

    public string Location { get; }

    public int SchemaVersion { get; }

    public ITenantStore Tenants { get; }

    public ILeaseStore Leases { get; }

    public IApiTokenStore Tokens { get; }

    public IWebhookStore Webhooks { get; }

    public IAdminUserStore AdminUsers { get; }

    private SqliteDatabase(string fullPath, int schemaVersion)
    {
        Location = fullPath;
        SchemaVersion = schemaVersion;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWrite,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = (int)SqliteCatalogFile.BusyTimeout.TotalSeconds,
        }.ToString();
        Tenants = new SqliteTenantStore(this);
        Leases = new SqliteLeaseStore(this);
        Tokens = new SqliteApiTokenStore(this);
        Webhooks = new SqliteWebhookStore(this);
        AdminUsers = new SqliteAdminUserStore(this);
    }

    /// <summary>Opens (creating when absent) the catalog file and brings its schema up to date; throws
    /// <see cref="CatalogException"/> (or <see cref="CatalogVersionException"/>) with a message to act on.</summary>
    public static SqliteDatabase Open(string path)
    {
        var (fullPath, schemaVersion) = SqliteCatalogFile.OpenAndMigrate(path);
        return new SqliteDatabase(fullPath, schemaVersion);
    }

    internal SqliteSession OpenSession()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            // Both settings belong to the native connection, which the pool hands out again: set them on its first
            // use only. Every store call opens a session, so this spared a statement per call (five per findings page).
            if (Configured.TryAdd(connection.Handle!, true))
            {
                using var pragma = connection.CreateCommand();
                pragma.CommandText = $"PRAGMA busy_timeout = {(int)SqliteCatalogFile.BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL;";
                pragma.ExecuteNonQuery();
            }
            return new SqliteSession(connection);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new CatalogException($"Cannot open the catalog {Location}: {e.Message}", e);
        }
    }

    public ITenantStores For(TenantId tenant) => new SqliteTenantStores(this, tenant);

    public ISetStore SetsFor(TenantId tenant) => new SqliteSetStore(this, tenant);

    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            // Pooled connections keep the file open; a disposed database lets it go.
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }
        return ValueTask.CompletedTask;
    }
}

internal sealed class SqliteTenantStore(SqliteDatabase db) : ITenantStore
{
    private static Tenant Read(SqliteDataReader r) => SqliteRows.Instance.Tenant(r);

    public Task<Tenant> CreateAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using var session = db.OpenSession();
        return Task.FromResult(session.Atomically(() =>
        {
            if (session.Long("SELECT COUNT(*) FROM tenants WHERE name = @n", ("@n", name)) > 0)
                throw new CatalogException($"A tenant named '{name}' already exists in {db.Location}.");
            return session.Query("INSERT INTO tenants (name, created_at) VALUES (@n, @t) RETURNING " + CatalogRows.TenantColumns, Read,
                ("@n", name), ("@t", SqliteTime.Now())).Single();
        }));
    }

    public Task<Tenant?> GetAsync(TenantId id, CancellationToken cancellationToken = default)
    {
        using var session = db.OpenSession();
        return Task.FromResult(session.Query($"SELECT {CatalogRows.TenantColumns} FROM tenants WHERE id = @id", Read, ("@id", id.Value)).FirstOrDefault());
    }

    public Task<Tenant?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        using var session = db.OpenSession();
        return Task.FromResult(session.Query($"SELECT {CatalogRows.TenantColumns} FROM tenants WHERE name = @n", Read, ("@n", name)).FirstOrDefault());
    }

    public Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken = default)
    {
        using var session = db.OpenSession();
        return Task.FromResult<IReadOnlyList<Tenant>>(session.Query($"SELECT {CatalogRows.TenantColumns} FROM tenants ORDER BY id", Read));
    }
}

internal sealed class SqliteLeaseStore(SqliteDatabase db) : ILeaseStore
{
    public Task<LeaseAttempt> TryAcquireAsync(string name, LeaseHolder holder, TimeSpan timeToLive, long? replacingToken = null, CancellationToken cancellationToken = default)
    {
        using var session = db.OpenSession();
        return Task.FromResult(SqliteLeases.TryAcquire(session.Connection, name, holder, timeToLive, replacingToken));
    }

    public Task<Lease?> RenewAsync(string name, long token, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        using var session = db.OpenSession();
        return Task.FromResult(SqliteLeases.Renew(session.Connection, name, token, timeToLive));
    }

    public Task ReleaseAsync(string name, long token, CancellationToken cancellationToken = default)
    {
        using var session = db.OpenSession();
        SqliteLeases.Release(session.Connection, name, token);
        return Task.CompletedTask;
    }

    public Task<Lease?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        using var session = db.OpenSession();
        return Task.FromResult(SqliteLeases.Get(session.Connection, null, name));
    }
}

/// <summary>The stores of one tenant over a scope (standalone or a unit of work's session).</summary>
internal abstract class SqliteStoreSet : IStoreSet
{
    protected SqliteStoreSet(SqliteScope scope)
    {
        Tenant = scope.Tenant;
        Media = new SqliteMediaRecordStore(scope);
        Faces = new SqliteFaceStore(scope);
        Persons = new SqlitePersonStore(scope);
        Runs = new SqliteRunStore(scope);
        Dedup = new SqliteDedupStore(scope);
        IgnoredPairs = new SqliteIgnoredPairStore(scope);
    }

    public TenantId Tenant { get; }
    public IMediaRecordStore Media { get; }
    public IFaceStore Faces { get; }
    public IPersonStore Persons { get; }
    public IRunStore Runs { get; }
    public IDedupStore Dedup { get; }
    public IIgnoredPairStore IgnoredPairs { get; }
}

internal sealed class SqliteTenantStores(SqliteDatabase db, TenantId tenant) : SqliteStoreSet(new SqliteScope(db, tenant, null)), ITenantStores
{
    public Task<IUnitOfWork> BeginAsync(LeaseFence? fence = null, CancellationToken cancellationToken = default)
    {
        var session = db.OpenSession();
        try
        {
            // IMMEDIATE: the write lock is taken now, so a fence checked here holds until the commit.
            session.Transaction = session.Connection.BeginTransaction(deferred: false);
            if (fence is { } f)
                SqliteLeases.RequireFence(session.Connection, session.Transaction, f);
            return Task.FromResult<IUnitOfWork>(new SqliteUnitOfWork(db, Tenant, session));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}

internal sealed class SqliteUnitOfWork(SqliteDatabase db, TenantId tenant, SqliteSession session)
    : SqliteStoreSet(new SqliteScope(db, tenant, session)), IUnitOfWork
{
    private bool _done;

    public Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_done)
            throw new InvalidOperationException("This unit of work has already ended.");
        session.Transaction!.Commit();
        _done = true;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        if (!_done)
        {
            _done = true;
            session.Transaction?.Rollback();
        }
        session.Dispose();
        return ValueTask.CompletedTask;
    }
}
