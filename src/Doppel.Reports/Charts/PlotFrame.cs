using System.Globalization;
using SkiaSharp;

namespace Doppel.Reports.Charts;

/// <summary>
/// The part every chart shares: white page, title, plot rectangle with grid, ticks and axis labels,
/// the data-to-pixel mapping, and the legend. Sizes are in pixels of the PNG.
/// </summary>
internal sealed class PlotFrame
{
    public static readonly SKColor[] Palette =
    [
        new(0x1f, 0x77, 0xb4), new(0xff, 0x7f, 0x0e), new(0x2c, 0xa0, 0x2c), new(0xd6, 0x27, 0x28), new(0x94, 0x67, 0xbd),
        new(0x8c, 0x56, 0x4b), new(0xe3, 0x77, 0xc2), new(0x7f, 0x7f, 0x7f), new(0xbc, 0xbd, 0x22), new(0x17, 0xbe, 0xcf),
    ];

    private const float MarginLeft = 84, MarginRight = 28, MarginTop = 58, MarginBottom = 66;
    private static readonly SKColor TextColor = new(0x22, 0x22, 0x22);
    private static readonly SKColor GridColor = new(0xe3, 0xe3, 0xe3);

    public SKRect Plot { get; }

    private readonly ScaleMap _x;
    private readonly ScaleMap _y;

    public PlotFrame(int width, int height, ScaleMap x, ScaleMap y)
    {
        if (width < 200 || height < 150)
            throw new ArgumentOutOfRangeException(nameof(width), $"A chart needs at least 200x150 pixels to be readable; got {width}x{height}.");
        Plot = new SKRect(MarginLeft, MarginTop, width - MarginRight, height - MarginBottom);
        _x = x;
        _y = y;
    }

    public float PixelX(double x) => Plot.Left + (float)(_x.Fraction(x) * Plot.Width);

    public float PixelY(double y) => Plot.Bottom - (float)(_y.Fraction(y) * Plot.Height);

    public static SKFont Font(float size, bool bold = false) => new(bold ? ChartFonts.Bold : ChartFonts.Regular, size) { Subpixel = true, Edging = SKFontEdging.Antialias };

    public static SKPaint Fill(SKColor color) => new() { Color = color, IsAntialias = true, Style = SKPaintStyle.Fill };

    public static SKPaint Stroke(SKColor color, float width, float[]? dash = null) => new()
    {
        Color = color,
        IsAntialias = true,
        Style = SKPaintStyle.Stroke,
        StrokeWidth = width,
        StrokeJoin = SKStrokeJoin.Round,
        StrokeCap = SKStrokeCap.Round,
        PathEffect = dash is null ? null : SKPathEffect.CreateDash(dash, 0),
    };

    /// <summary>Title, grid, ticks with labels, axis labels and the frame; data is drawn on top afterwards.</summary>
    public void DrawAxes(SKCanvas canvas, string title, string xLabel, string yLabel)
    {
        canvas.Clear(SKColors.White);
        using var titleFont = Font(21, bold: true);
        using var labelFont = Font(16);
        using var tickFont = Font(13);
        using var text = Fill(TextColor);
        using var grid = Stroke(GridColor, 1);
        using var axis = Stroke(new SKColor(0x55, 0x55, 0x55), 1.2f);

        canvas.DrawText(title, Plot.MidX, 34, SKTextAlign.Center, titleFont, text);

        foreach (var (value, label) in _x.Ticks())
        {
            var px = PixelX(value);
            canvas.DrawLine(px, Plot.Top, px, Plot.Bottom, grid);
            canvas.DrawLine(px, Plot.Bottom, px, Plot.Bottom + 5, axis);
            canvas.DrawText(label, px, Plot.Bottom + 21, SKTextAlign.Center, tickFont, text);
        }
        foreach (var (value, label) in _y.Ticks())
        {
            var py = PixelY(value);
            canvas.DrawLine(Plot.Left, py, Plot.Right, py, grid);
            canvas.DrawLine(Plot.Left - 5, py, Plot.Left, py, axis);
            canvas.DrawText(label, Plot.Left - 9, py + 4.5f, SKTextAlign.Right, tickFont, text);
        }
        canvas.DrawRect(Plot, axis);

        canvas.DrawText(xLabel, Plot.MidX, Plot.Bottom + 50, SKTextAlign.Center, labelFont, text);
        canvas.Save();
        canvas.Translate(24, Plot.MidY);
        canvas.RotateDegrees(-90);
        canvas.DrawText(yLabel, 0, 0, SKTextAlign.Center, labelFont, text);
        canvas.Restore();
    }

    public enum Swatch { Line, Box, DashedLine }

