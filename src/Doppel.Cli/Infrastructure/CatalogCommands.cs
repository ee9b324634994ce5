using Doppel.Storage.Sqlite;

namespace Doppel.Cli.Infrastructure;

/// <summary>What every command that works on an existing catalog shares: opening it (a missing file
/// is a user error, not a new empty database). Failures are reported by <see cref="CliRunner"/>.</summary>
public static class CatalogCommands
{
    public static SqliteCatalog OpenExisting(string db) =>
        File.Exists(db) ? SqliteCatalog.Open(db) : throw new FileNotFoundException($"No catalog at {db}: run doppel dedup first (or doppel detect --db {db} DIR).");
}
