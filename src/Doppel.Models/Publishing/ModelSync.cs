using Doppel.Models.Catalog;
using Doppel.Models.Install;

namespace Doppel.Models.Publishing;

public enum ModelSyncOutcome
{
    /// <summary>The cache already held this version; every file verified.</summary>
    UpToDate,
    /// <summary>Downloaded (a new version, or a cache that lacked or damaged it), verified, put in place.</summary>
    Downloaded,
    /// <summary>The manifest names a model this Doppel's catalogue does not know: left alone.</summary>
    Unknown,
}

public sealed record ModelSyncResult(string Model, string Version, ModelSyncOutcome Outcome);

/// <summary>
/// Brings the model cache to the versions a models container publishes, at process start: every
/// file is checked against the manifest's sha256 (those already in the cache too), a missing or
/// different one is downloaded into a staging folder and verified before the model folder is
/// replaced in one rename. A blob that is missing or whose bytes differ from the manifest stops the
/// sync with a <see cref="ModelContainerException"/> naming it, and leaves the cache as it was, so a
/// process never runs a model the publisher did not publish.
/// </summary>
public sealed class ModelSync(IModelContainer container, string cacheRoot, Action<string>? log = null)
{
    private readonly Action<string> _log = log ?? (_ => { });

    public async Task<IReadOnlyList<ModelSyncResult>> SyncAsync(CancellationToken cancellation = default)
    {
        var current = await container.ReadManifestAsync(cancellation)
            ?? throw new ModelContainerException($"The models container {container.Address} holds no {ModelContainerManifest.BlobName}: publish models into it first (doppel models publish --to ...).");
        var results = new List<ModelSyncResult>();
        foreach (var model in current.Manifest.Models)
        {
            if (!ModelCatalog.TryGet(model.Name, out var spec))
            {
                _log($"{model.Name} {model.Version}: not in this Doppel's catalogue; skipped");
                results.Add(new ModelSyncResult(model.Name, model.Version, ModelSyncOutcome.Unknown));
                continue;
            }
            var incomplete = spec.Files.Where(f => model.Files.All(p => p.Name != f.FileName)).Select(f => f.FileName).ToList();
            if (incomplete.Count > 0)
                throw new ModelContainerException($"{container.Address}/{ModelContainerManifest.BlobName}: {model.Name} {model.Version} lacks {string.Join(", ", incomplete)}; republish it with doppel models publish.");
            var outcome = Verified(model) ? ModelSyncOutcome.UpToDate : await DownloadAsync(spec, model, cancellation);
            _log($"{model.Name} {model.Version}: {(outcome == ModelSyncOutcome.UpToDate ? "up to date" : "downloaded and verified")}");
            results.Add(new ModelSyncResult(model.Name, model.Version, outcome));
        }
        return results;
    }

    /// <summary>True when the cache folder holds every published file with its sha256; the folder's manifest is
    /// (re)written to name the version, so a folder installed from the catalogue with the same bytes is adopted.</summary>
    private bool Verified(PublishedModel model)
    {
        var directory = Path.Combine(cacheRoot, model.Name);
        foreach (var file in model.Files)
        {
            var path = Path.Combine(directory, file.Name);
            if (!File.Exists(path) || Checksum.Sha256Of(path) != Checksum.Sha256(file.Sha256))
                return false;
        }
        if (InstallManifest.TryRead(directory)?.PublishedVersion != model.Version)
            ManifestFor(model).Write(directory);
        return true;
    }

    private async Task<ModelSyncOutcome> DownloadAsync(ModelSpec spec, PublishedModel model, CancellationToken cancellation)
    {
        var stagingRoot = Path.Combine(cacheRoot, ".staging");
        var staging = Path.Combine(stagingRoot, $"{spec.Name}-{Guid.NewGuid():N}");
        var output = Path.Combine(staging, spec.Name);
        Directory.CreateDirectory(output);
        try
        {
            foreach (var file in model.Files)
            {
                if (file.Name.Contains('/') || file.Name.Contains('\\') || file.Name is "." or ".." || file.Name == InstallManifest.FileName)
                    throw new ModelContainerException($"{container.Address}/{ModelContainerManifest.BlobName}: {model.Name} names the file '{file.Name}', which cannot be a model file.");
                var path = Path.Combine(output, file.Name);
                _log($"  downloading {file.Blob} ({file.Bytes / 1e6:0.0} MB)");
                await container.DownloadAsync(file.Blob, path, cancellation);
                var actual = Checksum.Sha256Of(path);
                if (actual != Checksum.Sha256(file.Sha256))
                    throw new ModelContainerException(
                        $"{container.Address}/{file.Blob} has {actual}, but {ModelContainerManifest.BlobName} publishes {model.Name} {model.Version} with sha256:{file.Sha256}; refusing it (the model cache is unchanged).");
            }
            ManifestFor(model).Write(output);
            ModelFolders.Replace(output, Path.Combine(cacheRoot, spec.Name), staging, _log);
            return ModelSyncOutcome.Downloaded;
        }
        finally
        {
            NpmPackageFetcher.TryDelete(staging);
        }
    }

    private InstallManifest ManifestFor(PublishedModel model) =>
        new(model.Name,
            InstallManifest.PublishedConverter,
            [.. model.Files.Select(f => new InstallManifest.SourceRecord(null, f.Blob, $"sha256:{f.Sha256}", container.Address, null))],
            [.. model.Files.Select(f => new InstallManifest.FileRecord(f.Name, $"sha256:{f.Sha256}", f.Bytes))],
            DateTimeOffset.UtcNow,
            typeof(ModelSync).Assembly.GetName().Version?.ToString() ?? "unknown",
            model.Version);
}