    public void DrawLegend(SKCanvas canvas, LegendPlacement placement, IReadOnlyList<(string Name, SKColor Color, Swatch Swatch)> entries)
    {
        if (entries.Count == 0)
            return;
        using var font = Font(14);
        const float swatchWidth = 26, padding = 10, rowHeight = 22, gap = 8;
        var textWidth = entries.Max(e => font.MeasureText(e.Name));
        var width = padding * 2 + swatchWidth + gap + textWidth;
        var height = padding * 2 + rowHeight * entries.Count - 4;
        var left = placement is LegendPlacement.TopLeft or LegendPlacement.BottomLeft ? Plot.Left + 12 : Plot.Right - 12 - width;
        var top = placement is LegendPlacement.TopLeft or LegendPlacement.TopRight ? Plot.Top + 12 : Plot.Bottom - 12 - height;
        var box = new SKRect(left, top, left + width, top + height);
        using (var background = Fill(new SKColor(255, 255, 255, 230)))
            canvas.DrawRoundRect(box, 4, 4, background);
        using (var border = Stroke(new SKColor(0xbb, 0xbb, 0xbb), 1))
            canvas.DrawRoundRect(box, 4, 4, border);
        using var text = Fill(TextColor);
        for (int i = 0; i < entries.Count; i++)
        {
            var (name, color, swatch) = entries[i];
            var midY = top + padding + i * rowHeight + 8;
            var x0 = left + padding;
            if (swatch == Swatch.Box)
            {
                using var fill = Fill(color.WithAlpha(120));
                using var edge = Stroke(color, 1.5f);
                var r = new SKRect(x0, midY - 6, x0 + swatchWidth, midY + 6);
                canvas.DrawRect(r, fill);
                canvas.DrawRect(r, edge);
            }
            else
            {
                using var line = Stroke(color, 3, swatch == Swatch.DashedLine ? [6, 4] : null);
                canvas.DrawLine(x0, midY, x0 + swatchWidth, midY, line);
            }
            canvas.DrawText(name, x0 + swatchWidth + gap, midY + 5, SKTextAlign.Left, font, text);
        }
    }

    public static byte[] EncodePng(SKSurface surface)
    {
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}

/// <summary>Maps a data range to [0, 1] along an axis, linearly or by log10, and picks readable ticks.</summary>
internal sealed class ScaleMap
{
    public double Min { get; }
    public double Max { get; }
    public AxisScale Scale { get; }

    public ScaleMap(double min, double max, AxisScale scale)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max))
            throw new ArgumentException($"Axis range [{min}, {max}] is not finite.");
        if (scale == AxisScale.Log10 && min <= 0)
            throw new ArgumentException($"A log axis needs a positive minimum; got {min}.");
        if (max <= min)
            max = min + (scale == AxisScale.Log10 ? min * 9 : 1);
        Min = min;
        Max = max;
        Scale = scale;
    }

    public double Fraction(double value)
    {
        if (Scale == AxisScale.Log10)
        {
            var v = Math.Max(value, Min);
            return (Math.Log10(v) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min));
        }
        return (value - Min) / (Max - Min);
    }

    public IEnumerable<(double Value, string Label)> Ticks()
    {
        if (Scale == AxisScale.Log10)
        {
            for (var exponent = (int)Math.Ceiling(Math.Log10(Min) - 1e-9); exponent <= (int)Math.Floor(Math.Log10(Max) + 1e-9); exponent++)
            {
                var value = Math.Pow(10, exponent);
                yield return (value, exponent >= -4 ? value.ToString(exponent < 0 ? "0.####" : "0", CultureInfo.InvariantCulture) : $"1e{exponent}");
            }
            yield break;
        }
        var step = NiceStep((Max - Min) / 6);
        var decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        var format = "F" + decimals.ToString(CultureInfo.InvariantCulture);
        for (var v = Math.Ceiling(Min / step - 1e-9) * step; v <= Max + step * 1e-6; v += step)
            yield return (v, (Math.Abs(v) < step * 1e-9 ? 0 : v).ToString(format, CultureInfo.InvariantCulture));
    }

    /// <summary>[lo, hi] widened outwards to multiples of a round step (about six ticks).</summary>
    public static (double Min, double Max) NiceBounds(double lo, double hi)
    {
        if (hi <= lo)
            return (lo, lo + 1);
        var step = NiceStep((hi - lo) / 6);
        return (Math.Floor(lo / step + 1e-9) * step, Math.Ceiling(hi / step - 1e-9) * step);
    }

    private static double NiceStep(double raw)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var normalised = raw / magnitude;
        return magnitude * (normalised < 1.5 ? 1 : normalised < 3 ? 2 : normalised < 7 ? 5 : 10);
    }
}
