using System.Globalization;
using SkiaSharp;

namespace Doppel.Reports.Charts;

/// <summary>Draws <see cref="LineChart"/> and <see cref="Histogram"/> specifications to PNG bytes.</summary>
public static class ChartRenderer
{
    /// <summary>The threshold line's colour (dashed) and the cut line's (dotted): red and a dark violet, told apart by
    /// hue and by dash.</summary>
    public static readonly SKColor ThresholdColor = new(0xc0, 0x00, 0x00), CutColor = new(0x5b, 0x2a, 0x86);

    public static byte[] Render(LineChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        if (chart.Series.Count == 0 || chart.Series.All(s => s.Points.Count == 0))
            throw new ArgumentException($"The chart '{chart.Title}' has no data points.", nameof(chart));
        foreach (var series in chart.Series)
            foreach (var p in series.Points)
                if (!double.IsFinite(p.X) || !double.IsFinite(p.Y))
                    throw new ArgumentException($"Series '{series.Name}' of chart '{chart.Title}' has a non-finite point ({p.X}, {p.Y}).", nameof(chart));

        var points = chart.Series.SelectMany(s => s.Points).ToList();
        var x = AxisRange(chart.X, points.Select(p => p.X));
        var y = AxisRange(chart.Y, points.Select(p => p.Y));
        var frame = new PlotFrame(chart.Width, chart.Height, x, y);

        using var surface = SKSurface.Create(new SKImageInfo(chart.Width, chart.Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not create a drawing surface.");
        var canvas = surface.Canvas;
        frame.DrawAxes(canvas, chart.Title, chart.X.Label, chart.Y.Label);

        canvas.Save();
        canvas.ClipRect(frame.Plot);
        if (chart.DiagonalReference)
        {
            // y = x sampled in data space, so it stays correct on a log axis.
            using var chance = PlotFrame.Stroke(new SKColor(0x99, 0x99, 0x99), 1.5f, [7, 5]);
            using var path = new SKPathBuilder();
            var lo = Math.Max(x.Min, y.Min);
            var hi = Math.Min(x.Max, y.Max);
            for (int i = 0; i <= 200; i++)
            {
                var v = x.Scale == AxisScale.Log10 ? lo * Math.Pow(hi / lo, i / 200.0) : lo + (hi - lo) * i / 200.0;
                if (i == 0) path.MoveTo(frame.PixelX(v), frame.PixelY(v));
                else path.LineTo(frame.PixelX(v), frame.PixelY(v));
            }
            using (var built = path.Detach())
                canvas.DrawPath(built, chance);
        }
        for (int s = 0; s < chart.Series.Count; s++)
        {
            var series = chart.Series[s];
            if (series.Points.Count == 0)
                continue;
            using var stroke = PlotFrame.Stroke(Color(s), 2.5f);
            using var path = new SKPathBuilder();
            path.MoveTo(frame.PixelX(series.Points[0].X), frame.PixelY(series.Points[0].Y));
            foreach (var p in series.Points.Skip(1))
                path.LineTo(frame.PixelX(p.X), frame.PixelY(p.Y));
            using (var built = path.Detach())
                canvas.DrawPath(built, stroke);
        }
        canvas.Restore();

        if (chart.Markers is { Count: > 0 } markers)
        {
            using var font = PlotFrame.Font(13);
            using var text = PlotFrame.Fill(new SKColor(0x22, 0x22, 0x22));
            using var outline = PlotFrame.Stroke(SKColors.Black, 1.5f);
            foreach (var marker in markers)
            {
                float px = frame.PixelX(marker.X), py = frame.PixelY(marker.Y);
                using var fill = PlotFrame.Fill(Color(marker.SeriesIndex));
                canvas.DrawCircle(px, py, 5.5f, fill);
                canvas.DrawCircle(px, py, 5.5f, outline);
                var rightHalf = px > frame.Plot.MidX;
                canvas.DrawText(marker.Label, rightHalf ? px - 10 : px + 10, py - 9, rightHalf ? SKTextAlign.Right : SKTextAlign.Left, font, text);
            }
        }

        frame.DrawLegend(canvas, chart.Legend, chart.Series.Select((s, i) => (s.Name, Color(i), PlotFrame.Swatch.Line)).ToList());
        return PlotFrame.EncodePng(surface);
    }

    public static byte[] Render(Histogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.Bins < 1)
            throw new ArgumentOutOfRangeException(nameof(histogram), $"A histogram needs at least one bin; got {histogram.Bins}.");
        var all = histogram.Series.SelectMany(s => s.Values).ToList();
        if (all.Count == 0)
            throw new ArgumentException($"The histogram '{histogram.Title}' has no values.", nameof(histogram));
        if (all.FirstOrDefault(v => !double.IsFinite(v)) is var bad && !double.IsFinite(bad))
            throw new ArgumentException($"The histogram '{histogram.Title}' has a non-finite value ({bad}).", nameof(histogram));

        // Unset bounds widen to round tick values, so the axis starts and ends on a labelled tick.
        var (niceMin, niceMax) = ScaleMap.NiceBounds(Math.Min(all.Min(), Math.Min(histogram.Threshold ?? double.MaxValue, histogram.Cut ?? double.MaxValue)),
            Math.Max(all.Max(), Math.Max(histogram.Threshold ?? double.MinValue, histogram.Cut ?? double.MinValue)));
        var min = histogram.Min ?? niceMin;
        var max = histogram.Max ?? niceMax;
        if (max <= min)
            max = min + 1;
        var binWidth = (max - min) / histogram.Bins;
        var heights = histogram.Series.Select(s => BinHeights(s.Values, min, binWidth, histogram.Bins, histogram.Scale)).ToList();
        var top = heights.SelectMany(h => h).DefaultIfEmpty(0).Max();

        var x = new ScaleMap(min, max, AxisScale.Linear);
        var y = new ScaleMap(0, top <= 0 ? 1 : top * 1.08, AxisScale.Linear);
        var frame = new PlotFrame(histogram.Width, histogram.Height, x, y);
        using var surface = SKSurface.Create(new SKImageInfo(histogram.Width, histogram.Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not create a drawing surface.");
        var canvas = surface.Canvas;
        frame.DrawAxes(canvas, histogram.Title, histogram.XLabel, histogram.Scale == HistogramScale.Fraction ? "share of pairs" : "count");

        canvas.Save();
        canvas.ClipRect(frame.Plot);
        for (int s = 0; s < heights.Count; s++)
        {
            // Translucent bars so overlapping populations stay visible, plus a solid outline of the shape.
            using var fill = PlotFrame.Fill(Color(s).WithAlpha(105));
            using var outline = PlotFrame.Stroke(Color(s), 1.8f);
            using var shape = new SKPathBuilder();
            shape.MoveTo(frame.PixelX(min), frame.PixelY(0));
            for (int b = 0; b < histogram.Bins; b++)
            {
                double left = min + b * binWidth, right = left + binWidth;
                if (heights[s][b] > 0)
                    canvas.DrawRect(SKRect.Create(frame.PixelX(left), frame.PixelY(heights[s][b]), frame.PixelX(right) - frame.PixelX(left), frame.PixelY(0) - frame.PixelY(heights[s][b])), fill);
                shape.LineTo(frame.PixelX(left), frame.PixelY(heights[s][b]));
                shape.LineTo(frame.PixelX(right), frame.PixelY(heights[s][b]));
            }
            shape.LineTo(frame.PixelX(max), frame.PixelY(0));
            using (var built = shape.Detach())
                canvas.DrawPath(built, outline);
        }
        canvas.Restore();

        var legend = histogram.Series.Select((s, i) => (s.Name, Color(i), PlotFrame.Swatch.Box)).ToList();
        void Line(double at, string name, SKColor color, float[] dashes, float labelY)
        {
            using var line = PlotFrame.Stroke(color, 2.5f, dashes);
            var px = frame.PixelX(at);
            canvas.DrawLine(px, frame.Plot.Top, px, frame.Plot.Bottom, line);
            using var font = PlotFrame.Font(14, bold: true);
            using var text = PlotFrame.Fill(color);
            var label = $"{name} {at.ToString("0.###", CultureInfo.InvariantCulture)}";
            var rightSide = px < frame.Plot.Left + frame.Plot.Width * 0.75f;
            canvas.DrawText(label, rightSide ? px + 7 : px - 7, frame.Plot.Top + labelY, rightSide ? SKTextAlign.Left : SKTextAlign.Right, font, text);
            legend.Add(($"{name} = {at.ToString("0.###", CultureInfo.InvariantCulture)}", color, PlotFrame.Swatch.DashedLine));
        }
        if (histogram.Threshold is double threshold)
            Line(threshold, histogram.ThresholdLabel, ThresholdColor, [9, 6], 20);
        // Its label one line lower, so two close lines keep both labels readable.
        if (histogram.Cut is double cut)
            Line(cut, histogram.CutLabel, CutColor, [3, 4], 40);
        frame.DrawLegend(canvas, histogram.Legend, legend);
        return PlotFrame.EncodePng(surface);
    }

    /// <summary>Values outside [min, max] count in the edge bins, so every value is shown.</summary>
    internal static double[] BinHeights(IReadOnlyList<double> values, double min, double binWidth, int bins, HistogramScale scale)
    {
        var counts = new double[bins];
        foreach (var v in values)
            counts[Math.Clamp((int)Math.Floor((v - min) / binWidth), 0, bins - 1)]++;
        if (scale == HistogramScale.Fraction && values.Count > 0)
            for (int b = 0; b < bins; b++)
                counts[b] /= values.Count;
        return counts;
    }

    private static SKColor Color(int index) => PlotFrame.Palette[((index % PlotFrame.Palette.Length) + PlotFrame.Palette.Length) % PlotFrame.Palette.Length];

    private static ScaleMap AxisRange(Axis axis, IEnumerable<double> values)
    {
        var usable = axis.Scale == AxisScale.Log10 ? values.Where(v => v > 0).ToList() : values.ToList();
        var lo = axis.Min ?? (usable.Count > 0 ? usable.Min() : 0);
        var hi = axis.Max ?? (usable.Count > 0 ? usable.Max() : 1);
        if (axis.Scale == AxisScale.Log10)
        {
            // Whole decades read best on a log axis.
            lo = axis.Min ?? Math.Pow(10, Math.Floor(Math.Log10(lo > 0 ? lo : 1e-6)));
            hi = axis.Max ?? Math.Pow(10, Math.Ceiling(Math.Log10(hi > 0 ? hi : 1)));
        }
        else if (axis.Min is null || axis.Max is null)
        {
            var pad = (hi - lo) * 0.04;
            lo = axis.Min ?? lo - pad;
            hi = axis.Max ?? hi + pad;
        }
        return new ScaleMap(lo, hi, axis.Scale);
    }
}
