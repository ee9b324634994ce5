using Doppel.Storage;
using Doppel.Storage.Sqlite;

namespace Doppel.Cli.Tests;

/// <summary>Looks into a catalog that a running doppel process is writing.</summary>
internal static class CatalogProbe
{
    /// <summary>Media stored as done so far; 0 while the file does not exist or is still being created.</summary>
    public static long CountDone(string db)
    {
        if (!File.Exists(db))
            return 0;
        try
        {
            using var catalog = SqliteCatalog.Open(db);
            return catalog.CountMedia(MediaState.Done);
        }
        catch (CatalogException)
        {
            return 0; // still being created
        }
    }
}
