using Doppel.Reports.Charts;

namespace Doppel.Reports.Dedup;

/// <summary>The standard charts of a dedup report, so every command draws them the same way.</summary>
public static class DedupCharts
{
    /// <summary>The match-score histogram with the threshold marked, and where groups join when given
    /// (<paramref name="groupCut"/>). <paramref name="scores"/> are the best face similarities of compared image pairs (often
    /// only the candidates a search returned); <paramref name="sameLabel"/> pairs, when known (an evaluation run), are
    /// overlaid as a second population.</summary>
    public static byte[] ScoreHistogram(IReadOnlyList<double> scores, double threshold, IReadOnlyList<double>? sameLabel = null, double? groupCut = null)
    {
        var series = new List<HistogramSeries> { new(sameLabel is null ? $"compared pairs ({scores.Count:N0})" : $"different persons ({scores.Count:N0})", scores) };
        if (sameLabel is not null)
            series.Add(new HistogramSeries($"same person ({sameLabel.Count:N0})", sameLabel));
        return ChartRenderer.Render(new Histogram(
            "Match scores", "similarity score", series, Bins: 60, Threshold: threshold,
            Scale: sameLabel is null ? HistogramScale.Count : HistogramScale.Fraction,
            Legend: threshold > 0.5 ? LegendPlacement.TopLeft : LegendPlacement.TopRight, Cut: groupCut));
    }
}
