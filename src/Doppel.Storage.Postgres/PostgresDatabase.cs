using Npgsql;

namespace Doppel.Storage.Postgres;

/// <summary>
/// The server engine of <see cref="IDoppelDatabase"/>: a PostgreSQL (15+) database through one pooled
/// <see cref="NpgsqlDataSource"/>, a connection per operation (or the unit of work's), so one instance
/// serves every thread of a process and any number of processes on any number of machines share the
/// database. Opening creates or upgrades the schema (<see cref="PostgresSchema"/>).
/// </summary>
public sealed class PostgresDatabase : IDoppelDatabase
{
    private readonly NpgsqlDataSource _source;
    private bool _disposed;

    public string Engine => "postgresql";

    public string Location { get; }

    public int SchemaVersion { get; private set; }

    public ITenantStore Tenants { get; }

    public ILeaseStore Leases { get; }

    public IApiTokenStore Tokens { get; }

    public IWebhookStore Webhooks { get; }

    public IAdminUserStore AdminUsers { get; }

    private PostgresDatabase(NpgsqlDataSource source, string location)
    {
        _source = source;
        Location = location;
        Tenants = new PgTenantStore(this);
        Leases = new PgLeaseStore(this);
        Tokens = new PgApiTokenStore(this);
        Webhooks = new PgWebhookStore(this);
        AdminUsers = new PgAdminUserStore(this);
    }

    /// <summary>True for the text forms <see cref="OpenAsync"/> takes: a <c>postgres://</c> or <c>postgresql://</c> URI.</summary>
    public static bool IsPostgresAddress(string text) =>
        text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Opens the database named by a URI (<c>postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]</c>; a
    /// missing password is taken from <c>PGPASSWORD</c> or <c>~/.pgpass</c> by Npgsql) or an Npgsql connection string,
    /// and brings its schema up to date. Throws <see cref="CatalogException"/> with a message to act on.
    /// </summary>
    public static async Task<PostgresDatabase> OpenAsync(string address, CancellationToken cancellationToken = default)
    {
        var builder = PostgresAddress.Parse(address);
        var location = PostgresAddress.Display(builder);
        var source = new NpgsqlDataSourceBuilder(ConnectionSettings(builder).ConnectionString).Build();
        var database = new PostgresDatabase(source, location);
        try
        {
            database.SchemaVersion = await PostgresSchema.MigrateAsync(source, location, cancellationToken);
            return database;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await source.DisposeAsync();
            throw new CatalogException($"Cannot open the catalog {location}: {FirstLine(e.Message)}", e);
        }
        catch
        {
            await source.DisposeAsync();
            throw;
        }
    }

    /// <summary>Statements a pooled connection keeps prepared (Npgsql's <c>Max Auto Prepare</c>): more than the distinct
    /// statements of the service's requests and a set's processing, so the busy ones stay prepared.</summary>
    internal const int AutoPrepared = 64;

    /// <summary>
    /// The pool's settings for the catalog, over the address's (a setting the address names wins):
    /// <list type="bullet">
    /// <item><c>No Reset On Close</c>: the catalog leaves no session state on a connection between operations (no SET,
    /// LISTEN, cursor, temporary table or session advisory lock: the schema's lock is <c>pg_advisory_xact_lock</c>, gone at
    /// commit; an open transaction is still rolled back when the connection goes back to the pool). Without it Npgsql
    /// prepends a reset to the next command of every pooled connection: DISCARD ALL, or, once statements are prepared, seven
    /// statements (RESET ALL, UNLISTEN *, pg_advisory_unlock_all() ...), which PostgreSQL ran for nothing on each request.</item>
    /// <item><c>Max Auto Prepare</c> (<see cref="AutoPrepared"/>): a statement a connection has run 5 times (Npgsql's
    /// <c>Auto Prepare Min Usages</c>) is prepared on it, so PostgreSQL stops parsing and planning the same text on every
    /// call. Behind a PgBouncer in transaction mode older than 1.21, name <c>Max Auto Prepare=0</c> in the address.</item>
    /// </list>
    /// The statements counted per request with and without: docs/benchmarks.md ("statements per request on PostgreSQL").
    /// </summary>
    internal static NpgsqlConnectionStringBuilder ConnectionSettings(NpgsqlConnectionStringBuilder address)
    {
        var named = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = address.ConnectionString };
        var settings = new NpgsqlConnectionStringBuilder(address.ConnectionString);
        if (!named.ContainsKey("No Reset On Close"))
            settings.NoResetOnClose = true;
        if (!named.ContainsKey("Max Auto Prepare"))
            settings.MaxAutoPrepare = AutoPrepared;
        return settings;
    }

    internal async Task<PgSession> OpenSessionAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return new PgSession(await _source.OpenConnectionAsync(cancellationToken));
        }
        catch (NpgsqlException e)
        {
            throw new CatalogException($"Cannot reach the catalog {Location}: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>Runs a standalone transaction again when PostgreSQL aborted it to break a deadlock or a
    /// serialisation conflict: nothing of it was kept, so running it again is safe.</summary>
    internal async Task<T> Retrying<T>(Func<Task<T>> transaction, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await transaction();
            }
            catch (PostgresException e) when (attempt < 5 && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt), cancellationToken);
            }
        }
    }

    public ITenantStores For(TenantId tenant) => new PgTenantStores(this, tenant);

    public ISetStore SetsFor(TenantId tenant) => new PgSetStore(this, tenant);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await _source.DisposeAsync();
    }

    internal static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}

/// <summary>The two text forms of a PostgreSQL address, and how one is shown without its password.</summary>
internal static class PostgresAddress
{
    public static NpgsqlConnectionStringBuilder Parse(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        if (!PostgresDatabase.IsPostgresAddress(address))
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(address);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"'{address}' is neither a postgres:// URI nor a PostgreSQL connection string: {e.Message}", e);
            }
        }
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            throw new ArgumentException($"'{Redact(address)}' is not a valid postgres://USER@HOST[:PORT]/DATABASE address.");
        var database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length == 0 || database.Contains('/'))
            throw new ArgumentException($"'{Redact(address)}' names no database: postgres://USER@HOST[:PORT]/DATABASE.");
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = database,
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            try
            {
                builder[key switch { "sslmode" => "SSL Mode", "application_name" => "Application Name", "connect_timeout" => "Timeout", _ => key }] = value;
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"'{Redact(address)}': unknown or bad setting '{key}': {e.Message}", e);
            }
        }
        return builder;
    }

    /// <summary>postgres://USER@HOST:PORT/DATABASE: what messages and logs show (never the password).</summary>
    public static string Display(NpgsqlConnectionStringBuilder builder) =>
        $"postgres://{(string.IsNullOrEmpty(builder.Username) ? "" : Uri.EscapeDataString(builder.Username) + "@")}{builder.Host}:{builder.Port}/{builder.Database}";

    private static string Redact(string address) =>
        System.Text.RegularExpressions.Regex.Replace(address, "://([^:@/]*):[^@/]*@", "://$1:***@");
}
