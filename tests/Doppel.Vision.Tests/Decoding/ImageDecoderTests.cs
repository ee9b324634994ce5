using System.Buffers.Binary;
using Doppel.Testing;
using Doppel.Vision.Decoding;
using OpenCvSharp;

namespace Doppel.Vision.Tests.Decoding;

/// <summary>A corpus of good and bad files written by the test itself into a temp folder, each of which
/// must get the right status (and, where decoded, the right pixels).</summary>
public sealed class ImageDecoderTests() : DecoderTestFolder("doppel-decode")
{
    private readonly ImageDecoder _decoder = new();

    [Fact]
    public void ZeroByteFileIsUnreadable()
    {
        using var result = _decoder.Decode(Write("empty.jpg", []));
        result.Status.ShouldBe(ImageStatus.Unreadable);
        result.Detail!.ShouldContain("empty");
    }

    [Fact]
    public void TextFileNamedJpgIsUnsupported()
    {
        using var result = _decoder.Decode(Write("notes.jpg", "just some text, not a picture\n"u8.ToArray()));
        result.Status.ShouldBe(ImageStatus.Unsupported);
        result.Image.ShouldBeNull();
    }

    [Fact]
    public void MissingFileIsUnreadable()
    {
        using var result = _decoder.Decode(Path.Combine(Folder, "does-not-exist.png"));
        result.Status.ShouldBe(ImageStatus.Unreadable);
    }

    [Fact]
    public void TruncatedJpegIsUnreadable()
    {
        using var noise = new Mat(200, 200, MatType.CV_8UC3);
        Cv2.Randu(noise, new Scalar(0, 0, 0), new Scalar(255, 255, 255));
        var full = Encode(noise, ".jpg");
        using var result = _decoder.Decode(Write("cut.jpg", full[..(full.Length / 2)]));
        result.Status.ShouldBe(ImageStatus.Unreadable);
        result.Format.ShouldBe("jpeg");
        using var whole = _decoder.Decode(Write("whole.jpg", full));
        whole.Status.ShouldBe(ImageStatus.Ok);
    }

    [Fact]
    public void CorruptPngIsUnreadable()
    {
        using var img = Marker();
        var png = Encode(img, ".png");
        for (int i = 60; i < png.Length - 12; i++) png[i] ^= 0x5A; // scramble the compressed data
        using var result = _decoder.Decode(Write("scrambled.png", png));
        result.Status.ShouldBe(ImageStatus.Unreadable);
    }

