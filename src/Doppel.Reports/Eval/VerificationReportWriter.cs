using System.Globalization;
using Doppel.Reports.Charts;

namespace Doppel.Reports.Eval;

/// <summary>One embedder's face verification results on a pair list (e.g. LFW pairsDevTest).
/// <see cref="Roc"/> points are (false accept rate, true accept rate), ordered along the curve.
/// <see cref="TarAtFar"/> maps a false accept rate to the true accept rate reached there.</summary>
public sealed record VerificationResult(
    string Name,
    IReadOnlyList<ChartPoint> Roc,
    int Pairs,
    double Accuracy,
    double Threshold,
    double Auc,
    double? EqualErrorRate = null,
    IReadOnlyDictionary<double, double>? TarAtFar = null,
    ChartPoint? OperatingPoint = null,
    IReadOnlyList<double>? SameScores = null,
    IReadOnlyList<double>? DifferentScores = null);

public sealed record VerificationReport(string Title, string Dataset, IReadOnlyList<VerificationResult> Results, double? Seconds = null);

public sealed record VerificationReportFiles(string IndexHtml, string MetricsCsv, string RocPng, string RocLogPng, IReadOnlyList<string> ScoreHistogramPngs);

/// <summary>
/// Writes the output of <c>doppel eval verify --report DIR</c>: <c>roc.png</c> (linear axes with the
/// chance diagonal), <c>roc-log.png</c> (log false accept rate, where TAR@FAR is read), one
/// <c>scores-NAME.png</c> per result that carries its scores (same vs different person, threshold
/// marked), <c>metrics.csv</c> and <c>index.html</c> with the table and charts embedded.
/// </summary>
public static class VerificationReportWriter
{
    public static VerificationReportFiles Write(VerificationReport report, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Results.Count == 0)
            throw new ArgumentException("A verification report needs at least one result.", nameof(report));
        Directory.CreateDirectory(outputDirectory);

        var legendNames = report.Results.Select(r => $"{r.Name} (AUC {r.Auc.ToString("F4", CultureInfo.InvariantCulture)})").ToList();
        var markers = report.Results.Select((r, i) => r.OperatingPoint is { } p
            ? new ChartMarker(p.X, p.Y, $"thr {r.Threshold.ToString("F3", CultureInfo.InvariantCulture)}", i) : null).OfType<ChartMarker>().ToList();
        var roc = ChartRenderer.Render(new LineChart(
            $"ROC — {report.Dataset}",
            new Axis("false accept rate", 0, 1),
            new Axis("true accept rate", 0, 1.02),
            report.Results.Select((r, i) => new LineSeries(legendNames[i], r.Roc)).ToList(),
            LegendPlacement.BottomRight, DiagonalReference: true, Markers: markers));
        var smallestFar = report.Results.SelectMany(r => r.Roc).Where(p => p.X > 0).Select(p => p.X).DefaultIfEmpty(1e-3).Min();
        var rocLog = ChartRenderer.Render(new LineChart(
            $"ROC, log scale — {report.Dataset}",
            new Axis("false accept rate (log)", Math.Pow(10, Math.Floor(Math.Log10(smallestFar))), 1, AxisScale.Log10),
            new Axis("true accept rate", 0, 1.02),
            report.Results.Select((r, i) => new LineSeries(legendNames[i], r.Roc.Where(p => p.X > 0).ToList())).ToList(),
            LegendPlacement.TopLeft));

        var charts = new List<(string, byte[])> { ("ROC", roc), ("ROC (log false accept rate)", rocLog) };
        var histogramFiles = new List<string>();
        foreach (var result in report.Results.Where(r => r.SameScores is { Count: > 0 } && r.DifferentScores is { Count: > 0 }))
        {
            var png = ChartRenderer.Render(new Histogram(
                $"Scores — {result.Name}", "similarity score",
                [new HistogramSeries($"same person ({result.SameScores!.Count})", result.SameScores),
                 new HistogramSeries($"different persons ({result.DifferentScores!.Count})", result.DifferentScores)],
                Bins: 60, Threshold: result.Threshold, Scale: HistogramScale.Fraction));
            var file = Path.Combine(outputDirectory, $"scores-{SafeName(result.Name)}.png");
            File.WriteAllBytes(file, png);
            histogramFiles.Add(file);
            charts.Add(($"Score distribution — {result.Name}", png));
        }

        var fars = report.Results.SelectMany(r => r.TarAtFar?.Keys ?? []).Distinct().OrderByDescending(f => f).ToList();
        var columns = new List<string> { "model", "pairs", "accuracy", "threshold", "auc", "eer" };
        columns.AddRange(fars.Select(f => $"tar_at_far_{EvalPage.Rate(f)}"));
        var rows = report.Results.Select(r => (IReadOnlyList<string>)new List<string>
        {
            r.Name, r.Pairs.ToString(CultureInfo.InvariantCulture), EvalPage.Fixed(r.Accuracy, 4), EvalPage.Fixed(r.Threshold, 4),
            EvalPage.Fixed(r.Auc, 4), EvalPage.Fixed(r.EqualErrorRate, 4),
        }.Concat(fars.Select(f => r.TarAtFar is not null && r.TarAtFar.TryGetValue(f, out var tar) ? EvalPage.Fixed(tar, 4) : "")).ToList()).ToList();

        var files = new VerificationReportFiles(
            Path.Combine(outputDirectory, "index.html"), Path.Combine(outputDirectory, "metrics.csv"),
            Path.Combine(outputDirectory, "roc.png"), Path.Combine(outputDirectory, "roc-log.png"), histogramFiles);
        File.WriteAllBytes(files.RocPng, roc);
        File.WriteAllBytes(files.RocLogPng, rocLog);
        File.WriteAllText(files.MetricsCsv, EvalPage.Csv(columns, rows), EvalPage.Utf8);
        var facts = new List<(string, string)> { ("dataset", report.Dataset), ("models", report.Results.Count.ToString(CultureInfo.InvariantCulture)) };
        if (report.Seconds is double s) facts.Add(("seconds", s.ToString("F1", CultureInfo.InvariantCulture)));
        File.WriteAllText(files.IndexHtml, EvalPage.Render(report.Title, facts, charts, columns, rows, "metrics"), EvalPage.Utf8);
        return files;
    }

    internal static string SafeName(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
}
