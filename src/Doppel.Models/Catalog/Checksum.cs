using System.Security.Cryptography;

namespace Doppel.Models.Catalog;

/// <summary>
/// A pinned file hash. SHA-256 everywhere we could measure the file; SHA-1 only where upstream
/// publishes nothing else and the file is not reachable to measure (the res10 Caffe weights).
/// </summary>
public readonly record struct Checksum
{
    public string Algorithm { get; }
    public string Hex { get; }

    private Checksum(string algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
    }

    public static Checksum Sha256(string hex) => Create("sha256", hex, 64);
    public static Checksum Sha1(string hex) => Create("sha1", hex, 40);

    /// <summary>The hash of <paramref name="path"/> with this checksum's algorithm.</summary>
    public Checksum ComputeFor(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var hash = Algorithm switch
        {
            "sha256" => SHA256.HashData(stream),
            "sha1" => SHA1.HashData(stream),
            _ => throw new InvalidOperationException($"Unknown hash algorithm '{Algorithm}'."),
        };
        return new Checksum(Algorithm, Convert.ToHexStringLower(hash));
    }

    /// <summary>The SHA-256 of a file (for pinning a newly measured file).</summary>
    public static Checksum Sha256Of(string path) => new Checksum("sha256", "").ComputeFor(path);

    public bool Matches(string path) => ComputeFor(path) == this;

    public override string ToString() => $"{Algorithm}:{Hex}";

    private static Checksum Create(string algorithm, string hex, int length)
    {
        if (hex.Length != length || !hex.All(Uri.IsHexDigit))
            throw new ArgumentException($"A {algorithm} checksum is {length} hex digits; got '{hex}'.", nameof(hex));
        return new Checksum(algorithm, hex.ToLowerInvariant());
    }
}
