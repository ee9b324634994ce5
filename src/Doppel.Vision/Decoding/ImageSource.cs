using System.Buffers;
using System.Security.Cryptography;

namespace Doppel.Vision.Decoding;

/// <summary>
/// An image whose bytes the caller's store gives (a file, a blob download): <see cref="Name"/> is what its
/// <see cref="ImageAnalysis.Path"/> says, <see cref="Open"/> opens the bytes. The pipeline opens it once, on a
/// worker, hashes every byte as it reads and decodes those same bytes, so a job reads each image once and the
/// content hash its analysis reports (<see cref="ImageAnalysis.ContentHash"/>) is that of exactly what was analysed.
/// </summary>
public sealed record ImageSource(string Name, Func<CancellationToken, Stream> Open);

/// <summary>
/// What one read of an image's stream gave: the SHA-256 (lowercase hex) and length of every byte read, and the
/// bytes themselves when they fit the file budget. Above it (<see cref="Bytes"/> null) the rest is hashed as it
/// streams past, never held: memory stays one budget per image in flight, and the file still gets its content hash.
/// </summary>
public sealed record SourceBytes(byte[]? Bytes, long Length, string Sha256)
{
    public static SourceBytes Read(Stream stream, long maxBytes, CancellationToken cancellationToken = default)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long announced = stream.CanSeek ? stream.Length - stream.Position : -1;
        // The announced size is the whole buffer when it fits (one allocation and no copy, the common case);
        // an unknown length, or a file that grows while read, grows it up to the budget. A file announced over
        // the budget is only hashed.
        bool overBudget = announced > maxBytes;
        var kept = overBudget ? [] : new byte[announced >= 0 ? announced : Math.Min(1L << 16, maxBytes)];
        long length = 0;
        byte[]? scratch = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n;
                if (!overBudget && length < kept.Length)
                {
                    n = stream.Read(kept, (int)length, kept.Length - (int)length);
                    if (n == 0)
                        break;
                    sha.AppendData(kept, (int)length, n);
                    length += n;
                    continue;
                }
                // The buffer is full: more bytes mean an unknown length, a file that grew, or one over the budget.
                scratch ??= ArrayPool<byte>.Shared.Rent(1 << 16);
                n = stream.Read(scratch, 0, scratch.Length);
                if (n == 0)
                    break;
                sha.AppendData(scratch, 0, n);
                if (!overBudget && length + n <= maxBytes)
                {
                    Array.Resize(ref kept, (int)Math.Min(maxBytes, Math.Max(kept.Length * 2L, length + Math.Max(n, 1 << 16))));
                    scratch.AsSpan(0, n).CopyTo(kept.AsSpan((int)length));
                }
                else
                    overBudget = true;
                length += n;
            }
        }
        finally
        {
            if (scratch is not null)
                ArrayPool<byte>.Shared.Return(scratch);
        }
        var digest = Convert.ToHexStringLower(sha.GetHashAndReset());
        if (overBudget)
            return new SourceBytes(null, length, digest);
        return new SourceBytes(length == kept.Length ? kept : kept[..(int)length], length, digest);
    }
}
