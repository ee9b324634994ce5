using Doppel.Storage.Sqlite.Stores;

namespace Doppel.Storage.Postgres;

/// <summary>
/// The one place a catalog address becomes an engine: <c>--db FILE</c> (SQLite, the embedded default)
/// or <c>--db postgres://USER@HOST[:PORT]/DATABASE</c> (PostgreSQL), else <c>DOPPEL_DB</c>, else
/// <c>doppel.db</c> in the working folder. The CLI, the service and the workers all open their
/// catalog here, so one setting moves all of them.
/// </summary>
public static class DoppelDatabases
{
    public const string Variable = "DOPPEL_DB";
    public const string DefaultFile = "doppel.db";

    /// <summary>The address to open: the option's value, else <c>DOPPEL_DB</c>, else <see cref="DefaultFile"/>.</summary>
    public static string Resolve(string? option) =>
        option is { Length: > 0 } ? option
        : Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } env ? env
        : DefaultFile;

    public static bool IsPostgres(string address) => PostgresDatabase.IsPostgresAddress(address);

    /// <summary>Opens (creating or upgrading) the catalog at <paramref name="address"/>; a <see cref="CatalogException"/>
    /// (or <see cref="ArgumentException"/> for a malformed address) says what is wrong.</summary>
    public static async Task<IDoppelDatabase> OpenAsync(string address, CancellationToken cancellationToken = default) =>
        IsPostgres(address)
            ? await PostgresDatabase.OpenAsync(address, cancellationToken)
            : SqliteDatabase.Open(address);
}
