using System.Runtime.CompilerServices;
using Doppel.Storage;
using Doppel.Storage.Media;

namespace Doppel.Jobs.Ingest;

/// <summary>
/// Media in local folders: source <see cref="MediaSources.File"/>, keys are full paths. Listing walks a
/// folder (or takes one file) with <see cref="ImageScanner"/>, so the extension rules and the order are
/// the ones every folder command has always used.
/// </summary>
public sealed class LocalFolderMediaStore : IMediaStore
{
    public static LocalFolderMediaStore Instance { get; } = new();

    public string Source => MediaSources.File;

    public async IAsyncEnumerable<MediaObject> ListAsync(string rootOrPrefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        foreach (var file in ImageScanner.Scan([rootOrPrefix]))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return ToObject(file);
        }
    }

    public static MediaObject ToObject(ScannedFile file) =>
        new(new MediaKey(MediaSources.File, file.FullPath), file.RelativePath, file.Root, file.Size, new DateTimeOffset(file.LastWriteUtc, TimeSpan.Zero));

    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(new FileStream(key, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));

    public Task<MediaObject?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(key);
        return Task.FromResult(info.Exists
            ? new MediaObject(new MediaKey(MediaSources.File, info.FullName), info.Name, info.DirectoryName ?? "/", info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero))
            : null);
    }
}
