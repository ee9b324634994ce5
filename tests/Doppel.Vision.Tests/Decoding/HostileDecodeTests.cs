using Doppel.Testing;
using Doppel.Vision.Decoding;
using OpenCvSharp;

namespace Doppel.Vision.Tests.Decoding;

/// <summary>Issue 12 rows 4, 5 and 6: budgets checked before the decoder allocates, and orientation
/// right in every container that carries it.</summary>
public sealed class HostileDecodeTests() : DecoderTestFolder("doppel-hostile-decode")
{
    private readonly ImageDecoder _decoder = new();

    [Fact]
    public void AJpegHeaderClaiming10000x10000IsDecodedScaledNotInFull()
    {
        using var img = Marker();
        var bomb = ImageBytes.JpegClaiming(Encode(img, ".jpg"), 10000, 10000);
        using var result = _decoder.Decode(Write("bomb.jpg", bomb));
        // libjpeg decodes it at 1/4 (2500 px, 19 MB) instead of 100 MP (300 MB) per worker.
        if (result.IsOk)
            (result.Width, result.Height).ShouldBe((2500, 2500));
        else
            result.Status.ShouldBe(ImageStatus.Unreadable);
    }

    [Fact]
    public void AStripKeepsItsSizeAndABigImageIsShrunkToTheOutputLimit()
    {
        // A 20000x250 strip is 5 MP: decoded at full size, so 200 px faces stay 200 px (row 7).
        using var strip = new Mat(250, 20000, MatType.CV_8UC3, new Scalar(90, 120, 150));
        using var decodedStrip = _decoder.Decode(Encode(strip, ".jpg"));
        (decodedStrip.Width, decodedStrip.Height).ShouldBe((20000, 250));
        // A 10000x4300 PNG (43 MP, within the decode budget) leaves the decoder at most 16.7 MP, aspect kept.
        using var big = _decoder.Decode(ImageBytes.PngClaiming(10000, 4300, 8, 2, rows: 4300));
        big.Status.ShouldBe(ImageStatus.Ok, big.Detail);
        ((long)big.Width * big.Height).ShouldBeLessThanOrEqualTo(_decoder.Options.MaxOutputPixels);
        (big.Width / (double)big.Height).ShouldBe(10000 / 4300.0, 0.01);
    }

    [Fact]
    public void ASixteenBitPngOf10000x10000IsTooLargeBeforeDecoding()
    {
        using var result = _decoder.Decode(Write("bomb.png", ImageBytes.PngClaiming(10000, 10000, 16, 2)));
        result.Status.ShouldBe(ImageStatus.TooLarge);
        result.Detail!.ShouldContain("16-bit");
        result.Detail!.ShouldContain("MiB");
    }

    [Fact]
    public void AProgressiveJpegOf10000x10000IsTooLargeButABaselineOneIsNot()
    {
        using var img = Marker();
        var progressive = Encode(img, ".jpg", new ImageEncodingParam(ImwriteFlags.JpegProgressive, 1));
        using var result = _decoder.Decode(ImageBytes.JpegClaiming(progressive, 10000, 10000));
        result.Status.ShouldBe(ImageStatus.TooLarge);
        result.Detail!.ShouldContain("progressive");
    }

    [Fact]
    public void AHugeFileIsRefusedWithoutBeingRead()
    {
        var path = Path.Combine(Folder, "huge.jpg");
        using (var stream = File.Create(path))
        {
            stream.Write([0xFF, 0xD8, 0xFF, 0xE0]);
            stream.SetLength(1_500_000_000); // sparse: 1.5 GB that costs no disk
        }
        using var result = _decoder.Decode(path);
        result.Status.ShouldBe(ImageStatus.TooLarge);
        result.Detail!.ShouldContain("MiB");
    }

    [Fact]
    public void AJpegWith20000ScansIsRefusedWithoutDecoding()
    {
        using var img = Marker();
        var progressive = Encode(img, ".jpg", new ImageEncodingParam(ImwriteFlags.JpegProgressive, 1));
        var many = ImageBytes.JpegWithScans(progressive, 20_000);
        ImageHeader.JpegLayout(many).Scans.ShouldBe(20_000);
        using var result = _decoder.Decode(Write("scans.jpg", many));
        result.Status.ShouldBe(ImageStatus.TooLarge);
        result.Detail!.ShouldContain("20000 scans");
        // An ordinary progressive file is fine.
        ImageHeader.JpegLayout(progressive).Scans.ShouldBeInRange(2, 12);
        using var ordinary = _decoder.Decode(progressive);
        ordinary.Status.ShouldBe(ImageStatus.Ok);
    }

