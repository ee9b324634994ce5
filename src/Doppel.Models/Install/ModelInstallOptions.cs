namespace Doppel.Models.Install;

/// <summary>Where install reads from and writes to. <see cref="FromEnvironment"/> gives the defaults a user gets.</summary>
public sealed record ModelInstallOptions
{
    public const string MirrorVariable = "DOPPEL_MODEL_MIRROR";

    /// <summary>Set to 1/true to forbid URL downloads (npm still runs; point npm at a local registry if needed).</summary>
    public const string OfflineVariable = "DOPPEL_OFFLINE";

    /// <summary>Model cache root (one folder per model). Default <see cref="ModelStore.CacheRoot"/>.</summary>
    public required string CacheRoot { get; init; }

    /// <summary>Folder consulted by file name before any URL download; null for none.</summary>
    public string? MirrorDirectory { get; init; }

    /// <summary>The npm executable.</summary>
    public string NpmCommand { get; init; } = "npm";

    /// <summary>When false, URL models not in the mirror or download cache fail instead of downloading.</summary>
    public bool AllowDownloads { get; init; } = true;

    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Downloaded npm tarballs and URL files, kept so reinstalling needs no network.</summary>
    public string DownloadCache => Path.Combine(CacheRoot, ".downloads");

    /// <summary>Work folders of installs in progress, on the same file system as the model folders so the final rename is atomic.</summary>
    public string StagingRoot => Path.Combine(CacheRoot, ".staging");

    public static ModelInstallOptions FromEnvironment() => new()
    {
        CacheRoot = ModelStore.CacheRoot,
        MirrorDirectory = Environment.GetEnvironmentVariable(MirrorVariable) is { Length: > 0 } mirror ? mirror : null,
        AllowDownloads = Environment.GetEnvironmentVariable(OfflineVariable) is not ("1" or "true" or "TRUE" or "True"),
    };
}
