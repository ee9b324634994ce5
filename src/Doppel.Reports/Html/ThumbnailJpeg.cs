using SkiaSharp;

namespace Doppel.Reports.Html;

/// <summary>How every report thumbnail is made: shrunk to at most <see cref="MaxSide"/> pixels, turned
/// upright, re-encoded as JPEG at <see cref="Quality"/>.</summary>
internal static class ThumbnailJpeg
{
    public const int MaxSide = 160;
    public const int Quality = 82;

    /// <summary>Names this recipe in thumbnail file names, so a change of size or quality never reuses a
    /// file made the old way.</summary>
    public const string Recipe = "doppel-thumb v1 160px q82";

    /// <summary>JPEG no larger than <see cref="MaxSide"/> on its longer side, upright per the EXIF
    /// orientation (phone photos are often stored sideways), or null when the bytes are not an image.</summary>
    internal static byte[]? Shrink(byte[] encoded)
    {
        // SKCodec answers null for bytes it cannot read, where SKBitmap.Decode would throw.
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null)
            return null;
        var origin = codec.EncodedOrigin;
        using var decoded = SKBitmap.Decode(codec);
        if (decoded is null)
            return null;
        int w = decoded.Width, h = decoded.Height;
        var sideways = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int uprightWidth = sideways ? h : w, uprightHeight = sideways ? w : h;
        var scale = Math.Min(1.0, (double)MaxSide / Math.Max(uprightWidth, uprightHeight));
        var width = Math.Max(1, (int)Math.Round(uprightWidth * scale));
        var height = Math.Max(1, (int)Math.Round(uprightHeight * scale));

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        // White under transparent PNGs, since JPEG has no alpha.
        canvas.Clear(SKColors.White);
        canvas.Scale((float)width / uprightWidth, (float)height / uprightHeight);
        var upright = UprightTransform(origin, w, h);
        canvas.Concat(in upright);
        using (var image = SKImage.FromBitmap(decoded))
            canvas.DrawImage(image, new SKRect(0, 0, w, h), new SKSamplingOptions(SKCubicResampler.Mitchell));
        using var snapshot = surface.Snapshot();
        using var jpeg = snapshot.Encode(SKEncodedImageFormat.Jpeg, Quality);
        return jpeg.ToArray();
    }

    /// <summary>Maps stored pixel (x, y) of a w×h image to where it belongs in the upright picture.</summary>
    private static SKMatrix UprightTransform(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),      // mirrored
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),  // rotated 180°
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),    // flipped
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),        // transposed
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),      // needs 90° clockwise
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),  // transverse
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),    // needs 90° counter-clockwise
        _ => SKMatrix.Identity,
    };
}
