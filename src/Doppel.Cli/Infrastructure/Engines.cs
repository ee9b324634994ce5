using Doppel.Application;
using Doppel.Azure;
using Doppel.Jobs.Ingest;
using Doppel.Storage.Media;
using Doppel.Storage.Postgres;

namespace Doppel.Cli.Infrastructure;

/// <summary>
/// The composition point of the executable: which catalog engines and media stores this build has.
/// <c>--db postgres://...</c> (or <c>DOPPEL_DB</c>) opens PostgreSQL; roots that are container
/// addresses (<c>az://</c>, https) are read from Azure Blob Storage, others from local folders.
/// </summary>
public static class Engines
{
    public static void Register()
    {
        foreach (var scheme in new[] { "postgres", "postgresql" })
            CatalogDatabases.Register(scheme, async (address, cancellation) => await PostgresDatabase.OpenAsync(address, cancellation));
    }

    /// <summary>
    /// The media store the roots are in, and the roots as that store names them: folders as given, or for a
    /// container the prefixes inside it. Every root must be in one store (one container, or local folders).
    /// </summary>
    public static (IMediaStore Store, IReadOnlyList<string> Roots) MediaFor(IReadOnlyList<string> roots)
    {
        var blobs = roots.Where(BlobAddress.IsBlobAddress).ToList();
        if (blobs.Count == 0)
            return (LocalFolderMediaStore.Instance, roots);
        if (blobs.Count != roots.Count)
            throw new ArgumentException("Give either local folders or blob container addresses, not both, in one run.");
        var addresses = blobs.Select(b => BlobAddress.Parse(b)).ToList();
        var container = addresses[0].Container.Uri;
        if (addresses.Any(a => a.Container.Uri != container))
            throw new ArgumentException("Every container address of one run must name the same container (give several prefixes of it).");
        var store = new AzureBlobMediaStore(addresses[0] with { Prefix = "" }, ImageScanner.ImageExtensions);
        return (store, [.. addresses.Select(a => a.Prefix)]);
    }
}
