using System.Security.Cryptography;

namespace Doppel.Storage;

/// <summary>The identity of a file's bytes: lowercase SHA-256 hex. Media, moves and ignored pairs key on it.</summary>
public static class ContentHash
{
    public static string OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string OfBytes(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>What a record holds before its bytes were read: registration leaves a new file unread when nothing
    /// needs its hash yet (no move can end at it), and the analysis that reads it once records the hash of exactly the
    /// bytes it analysed (<see cref="MediaResult.ContentHash"/>).</summary>
    public const string NotRead = "";

    public static bool IsValid(string hash) =>
        hash.Length == 64 && hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
