using Doppel.Reports.Charts;
using SkiaSharp;

namespace Doppel.Reports.Tests;

public class ChartTests
{
    private static readonly SKColor Blue = new(0x1f, 0x77, 0xb4);
    private static readonly SKColor Orange = new(0xff, 0x7f, 0x0e);
    private static readonly SKColor ThresholdRed = new(0xc0, 0x00, 0x00);

    [Fact]
    public void LineChartDrawsEachSeriesWhereItsDataIsWithReadableText()
    {
        var chart = new LineChart("Two flat lines", new Axis("x", 0, 1), new Axis("y", 0, 1),
        [
            new LineSeries("half", [new(0, 0.5), new(1, 0.5)]),
            new LineSeries("high", [new(0, 0.8), new(1, 0.8)]),
        ]);

        using var png = PngImage.Decode(ChartRenderer.Render(chart));

        png.Width.ShouldBe(900);
        png.Height.ShouldBe(640);
        var frame = new PlotFrame(900, 640, new ScaleMap(0, 1, AxisScale.Linear), new ScaleMap(0, 1, AxisScale.Linear));
        // Left half only: the legend (with its own swatches) sits bottom right.
        var blue = png.PixelsNear(Blue).Where(p => p.X < 450).ToList();
        var orange = png.PixelsNear(Orange).Where(p => p.X < 450).ToList();
        blue.Count.ShouldBeGreaterThan(500);
        blue.Max(p => p.Y).ShouldBeLessThanOrEqualTo((int)frame.PixelY(0.5) + 3);
        blue.Min(p => p.Y).ShouldBeGreaterThanOrEqualTo((int)frame.PixelY(0.5) - 3);
        blue.Min(p => p.X).ShouldBeLessThanOrEqualTo((int)frame.PixelX(0) + 3);
        orange.Select(p => p.Y).Distinct().Count().ShouldBeLessThanOrEqualTo(5);
        orange.Average(p => p.Y).ShouldBe(frame.PixelY(0.8), 3);
        // Title and tick labels were drawn: a missing font would leave these areas white.
        png.DarkPixels(0, 0, 900, 45).ShouldBeGreaterThan(150);
        png.DarkPixels(0, (int)frame.Plot.Bottom + 8, 900, 640).ShouldBeGreaterThan(120);
        png.DarkPixels(0, 0, (int)frame.Plot.Left - 6, 640).ShouldBeGreaterThan(120);
    }

    [Fact]
    public void HistogramPutsEachPopulationInItsBinsAndMarksTheThreshold()
    {
        var random = new Random(4);
        var low = Enumerable.Range(0, 400).Select(_ => 0.1 + 0.2 * random.NextDouble()).ToList();
        var high = Enumerable.Range(0, 4000).Select(_ => 0.6 + 0.3 * random.NextDouble()).ToList();
        var histogram = new Histogram("Scores", "similarity", [new HistogramSeries("different", low), new HistogramSeries("same", high)],
            Bins: 50, Min: 0, Max: 1, Threshold: 0.5, Scale: HistogramScale.Fraction, Legend: LegendPlacement.TopRight);

        using var png = PngImage.Decode(ChartRenderer.Render(histogram));

        (png.Width, png.Height).ShouldBe((900, 560));
        var frame = new PlotFrame(900, 560, new ScaleMap(0, 1, AxisScale.Linear), new ScaleMap(0, 1, AxisScale.Linear));
        var redColumns = png.PixelsNear(ThresholdRed, 30).Where(p => p.Y > frame.Plot.Top + 30).GroupBy(p => p.X).OrderByDescending(g => g.Count()).First();
        Math.Abs(redColumns.Key - frame.PixelX(0.5)).ShouldBeLessThanOrEqualTo(3);
        redColumns.Count().ShouldBeGreaterThan((int)(frame.Plot.Height * 0.4));

        // Translucent bars over white: each population's tint appears only over its own score range.
        var blueBar = Blend(Blue, 105);
        var orangeBar = Blend(Orange, 105);
        int Count(SKColor tint, double from, double to) =>
            png.PixelsNear(tint, 10).Count(p => p.X > frame.PixelX(from) && p.X < frame.PixelX(to) && p.Y > frame.Plot.Top + 120);
        Count(blueBar, 0.1, 0.3).ShouldBeGreaterThan(2000);
        Count(orangeBar, 0.6, 0.9).ShouldBeGreaterThan(2000);
        Count(blueBar, 0.32, 1).ShouldBe(0);
        Count(orangeBar, 0, 0.58).ShouldBe(0);
        png.LuminanceVariance().ShouldBeGreaterThan(100);
    }

    [Fact]
    public void LogAxisChartRendersRocWithMarkerAndDiagonal()
    {
        var roc = Enumerable.Range(0, 41).Select(i => Math.Pow(10, -4 + i / 10.0)).Select(far => new ChartPoint(far, Math.Min(1, 0.6 + 0.1 * Math.Log10(far) + 0.4))).ToList();
        var chart = new LineChart("ROC", new Axis("FAR", 1e-4, 1, AxisScale.Log10), new Axis("TAR", 0, 1), [new LineSeries("model", roc)],
            LegendPlacement.TopLeft, DiagonalReference: true, Markers: [new ChartMarker(1e-2, 0.8, "thr 0.9")]);
        using var png = PngImage.Decode(ChartRenderer.Render(chart));
        png.PixelsNear(Blue).Count.ShouldBeGreaterThan(800);
        png.LuminanceVariance().ShouldBeGreaterThan(100);
    }

