using Doppel.Reports.Html;
using Doppel.Testing;
using SkiaSharp;

namespace Doppel.Reports.Tests;

public class ThumbnailTests
{
    [Fact]
    public void RealPhotoShrinksToAJpegWithinTheMaximumSide()
    {
        var photo = Directory.GetFiles(Path.Combine(SharedData.Require("data/lfw-dev/images"), "Aaron_Peirsol"), "*.jpg").Order(StringComparer.Ordinal).First();
        var jpeg = ThumbnailJpeg.Shrink(File.ReadAllBytes(photo))!;
        jpeg[..2].ShouldBe(new byte[] { 0xFF, 0xD8 });
        using var thumb = PngImage.Decode(jpeg);
        (thumb.Width, thumb.Height).ShouldBe((ThumbnailJpeg.MaxSide, ThumbnailJpeg.MaxSide)); // LFW photos are 250×250
        thumb.LuminanceVariance().ShouldBeGreaterThan(200);
    }

    [Fact]
    public void BytesThatAreNotAnImageGiveNoThumbnail()
    {
        ThumbnailJpeg.Shrink("plain text, not a picture"u8.ToArray()).ShouldBeNull();
        ThumbnailJpeg.Shrink([]).ShouldBeNull();
    }

    [Fact]
    public void SidewaysPhoneJpegIsTurnedUpright()
    {
        // A wide picture, red on the left and blue on the right, stored with EXIF orientation 6
        // ("rotate 90° clockwise to view"): upright it is tall, red on top.
        using var surface = SKSurface.Create(new SKImageInfo(200, 100));
        using (var red = new SKPaint { Color = SKColors.Red })
            surface.Canvas.DrawRect(new SKRect(0, 0, 100, 100), red);
        using (var blue = new SKPaint { Color = SKColors.Blue })
            surface.Canvas.DrawRect(new SKRect(100, 0, 200, 100), blue);
        using var snapshot = surface.Snapshot();
        using var encoded = snapshot.Encode(SKEncodedImageFormat.Jpeg, 95);
        var jpeg = WithExifOrientation(encoded.ToArray(), 6);

        using var thumb = PngImage.Decode(ThumbnailJpeg.Shrink(jpeg)!);

        (thumb.Width, thumb.Height).ShouldBe((ThumbnailJpeg.MaxSide / 2, ThumbnailJpeg.MaxSide));
        int x = thumb.Width / 2, top = thumb.Height / 5, bottom = thumb.Height * 4 / 5;
        thumb[x, top].Red.ShouldBeGreaterThan((byte)200);
        thumb[x, top].Blue.ShouldBeLessThan((byte)60);
        thumb[x, bottom].Blue.ShouldBeGreaterThan((byte)200);
        thumb[x, bottom].Red.ShouldBeLessThan((byte)60);
    }

    /// <summary>Inserts a minimal EXIF APP1 segment (big-endian TIFF, one IFD entry: Orientation) after SOI.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] app1 =
        [
            0xFF, 0xE1, 0x00, 0x22, (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'M', (byte)'M', 0x00, 0x2A, 0, 0, 0, 8,
            0x00, 0x01,
            0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0,
            0, 0, 0, 0,
        ];
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }
}
