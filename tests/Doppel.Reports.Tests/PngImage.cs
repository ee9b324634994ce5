using SkiaSharp;

namespace Doppel.Reports.Tests;

/// <summary>A decoded PNG with the pixel statistics the tests assert on.</summary>
internal sealed class PngImage : IDisposable
{
    private readonly SKBitmap _bitmap;

    private PngImage(SKBitmap bitmap) => _bitmap = bitmap;

    public static PngImage Decode(byte[] png) =>
        new(SKBitmap.Decode(png) ?? throw new InvalidOperationException("The bytes are not a decodable image."));

    public static PngImage Load(string path) => Decode(File.ReadAllBytes(path));

    public int Width => _bitmap.Width;
    public int Height => _bitmap.Height;

    public SKColor this[int x, int y] => _bitmap.GetPixel(x, y);

    /// <summary>Variance of luminance over all pixels: near zero for a blank page.</summary>
    public double LuminanceVariance()
    {
        double sum = 0, sumSquares = 0;
        long n = 0;
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                var c = _bitmap.GetPixel(x, y);
                var l = 0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue;
                sum += l;
                sumSquares += l * l;
                n++;
            }
        var mean = sum / n;
        return sumSquares / n - mean * mean;
    }

    /// <summary>Coordinates of pixels within <paramref name="tolerance"/> (per channel) of <paramref name="color"/>.</summary>
    public List<(int X, int Y)> PixelsNear(SKColor color, int tolerance = 12)
    {
        var found = new List<(int, int)>();
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                var c = _bitmap.GetPixel(x, y);
                if (Math.Abs(c.Red - color.Red) <= tolerance && Math.Abs(c.Green - color.Green) <= tolerance && Math.Abs(c.Blue - color.Blue) <= tolerance)
                    found.Add((x, y));
            }
        return found;
    }

    /// <summary>Count of dark pixels (text, axes) in a rectangle.</summary>
    public int DarkPixels(int left, int top, int right, int bottom, int maxLevel = 100)
    {
        int count = 0;
        for (int y = Math.Max(0, top); y < Math.Min(Height, bottom); y++)
            for (int x = Math.Max(0, left); x < Math.Min(Width, right); x++)
            {
                var c = _bitmap.GetPixel(x, y);
                if (c.Red <= maxLevel && c.Green <= maxLevel && c.Blue <= maxLevel)
                    count++;
            }
        return count;
    }

    public void Dispose() => _bitmap.Dispose();
}
