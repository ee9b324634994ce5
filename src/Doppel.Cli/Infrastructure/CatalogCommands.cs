using Doppel.Storage.Sqlite;

namespace Doppel.Cli.Infrastructure;

/// <summary>What every command that works on an existing catalog shares: opening it (a missing file
/// is a user error, not a new empty database). Failures are reported by <see cref="CliRunner"/>.</summary>
public static class CatalogCommands
{
    public static SqliteCatalog OpenExisting(string db) =>
        File.Exists(db) ? SqliteCatalog.Open(db) : throw Missing(db);

    /// <summary>The catalog behind <paramref name="setting"/> (a SQLite file that must exist, or a database URI).</summary>
    public static async Task<Doppel.Storage.IDoppelDatabase> OpenExistingAsync(string setting) =>
        Doppel.Application.CatalogDatabases.IsUri(setting, out _) || File.Exists(setting)
            ? await Doppel.Application.CatalogDatabases.OpenAsync(setting)
            : throw Missing(setting);

    private static FileNotFoundException Missing(string db) => new($"No catalog at {db}: run doppel dedup first (or doppel detect --db {db} DIR).");
}
