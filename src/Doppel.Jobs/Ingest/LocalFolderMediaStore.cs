using System.Runtime.CompilerServices;
using Doppel.Storage;
using Doppel.Storage.Media;
using Doppel.Vision.Decoding;

namespace Doppel.Jobs.Ingest;

/// <summary>What a listing of several roots found: the objects to read, in key order, and every entry it passed
/// over with its status (special files, loops, links out of the roots, unreadable files and folders...).</summary>
public sealed record MediaListing(IReadOnlyList<MediaObject> Objects, IReadOnlyList<ScanEntry> PassedOver);

/// <summary>A media store whose listing can say what it passed over and why, and lists several roots at once
/// (each file once however many roots or links lead to it), so no entry is dropped without a status.</summary>
public interface IScanningMediaStore : IMediaStore
{
    MediaListing ListAll(IReadOnlyList<string> roots);
}

/// <summary>
/// Media in local folders: source <see cref="MediaSources.File"/>, keys are full paths. Listing walks a
/// folder (or takes one file) with <see cref="ImageScanner"/>, so the extension rules and the order are
/// the ones every folder command has always used, and hostile folders (FIFOs, loops, links out of the roots,
/// unreadable entries) are passed over with a status (<see cref="ListAll"/>).
/// </summary>
public sealed class LocalFolderMediaStore : IScanningMediaStore
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

    public MediaListing ListAll(IReadOnlyList<string> roots)
    {
        var scan = ImageScanner.ScanAll(roots);
        return new MediaListing(scan.Files.Select(ToObject).ToList(), scan.Skipped);
    }

    public static MediaObject ToObject(ScannedFile file) =>
        new(new MediaKey(MediaSources.File, file.FullPath), file.RelativePath, file.Root, file.Size, new DateTimeOffset(file.LastWriteUtc, TimeSpan.Zero));

    /// <summary>Opens a regular file only: a FIFO put where a listed photo was blocks <c>open()</c> until someone
    /// writes to it, and a device never ends, so anything else is an <see cref="IOException"/> (status unreadable).</summary>
    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var probe = FileSystemProbe.Stat(key);
        if (probe.Kind == FileKind.Missing)
            throw new FileNotFoundException($"no such file ({key})", key);
        if (probe.Kind != FileKind.Regular)
            throw new IOException($"not a regular file ({probe.Kind}): not read");
        return Task.FromResult<Stream>(new FileStream(key, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));
    }

    public Task<MediaObject?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(key);
        return Task.FromResult(info.Exists
            ? new MediaObject(new MediaKey(MediaSources.File, info.FullName), info.Name, info.DirectoryName ?? "/", info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero))
            : null);
    }
}
