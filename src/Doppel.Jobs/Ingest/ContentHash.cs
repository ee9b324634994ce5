using System.Security.Cryptography;

namespace Doppel.Jobs.Ingest;

/// <summary>SHA-256 of a file's bytes, lower-case hex: the identity of an image across moves and
/// renames, and what makes re-runs idempotent.</summary>
public static class ContentHash
{
    public static string Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
