namespace Doppel.Storage.Media;

/// <summary>A file as a media store lists it. <see cref="RelativePath"/> is the key relative to the listed
/// root/prefix (what reports show); <see cref="Root"/> the root or prefix it was listed under.</summary>
public sealed record MediaObject(MediaKey Key, string RelativePath, string Root, long SizeBytes, DateTimeOffset LastModified);

/// <summary>
/// Where image bytes live: a local folder (<c>LocalFolderMediaStore</c> in Doppel.Jobs) or a blob container.
/// Jobs list entries, then read each once as a stream; stores of records never touch files, they get
/// keys and content hashes.
/// </summary>
public interface IMediaStore
{
    /// <summary>The source name recorded with every media row from this store (<see cref="MediaSources.File"/>,
    /// or the container's URI).</summary>
    string Source { get; }

    /// <summary>Every image file under <paramref name="rootOrPrefix"/> (a folder or file for the local store,
    /// a blob name prefix for a container), ordered by key (ordinal). Throws <see cref="DirectoryNotFoundException"/>
    /// (or the store's equivalent, with a clear message) when the root does not exist.</summary>
    IAsyncEnumerable<MediaObject> ListAsync(string rootOrPrefix, CancellationToken cancellationToken = default);

    /// <summary>Opens the object for reading; <see cref="FileNotFoundException"/> when it is gone.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>The object's size and time, or null when it does not exist (how a move is told from a copy).</summary>
    Task<MediaObject?> StatAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>How many images an analysis should read ahead of its workers from this store (<c>MediaReadAhead</c>
    /// in Doppel.Jobs): 0 where a read costs no wait worth hiding (a local folder, the page cache), more where each read
    /// is a round trip (a blob container).</summary>
    int ReadAhead => 0;
}
