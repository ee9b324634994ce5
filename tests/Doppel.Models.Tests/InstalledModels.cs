using System.Collections.Concurrent;
using Doppel.Models.Catalog;
using Doppel.Models.Install;
using Doppel.Testing;

namespace Doppel.Models.Tests;

/// <summary>
/// Installs catalogue models into the real model cache (<see cref="ModelStore.CacheRoot"/>), the
/// way a user's <c>doppel models install</c> would, so big conversions run once per machine.
/// The shared mirror supplies the URL models.
/// </summary>
internal static class InstalledModels
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Installed = new();

    public static ModelInstallOptions RealCacheOptions() => new()
    {
        CacheRoot = ModelStore.CacheRoot,
        MirrorDirectory = SharedData.ModelMirror,
        AllowDownloads = false,
    };

    /// <summary>The folder of the installed, verified model.</summary>
    public static string Require(string name)
    {
        var options = RealCacheOptions();
        return Installed.GetOrAdd(name, n => new Lazy<string>(() =>
            new ModelInstaller(options).Install(ModelCatalog.Get(n)).Directory)).Value;
    }

    public static byte[] OnnxBytes(string name) => File.ReadAllBytes(Path.Combine(Require(name), ModelNames.OnnxFile));
}
