using Doppel.Storage;
using Doppel.Storage.Media;

namespace Doppel.Application.Ingest;

/// <summary>
/// Local paths for media the pipeline reads by path: a file of the local store is its own key; an object of
/// any other store (a blob container) is copied once into a private temporary folder, removed on dispose.
/// </summary>
public sealed class LocalCopies : IDisposable
{
    private readonly string? _folder;
    private readonly Dictionary<long, string> _pathOf;

    private LocalCopies(string? folder, Dictionary<long, string> pathOf)
    {
        _folder = folder;
        _pathOf = pathOf;
    }

    public string PathOf(long mediaId) => _pathOf[mediaId];

    public static async Task<LocalCopies> CreateAsync(IMediaStore store, IReadOnlyList<MediaFile> media, CancellationToken cancellationToken = default)
    {
        var pathOf = new Dictionary<long, string>();
        string? folder = null;
        try
        {
            foreach (var m in media)
            {
                if (m.Source == MediaSources.File)
                {
                    pathOf[m.Id] = m.Path;
                    continue;
                }
                if (m.Source != store.Source)
                    throw new CatalogException($"Media {m.Id} is in {m.Source}, not in the media store given ({store.Source}).");
                folder ??= Directory.CreateTempSubdirectory("doppel-media-").FullName;
                var local = Path.Combine(folder, m.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) + Path.GetExtension(m.Path));
                await using (var source = await store.OpenReadAsync(m.Path, cancellationToken).ConfigureAwait(false))
                await using (var target = File.Create(local))
                    await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
                pathOf[m.Id] = local;
            }
            return new LocalCopies(folder, pathOf);
        }
        catch
        {
            if (folder is not null)
                Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        if (_folder is not null && Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }
}
