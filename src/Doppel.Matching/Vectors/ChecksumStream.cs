namespace Doppel.Matching;

/// <summary>Pass-through stream that keeps an FNV-1a 64-bit hash of every byte read or written, so
/// binary index files can end with a checksum that catches truncation and bit rot.</summary>
internal sealed class ChecksumStream(Stream inner) : Stream
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public ulong Hash { get; private set; } = Offset;

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        Update(buffer[..n]);
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Update(buffer);
        inner.Write(buffer);
    }

    public override void Flush() => inner.Flush();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private void Update(ReadOnlySpan<byte> bytes)
    {
        ulong h = Hash;
        foreach (byte b in bytes)
            h = (h ^ b) * Prime;
        Hash = h;
    }
}
