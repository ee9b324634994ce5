using Doppel.Models.Catalog;
using Doppel.Models.Install;

namespace Doppel.Models.Publishing;

/// <summary>
/// <c>doppel models publish</c>: puts a model's files into a models container and makes them the
/// version every process syncing from it runs. By default the installed, checksum-verified files of
/// the model cache; with a folder, an administrator's replacement files (a new version, pinned by
/// the sha256 the publisher computes here). File blobs go first, the manifest last, with optimistic
/// concurrency, so two publishers never lose each other's entries and a reader never sees a manifest
/// naming a blob that is not there yet.
/// </summary>
public sealed class ModelPublisher(IModelContainer container, string cacheRoot, Action<string>? log = null)
{
    private const int ManifestAttempts = 5;
    private readonly Action<string> _log = log ?? (_ => { });

    /// <summary>Who publishes (an admin page user, or the CLI's OS user), written into the manifest entry.</summary>
    public string? PublishedBy { get; init; }

    public async Task<PublishedModel> PublishAsync(ModelSpec spec, string? fromDirectory = null, CancellationToken cancellation = default)
    {
        var files = fromDirectory is null ? InstalledFiles(spec) : ReplacementFiles(spec, fromDirectory);
        var version = PublishedModel.VersionOf(files.Select(f => (f.Name, f.Sha256)));
        var published = new List<PublishedFile>();
        foreach (var file in files)
        {
            var blob = PublishedModel.BlobNameOf(spec.Name, version, file.Name);
            // Blob names contain the version, a hash of the contents: a blob that exists holds these bytes.
            if (await container.ExistsAsync(blob, cancellation))
                _log($"  {blob} already in the container");
            else
            {
                _log($"  uploading {blob} ({file.Bytes / 1e6:0.0} MB)");
                await container.UploadAsync(blob, file.Path, cancellation);
            }
            published.Add(new PublishedFile(file.Name, file.Sha256, file.Bytes, blob));
        }
        var entry = new PublishedModel(spec.Name, version, DateTimeOffset.UtcNow, fromDirectory is null ? "model cache" : "folder", published, PublishedBy);
        for (var attempt = 1; ; attempt++)
        {
            var current = await container.ReadManifestAsync(cancellation);
            var manifest = (current?.Manifest ?? ModelContainerManifest.Empty).With(entry);
            try
            {
                await container.WriteManifestAsync(manifest, current?.Tag, cancellation);
                return entry;
            }
            catch (ManifestChangedException) when (attempt < ManifestAttempts)
            {
                _log("  the manifest changed meanwhile (another publisher); merging again");
            }
        }
    }

    private sealed record LocalFile(string Name, string Path, string Sha256, long Bytes);

    /// <summary>The installed files, each verified against its pin (catalogue, or the published version the cache holds).</summary>
    private List<LocalFile> InstalledFiles(ModelSpec spec)
    {
        var directory = Path.Combine(cacheRoot, spec.Name);
        var files = new List<LocalFile>();
        foreach (var file in ModelPins.FilesOf(spec, cacheRoot))
        {
            var path = Path.Combine(directory, file.FileName);
            if (!File.Exists(path))
                throw new ModelContainerException($"Model '{spec.Name}' is not installed ({path} is missing). Run: doppel models install {spec.Name}");
            var actual = Checksum.Sha256Of(path);
            if (file.Checksum.Algorithm != "sha256" || actual != file.Checksum)
                throw new ModelContainerException($"Model '{spec.Name}' is damaged: {path} has {actual}, its pin is {file.Checksum}. Run: doppel models install --force {spec.Name}");
            files.Add(new LocalFile(file.FileName, path, actual.Hex, new FileInfo(path).Length));
        }
        return files;
    }

    /// <summary>A replacement version: the folder must hold every file the catalogue lists for the model, under the same names.</summary>
    private static List<LocalFile> ReplacementFiles(ModelSpec spec, string directory)
    {
        if (!Directory.Exists(directory))
            throw new ModelContainerException($"Folder not found: {directory}");
        var missing = spec.Files.Where(f => !File.Exists(Path.Combine(directory, f.FileName))).Select(f => f.FileName).ToList();
        if (missing.Count > 0)
            throw new ModelContainerException(
                $"{directory} lacks {string.Join(", ", missing)}: a published version of '{spec.Name}' must hold every file the catalogue lists ({string.Join(", ", spec.Files.Select(f => f.FileName))}).");
        return [.. spec.Files.Select(f =>
        {
            var path = Path.Combine(directory, f.FileName);
            return new LocalFile(f.FileName, path, Checksum.Sha256Of(path).Hex, new FileInfo(path).Length);
        })];
    }
}
