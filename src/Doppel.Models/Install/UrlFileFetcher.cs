using Doppel.Models.Catalog;

namespace Doppel.Models.Install;

/// <summary>
/// Finds a pinned single file: the mirror folder first (by file name), then the download cache,
/// then its upstream URLs. Every candidate is checked against the pinned checksum.
/// </summary>
internal sealed class UrlFileFetcher(ModelInstallOptions options, Action<string> log)
{
    private string CacheDirectory => Path.Combine(options.DownloadCache, "url");

    /// <summary>The verified local path and where it came from (for the manifest).</summary>
    public (string Path, string Origin) Fetch(UrlSource source)
    {
        if (options.MirrorDirectory is { } mirror)
        {
            var mirrored = Path.Combine(mirror, source.FileName);
            if (File.Exists(mirrored))
            {
                Verify(source, mirrored, $"mirrored file {source.FileName}");
                return (mirrored, "mirror");
            }
        }

        var cached = Path.Combine(CacheDirectory, source.FileName);
        if (File.Exists(cached))
        {
            if (source.Checksum.Matches(cached))
                return (cached, "download cache");
            log($"  cached {source.FileName} does not match its pinned {source.Checksum.Algorithm}; downloading it again");
            File.Delete(cached);
        }

        var failures = new List<string>();
        if (options.AllowDownloads)
        {
            foreach (var url in source.Urls)
            {
                try
                {
                    log($"  downloading {url}");
                    Download(url, cached, source);
                    return (cached, url);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or ChecksumMismatchException)
                {
                    failures.Add($"{url}: {e.Message}");
                }
            }
        }
        else
        {
            failures.Add("downloads are disabled");
        }

        var mirrorState = options.MirrorDirectory is null
            ? $"{ModelInstallOptions.MirrorVariable} is not set"
            : $"not in {ModelInstallOptions.MirrorVariable}={options.MirrorDirectory}";
        throw new ModelInstallException(
            $"Cannot get {source.FileName} ({source.Checksum}): {mirrorState}, not in the download cache {CacheDirectory}, and {string.Join("; ", failures)}. " +
            $"On an offline machine put the file in a folder and set {ModelInstallOptions.MirrorVariable} to that folder; upstream: {string.Join(" ", source.Urls)}");
    }

    private void Download(string url, string destination, UrlSource source)
    {
        Directory.CreateDirectory(CacheDirectory);
        var partial = destination + $".{Guid.NewGuid():N}.part";
        try
        {
            using (var http = new HttpClient { Timeout = options.DownloadTimeout })
            using (var response = http.Send(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead))
            {
                response.EnsureSuccessStatusCode();
                using var body = response.Content.ReadAsStream();
                using var file = File.Create(partial);
                body.CopyTo(file);
            }
            Verify(source, partial, $"{source.FileName} downloaded from {url}");
            File.Move(partial, destination, overwrite: true);
        }
        finally
        {
            if (File.Exists(partial))
                File.Delete(partial);
        }
    }

    private static void Verify(UrlSource source, string path, string what)
    {
        var actual = source.Checksum.ComputeFor(path);
        if (actual != source.Checksum)
            throw new ChecksumMismatchException(what, path, source.Checksum.ToString(), actual.ToString());
    }
}