    [Fact]
    public void TicksAreRoundNumbers()
    {
        new ScaleMap(0, 1, AxisScale.Linear).Ticks().Select(t => t.Label).ShouldBe(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        new ScaleMap(0, 250, AxisScale.Linear).Ticks().Select(t => t.Label).ShouldBe(["0", "50", "100", "150", "200", "250"]);
        new ScaleMap(-0.3, 0.3, AxisScale.Linear).Ticks().Select(t => t.Label).ShouldBe(["-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3"]);
        new ScaleMap(1e-4, 1, AxisScale.Log10).Ticks().Select(t => t.Label).ShouldBe(["0.0001", "0.001", "0.01", "0.1", "1"]);
        new ScaleMap(1e-6, 1e-5, AxisScale.Log10).Ticks().Select(t => t.Label).ShouldBe(["1e-6", "1e-5"]);
    }

    [Fact]
    public void AutomaticHistogramBoundsAreRoundNumbers()
    {
        ScaleMap.NiceBounds(0.00003, 0.99991).ShouldBe((0.0, 1.0));
        ScaleMap.NiceBounds(0.412, 0.987).ShouldBe((0.4, 1.0));
        ScaleMap.NiceBounds(-0.23, 0.91).ShouldBe((-0.4, 1.0));
    }

    [Fact]
    public void BinsCountEveryValueIncludingOutOfRangeOnes()
    {
        ChartRenderer.BinHeights([0.0, 0.05, 0.5, 0.99, 1.0, -3, 7], min: 0, binWidth: 0.25, bins: 4, HistogramScale.Count).ShouldBe([3.0, 0, 1, 3]);
        ChartRenderer.BinHeights([0.1, 0.2, 0.9, 0.95], 0, 0.5, 2, HistogramScale.Fraction).ShouldBe([0.5, 0.5]);
    }

    [Fact]
    public void EmptyOrBrokenDataIsAClearError()
    {
        Should.Throw<ArgumentException>(() => ChartRenderer.Render(new LineChart("Empty ROC", new Axis("x"), new Axis("y"), [new LineSeries("a", [])])))
            .Message.ShouldContain("Empty ROC");
        Should.Throw<ArgumentException>(() => ChartRenderer.Render(new LineChart("c", new Axis("x"), new Axis("y"), [new LineSeries("bad", [new(0, double.NaN)])])))
            .Message.ShouldContain("bad");
        Should.Throw<ArgumentException>(() => ChartRenderer.Render(new Histogram("No scores", "s", [new HistogramSeries("a", [])])))
            .Message.ShouldContain("No scores");
        Should.Throw<ArgumentException>(() => ChartRenderer.Render(new Histogram("h", "s", [new HistogramSeries("a", [0.5, double.PositiveInfinity])])))
            .Message.ShouldContain("non-finite");
    }

    private static SKColor Blend(SKColor color, byte alpha)
    {
        byte Mix(byte c) => (byte)Math.Round(255 + (c - 255) * (alpha / 255.0));
        return new SKColor(Mix(color.Red), Mix(color.Green), Mix(color.Blue));
    }

    /// <summary>A second, dotted line where groups join, in its own colour, at its own score; labelled and in the legend.</summary>
    [Fact]
    public void HistogramMarksWhereGroupsJoinBesideTheThreshold()
    {
        var random = new Random(5);
        var scores = Enumerable.Range(0, 3000).Select(_ => random.NextDouble()).ToList();
        var histogram = new Histogram("Scores", "similarity", [new HistogramSeries("pairs", scores)], Bins: 50, Min: 0, Max: 1, Threshold: 0.5, Cut: 0.6);
        using var png = PngImage.Decode(ChartRenderer.Render(histogram));
        var frame = new PlotFrame(900, 560, new ScaleMap(0, 1, AxisScale.Linear), new ScaleMap(0, 1, AxisScale.Linear));
        int ColumnOf(SKColor color) => png.PixelsNear(color, 30).Where(p => p.Y > frame.Plot.Top + 50).GroupBy(p => p.X).OrderByDescending(g => g.Count()).First().Key;
        Math.Abs(ColumnOf(ThresholdRed) - frame.PixelX(0.5)).ShouldBeLessThanOrEqualTo(3);
        Math.Abs(ColumnOf(ChartRenderer.CutColor) - frame.PixelX(0.6)).ShouldBeLessThanOrEqualTo(3);
        // Dotted: along its column the line is drawn over less of the plot's height than the dashed threshold.
        int Drawn(SKColor color, double at) => png.PixelsNear(color, 30).Count(p => Math.Abs(p.X - frame.PixelX(at)) <= 1 && p.Y > frame.Plot.Top + 50);
        Drawn(ChartRenderer.CutColor, 0.6).ShouldBeGreaterThan(50);
        Drawn(ChartRenderer.CutColor, 0.6).ShouldBeLessThan(Drawn(ThresholdRed, 0.5));
        using var without = PngImage.Decode(ChartRenderer.Render(histogram with { Cut = null }));
        without.PixelsNear(ChartRenderer.CutColor, 30).Count.ShouldBe(0);
    }

    [Fact]
    public void DedupScoreHistogramMarksTheThreshold()
    {
        var random = new Random(9);
        var scores = Enumerable.Range(0, 2000).Select(_ => 0.3 + 0.4 * random.NextDouble()).ToList();
        using var png = PngImage.Decode(Doppel.Reports.Dedup.DedupCharts.ScoreHistogram(scores, 0.93));
        png.PixelsNear(ThresholdRed, 30).Count.ShouldBeGreaterThan(200);
        png.PixelsNear(Blend(Blue, 105), 10).Count.ShouldBeGreaterThan(2000);
    }
}
