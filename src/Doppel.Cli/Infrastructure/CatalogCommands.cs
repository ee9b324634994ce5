using Doppel.Storage.Sqlite;

namespace Doppel.Cli.Infrastructure;

/// <summary>What every command that works on an existing catalog shares: opening it (a missing file
/// is a user error, not a new empty database) and turning user-facing failures into exit code 1.</summary>
public static class CatalogCommands
{
    public static SqliteCatalog OpenExisting(string db) =>
        File.Exists(db) ? SqliteCatalog.Open(db) : throw new FileNotFoundException($"No catalog at {db}: run doppel dedup first (or doppel detect --db {db} DIR).");

    public static int Guard(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (CliErrors.IsUserFacing(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
