namespace Doppel.Reports.Charts;

public readonly record struct ChartPoint(double X, double Y);

/// <summary>One named curve. Points are drawn in the order given (a ROC curve sorted by FAR, say).</summary>
public sealed record LineSeries(string Name, IReadOnlyList<ChartPoint> Points);

/// <summary>A labelled dot on a chart, e.g. the operating point at the chosen threshold.</summary>
public sealed record ChartMarker(double X, double Y, string Label, int SeriesIndex = 0);

public enum AxisScale
{
    Linear,
    /// <summary>Base-10 logarithmic, for false accept rates spanning decades.</summary>
    Log10,
}

/// <summary>An axis: its label, scale, and range (null bounds are taken from the data).</summary>
public sealed record Axis(string Label, double? Min = null, double? Max = null, AxisScale Scale = AxisScale.Linear);

public enum LegendPlacement
{
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

/// <summary>A line chart: ROC curves, precision-recall curves.</summary>
public sealed record LineChart(
    string Title,
    Axis X,
    Axis Y,
    IReadOnlyList<LineSeries> Series,
    LegendPlacement Legend = LegendPlacement.BottomRight,
    bool DiagonalReference = false,
    IReadOnlyList<ChartMarker>? Markers = null,
    int Width = 900,
    int Height = 640);

/// <summary>Values of one population to bin, e.g. the scores of same-person pairs.</summary>
public sealed record HistogramSeries(string Name, IReadOnlyList<double> Values);

public enum HistogramScale
{
    /// <summary>Bar height = number of values in the bin.</summary>
    Count,
    /// <summary>Bar height = share of that series' values in the bin, so populations of very different
    /// sizes (a few hundred same-person pairs against many thousand others) are comparable.</summary>
    Fraction,
}

/// <summary>A histogram of one or more overlaid populations with an optional threshold line and an optional second line
/// (<see cref="Cut"/>: in a dedup report, the score at which groups join).</summary>
public sealed record Histogram(
    string Title,
    string XLabel,
    IReadOnlyList<HistogramSeries> Series,
    int Bins = 50,
    double? Min = null,
    double? Max = null,
    double? Threshold = null,
    string ThresholdLabel = "threshold",
    HistogramScale Scale = HistogramScale.Count,
    LegendPlacement Legend = LegendPlacement.TopLeft,
    int Width = 900,
    int Height = 560,
    double? Cut = null,
    string CutLabel = "groups join");