    [Fact]
    public void ADecodeOverItsTimeBudgetIsATimeout()
    {
        using var noise = new Mat(3000, 3000, MatType.CV_8UC3);
        Cv2.Randu(noise, new Scalar(0, 0, 0), new Scalar(255, 255, 255));
        var png = Encode(noise, ".png");
        var decoder = new ImageDecoder(new ImageDecoderOptions { DecodeTimeout = TimeSpan.FromMilliseconds(1) });
        using var result = decoder.Decode(png);
        result.Status.ShouldBe(ImageStatus.Timeout);
        result.Detail!.ShouldContain("limit");
    }

    [Fact]
    public void ASmallImageDecodesWithoutTheWatchdog()
    {
        // 0.25 MP: under UnwatchedPixels, decoded on the caller's thread, so even a 1 ms limit
        // cannot turn it into a timeout (the 9 MP image above, with the same limit, is one).
        using var noise = new Mat(500, 500, MatType.CV_8UC3);
        Cv2.Randu(noise, new Scalar(0, 0, 0), new Scalar(255, 255, 255));
        var decoder = new ImageDecoder(new ImageDecoderOptions { DecodeTimeout = TimeSpan.FromMilliseconds(1) });
        using var result = decoder.Decode(Encode(noise, ".png"));
        result.Status.ShouldBe(ImageStatus.Ok);
        result.Width.ShouldBe(500);
    }

    [Fact]
    public void HeicIsUnsupportedWithAReason()
    {
        byte[] heic = [0, 0, 0, 24, .. "ftypheic"u8.ToArray(), 0, 0, 0, 0, .. "mif1heic"u8.ToArray()];
        using var result = _decoder.Decode(heic);
        result.Status.ShouldBe(ImageStatus.Unsupported);
        result.Detail!.ShouldContain("HEIF");
    }

    [Fact]
    public void AFifoIsNotOpened()
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = RepoPaths.NewTempDir("doppel-fifo");
        HostileFolder.Plant(dir);
        using var result = _decoder.Decode(Path.Combine(dir, "fifo.jpg"));
        result.Status.ShouldBe(ImageStatus.Unreadable);
        using var zero = _decoder.Decode(Path.Combine(dir, "zero.jpg"));
        zero.Status.ShouldBe(ImageStatus.Unreadable);
    }

    public static TheoryData<string> Containers => ["jpeg", "png", "webp", "tiff"];

    /// <summary>Stored 60x40 with the red block top-left and tagged "rotate 90 clockwise to view": upright
    /// it is 40x60 with the block top-right, in every container.</summary>
    [Theory]
    [MemberData(nameof(Containers))]
    public void Orientation6IsAppliedOnceInEveryContainer(string container)
    {
        using var img = Marker();
        var bytes = container switch
        {
            "jpeg" => ImageBytes.JpegWithOrientation(Encode(img, ".jpg"), 6),
            "png" => ImageBytes.PngWithOrientation(Encode(img, ".png"), 6),
            "webp" => ImageBytes.WebPWithOrientation(Encode(img, ".webp", new ImageEncodingParam(ImwriteFlags.WebPQuality, 101)), 60, 40, 6),
            _ => ImageBytes.Tiff(60, 40, Rgb(img), 6),
        };
        ImageHeader.TryRead(bytes, ImageHeader.SniffFormat(bytes)!, out _)!.Orientation.ShouldBe(6);
        using var result = _decoder.Decode(Write("rotated." + container, bytes));
        result.Status.ShouldBe(ImageStatus.Ok, result.Detail);
        (result.Width, result.Height).ShouldBe((40, 60));
        var topRight = result.Image!.At<Vec3b>(5, 34);
        var topLeft = result.Image.At<Vec3b>(5, 5);
        ((int)topRight.Item2).ShouldBeGreaterThan(200);
        ((int)topRight.Item1).ShouldBeLessThan(60);
        ((int)topLeft.Item2).ShouldBeInRange(100, 160);
    }

    private static byte[] Rgb(Mat bgr)
    {
        using var rgb = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        rgb.GetArray(out Vec3b[] pixels);
        return pixels.SelectMany(p => new[] { p.Item0, p.Item1, p.Item2 }).ToArray();
    }
}
