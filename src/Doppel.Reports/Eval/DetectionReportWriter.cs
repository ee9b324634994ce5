using System.Globalization;
using Doppel.Reports.Charts;

namespace Doppel.Reports.Eval;

/// <summary>One detector's results on a labelled set (e.g. the WIDER FACE validation subset).
/// <see cref="PrecisionRecall"/> points are (recall, precision), ordered by falling score threshold.
/// <see cref="SubsetAveragePrecision"/> holds per-subset AP such as easy/medium/hard.</summary>
public sealed record DetectionResult(
    string Name,
    IReadOnlyList<ChartPoint> PrecisionRecall,
    double AveragePrecision,
    int Images,
    int GroundTruthFaces,
    int Detections,
    double? MillisecondsPerImage = null,
    IReadOnlyDictionary<string, double>? SubsetAveragePrecision = null);

public sealed record DetectionReport(string Title, string Dataset, double IouThreshold, IReadOnlyList<DetectionResult> Results);

public sealed record DetectionReportFiles(string IndexHtml, string ApCsv, string PrecisionRecallPng);

/// <summary>
/// Writes the output of <c>doppel eval detect --report DIR</c>: <c>pr.png</c> (precision-recall
/// curves, AP in the legend), <c>ap.csv</c> and <c>index.html</c> with the AP table and the chart.
/// </summary>
public static class DetectionReportWriter
{
    public static DetectionReportFiles Write(DetectionReport report, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Results.Count == 0)
            throw new ArgumentException("A detection report needs at least one result.", nameof(report));
        Directory.CreateDirectory(outputDirectory);

        var pr = ChartRenderer.Render(new LineChart(
            $"Precision-recall — {report.Dataset} (IoU ≥ {report.IouThreshold.ToString("0.##", CultureInfo.InvariantCulture)})",
            new Axis("recall", 0, 1),
            new Axis("precision", 0, 1.02),
            report.Results.Select(r => new LineSeries($"{r.Name} (AP {r.AveragePrecision.ToString("F3", CultureInfo.InvariantCulture)})", r.PrecisionRecall)).ToList(),
            LegendPlacement.BottomLeft));

        var subsets = report.Results.SelectMany(r => r.SubsetAveragePrecision?.Keys ?? []).Distinct().OrderBy(k => k, StringComparer.Ordinal).ToList();
        var columns = new List<string> { "detector", "ap" };
        columns.AddRange(subsets.Select(s => $"ap_{s}"));
        columns.AddRange(["images", "ground_truth_faces", "detections", "ms_per_image"]);
        var rows = report.Results.Select(r => (IReadOnlyList<string>)new List<string> { r.Name, EvalPage.Fixed(r.AveragePrecision, 4) }
            .Concat(subsets.Select(s => r.SubsetAveragePrecision is not null && r.SubsetAveragePrecision.TryGetValue(s, out var ap) ? EvalPage.Fixed(ap, 4) : ""))
            .Concat([r.Images.ToString(CultureInfo.InvariantCulture), r.GroundTruthFaces.ToString(CultureInfo.InvariantCulture),
                     r.Detections.ToString(CultureInfo.InvariantCulture), EvalPage.Fixed(r.MillisecondsPerImage, 1)])
            .ToList()).ToList();

        var files = new DetectionReportFiles(Path.Combine(outputDirectory, "index.html"), Path.Combine(outputDirectory, "ap.csv"), Path.Combine(outputDirectory, "pr.png"));
        File.WriteAllBytes(files.PrecisionRecallPng, pr);
        File.WriteAllText(files.ApCsv, EvalPage.Csv(columns, rows), EvalPage.Utf8);
        var facts = new List<(string, string)>
        {
            ("dataset", report.Dataset), ("IoU threshold", report.IouThreshold.ToString("0.##", CultureInfo.InvariantCulture)),
            ("detectors", report.Results.Count.ToString(CultureInfo.InvariantCulture)),
        };
        File.WriteAllText(files.IndexHtml, EvalPage.Render(report.Title, facts, [("Precision-recall", pr)], columns, rows, "ap"), EvalPage.Utf8);
        return files;
    }
}
