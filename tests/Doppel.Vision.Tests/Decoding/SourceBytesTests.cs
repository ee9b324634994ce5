using System.Security.Cryptography;
using Doppel.Vision.Decoding;

namespace Doppel.Vision.Tests.Decoding;

/// <summary>One read of an image's stream (issue 9, "read once per job"): every byte hashed, the bytes kept only up
/// to the file budget, at the budget's edges and whether or not the stream knows its length.</summary>
public sealed class SourceBytesTests
{
    /// <summary>A stream that does not know its length and gives at most 1000 bytes per read (a network body).</summary>
    private sealed class Trickle(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1000));
    }

    private static byte[] Bytes(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 7 + i / 251)).ToArray();

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(99_999, false)]
    [InlineData(100_000, false)] // exactly the budget: kept
    [InlineData(100_001, true)]  // one byte over: hashed, not kept
    [InlineData(250_000, true)]
    public void EveryByteIsHashedAndKeptUpToTheBudget(int size, bool over)
    {
        var bytes = Bytes(size);
        foreach (var stream in new Stream[] { new MemoryStream(bytes), new Trickle(bytes) })
        {
            using (stream)
            {
                var read = SourceBytes.Read(stream, maxBytes: 100_000, TestContext.Current.CancellationToken);
                (read.Length, read.Sha256).ShouldBe((size, Convert.ToHexStringLower(SHA256.HashData(bytes))));
                if (over)
                    read.Bytes.ShouldBeNull();
                else
                    read.Bytes.ShouldBe(bytes);
            }
        }
    }

    [Fact]
    public void AStreamOfKnownLengthIsReadIntoOneBufferOfThatLength()
    {
        var bytes = Bytes(12_345);
        var read = SourceBytes.Read(new MemoryStream(bytes), maxBytes: 1 << 20, TestContext.Current.CancellationToken);
        read.Bytes.ShouldNotBeNull().Length.ShouldBe(12_345);
    }
}