    [Fact]
    public void PngClaimingHugeSizeIsTooLargeBeforeDecoding()
    {
        using var img = Marker();
        var png = Encode(img, ".png");
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), 30000);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), 30000);
        using var result = _decoder.Decode(Write("huge.png", png));
        result.Status.ShouldBe(ImageStatus.TooLarge);
        (result.Width, result.Height).ShouldBe((30000, 30000));
    }

    [Fact]
    public void JpegClaimingHugeSizeIsTooLarge()
    {
        using var img = Marker();
        var jpeg = Encode(img, ".jpg");
        int sof = FindMarker(jpeg, 0xC0);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), 30000);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), 30000);
        using var result = _decoder.Decode(Write("huge.jpg", jpeg));
        result.Status.ShouldBe(ImageStatus.TooLarge);
    }

    [Fact]
    public void PixelLimitIsConfigurable()
    {
        using var img = Marker();
        var decoder = new ImageDecoder(new ImageDecoderOptions { MaxPixels = 60 * 40 - 1 });
        using var result = decoder.Decode(Encode(img, ".png"));
        result.Status.ShouldBe(ImageStatus.TooLarge);
    }

    [Theory]
    [InlineData(".png", "png")]
    [InlineData(".bmp", "bmp")]
    [InlineData(".webp", "webp")]
    [InlineData(".tiff", "tiff")]
    [InlineData(".ppm", "pnm")]
    [InlineData(".jpg", "jpeg")]
    public void EveryFormatRoundTripsWithItsSizeAndPixels(string ext, string format)
    {
        using var img = Marker();
        var bytes = ext == ".webp" ? Encode(img, ext, new ImageEncodingParam(ImwriteFlags.WebPQuality, 101)) : Encode(img, ext);
        var header = ImageHeader.TryRead(bytes, ImageHeader.SniffFormat(bytes)!, out _)!;
        (header.Format, header.Width, header.Height).ShouldBe((format, 60, 40));
        using var result = _decoder.Decode(Write("marker" + ext, bytes));
        result.Status.ShouldBe(ImageStatus.Ok);
        (result.Format, result.Width, result.Height).ShouldBe((format, 60, 40));
        result.Image!.Type().ShouldBe(MatType.CV_8UC3);
        var red = result.Image.At<Vec3b>(10, 10);
        var grey = result.Image.At<Vec3b>(30, 50);
        ((int)red.Item2).ShouldBeGreaterThan(230);
        ((int)red.Item0).ShouldBeLessThan(25);
        ((int)grey.Item1).ShouldBeInRange(118, 138);
    }

    [Fact]
    public void JpegWithExifOrientation6IsTurnedUpright()
    {
        using var img = Marker();
        var jpeg = WithExifOrientation(Encode(img, ".jpg"), 6);
        ImageHeader.TryRead(jpeg, "jpeg", out _)!.Orientation.ShouldBe(6);
        using var result = _decoder.Decode(Write("rotated.jpg", jpeg));
        result.Status.ShouldBe(ImageStatus.Ok);
        // Stored 60x40 with the red block top-left; shown rotated 90 degrees clockwise it is 40x60
        // with the block top-right.
        (result.Width, result.Height).ShouldBe((40, 60));
        var topRight = result.Image!.At<Vec3b>(5, 34);
        var topLeft = result.Image.At<Vec3b>(5, 5);
        ((int)topRight.Item2).ShouldBeGreaterThan(200);
        ((int)topRight.Item1).ShouldBeLessThan(60);
        ((int)topLeft.Item2).ShouldBeInRange(100, 160);
    }

    [Fact]
    public void SixteenBitPngIsScaledTo8Bit()
    {
        using var img = new Mat(8, 8, MatType.CV_16UC3, new Scalar(1000, 30000, 65535));
        using var result = _decoder.Decode(Write("deep.png", Encode(img, ".png")));
        result.Status.ShouldBe(ImageStatus.Ok);
        var px = result.Image!.At<Vec3b>(3, 3);
        ((int)px.Item0).ShouldBe(4);   // 1000 * 255 / 65535 = 3.9
        ((int)px.Item1).ShouldBe(117); // 30000 * 255 / 65535 = 116.7
        ((int)px.Item2).ShouldBe(255);
    }

    [Fact]
    public void PngWithAlphaLosesTheAlphaChannel()
    {
        using var img = new Mat(8, 8, MatType.CV_8UC4, new Scalar(10, 20, 30, 128));
        using var result = _decoder.Decode(Write("alpha.png", Encode(img, ".png")));
        result.Status.ShouldBe(ImageStatus.Ok);
        result.Image!.Type().ShouldBe(MatType.CV_8UC3);
        result.Image.At<Vec3b>(0, 0).ShouldBe(new Vec3b(10, 20, 30));
    }

    [Fact]
    public void AnimatedGifGivesItsFirstFrame()
    {
        // Frame 1 red, frame 2 blue.
        using var result = _decoder.Decode(Write("anim.gif", TinyGif.Animated(6, 4, 0, 2)));
        result.Status.ShouldBe(ImageStatus.Ok, result.Detail);
        (result.Format, result.Width, result.Height).ShouldBe(("gif", 6, 4));
        result.Image!.At<Vec3b>(2, 3).ShouldBe(new Vec3b(0, 0, 255));
    }

    [Fact]
    public void PgmIsExpandedToThreeEqualChannels()
    {
        var header = "P5\n# written by a test\n8 6\n255\n"u8.ToArray();
        var pixels = Enumerable.Range(0, 48).Select(i => (byte)(i * 5)).ToArray();
        using var result = _decoder.Decode(Write("gradient.pgm", [.. header, .. pixels]));
        result.Status.ShouldBe(ImageStatus.Ok);
        (result.Format, result.Width, result.Height).ShouldBe(("pnm", 8, 6));
        result.Image!.At<Vec3b>(2, 3).ShouldBe(new Vec3b(95, 95, 95)); // index 19 * 5
    }

    [Fact]
    public void CmykJpegComesOutInRoughlyTheRightColours()
    {
        // Committed fixture (made with python3-pil): 32x16, left half pure CMYK red (0,255,255,0),
        // right half CMYK blue (255,255,0,0).
        var fixture = Path.Combine(AppContext.BaseDirectory, "Decoding", "Fixtures", "cmyk.jpg");
        using var result = _decoder.Decode(fixture);
        result.Status.ShouldBe(ImageStatus.Ok, result.Detail);
        var left = result.Image!.At<Vec3b>(8, 4);
        var right = result.Image.At<Vec3b>(8, 28);
        ((int)left.Item2).ShouldBeGreaterThan(200);
        ((int)left.Item0).ShouldBeLessThan(60);
        ((int)left.Item1).ShouldBeLessThan(60);
        ((int)right.Item0).ShouldBeGreaterThan(200);
        ((int)right.Item2).ShouldBeLessThan(60);
    }

    private static int FindMarker(byte[] jpeg, byte marker)
    {
        for (int i = 2; i + 1 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == marker)
                return i;
        throw new InvalidOperationException($"marker FF{marker:X2} not found");
    }

    /// <summary>Inserts an APP1 Exif segment holding one IFD entry (Orientation) after the JFIF APP0.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        var tiff = new List<byte>();
        tiff.AddRange("II*\0"u8.ToArray());
        tiff.AddRange([8, 0, 0, 0]);          // IFD0 at offset 8
        tiff.AddRange([1, 0]);                // one entry
        tiff.AddRange([0x12, 0x01, 3, 0]);    // tag 274 Orientation, type SHORT
        tiff.AddRange([1, 0, 0, 0]);          // count 1
        tiff.AddRange([(byte)orientation, (byte)(orientation >> 8), 0, 0]);
        tiff.AddRange([0, 0, 0, 0]);          // no next IFD
        var body = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var segment = new List<byte> { 0xFF, 0xE1, (byte)((body.Length + 2) >> 8), (byte)((body.Length + 2) & 0xFF) };
        segment.AddRange(body);
        int insertAt = 2;
        if (jpeg[2] == 0xFF && jpeg[3] == 0xE0)
            insertAt = 4 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(4));
        return [.. jpeg[..insertAt], .. segment, .. jpeg[insertAt..]];
    }
}
