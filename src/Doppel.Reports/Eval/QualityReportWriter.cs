using System.Globalization;
using Doppel.Reports.Charts;

namespace Doppel.Reports.Eval;

/// <summary>One error-versus-reject curve: (share of genuine comparisons rejected, FNMR of the rest).</summary>
public sealed record ErcSeries(string Name, IReadOnlyList<ChartPoint> Points, double DropAt10Percent);

public sealed record QualityReport(string Title, string Dataset, string Model, double Threshold, double FnmrAtFmr, int GenuinePairs, long ImpostorPairs, IReadOnlyList<ErcSeries> Curves);

/// <summary>Writes <c>doppel eval quality --report DIR</c>: <c>erc.png</c> (FNMR at FMR 1e-3 against
/// the share rejected, one curve per assessor plus the random and face-size baselines),
/// <c>metrics.csv</c> and <c>index.html</c>.</summary>
public static class QualityReportWriter
{
    public static string Write(QualityReport report, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(outputDirectory);
        var png = ChartRenderer.Render(new LineChart(
            $"Error versus reject — {report.Dataset}",
            new Axis("share of genuine comparisons rejected (lowest pair quality first)", 0, 0.5),
            new Axis("FNMR at FMR 1e-3", 0, null),
            report.Curves.Select(c => new LineSeries($"{c.Name} (−{(c.DropAt10Percent * 100).ToString("F0", CultureInfo.InvariantCulture)} % at 10 %)", c.Points)).ToList(),
            LegendPlacement.TopRight));
        File.WriteAllBytes(Path.Combine(outputDirectory, "erc.png"), png);
        var fractions = new[] { 0.05, 0.1, 0.2, 0.3, 0.5 };
        var columns = new List<string> { "quality", "fnmr_0" };
        columns.AddRange(fractions.Select(f => $"fnmr_{(f * 100).ToString("F0", CultureInfo.InvariantCulture)}pct"));
        columns.Add("drop_at_10pct");
        var rows = report.Curves.Select(c => (IReadOnlyList<string>)new List<string> { c.Name, EvalPage.Fixed(At(c, 0), 4) }
            .Concat(fractions.Select(f => EvalPage.Fixed(At(c, f), 4)))
            .Append(EvalPage.Fixed(c.DropAt10Percent, 3)).ToList()).ToList();
        File.WriteAllText(Path.Combine(outputDirectory, "metrics.csv"), EvalPage.Csv(columns, rows), EvalPage.Utf8);
        var facts = new List<(string, string)>
        {
            ("dataset", report.Dataset), ("model", report.Model),
            ("threshold at FMR 1e-3", report.Threshold.ToString("F4", CultureInfo.InvariantCulture)),
            ("genuine pairs", report.GenuinePairs.ToString(CultureInfo.InvariantCulture)),
            ("impostor pairs", report.ImpostorPairs.ToString(CultureInfo.InvariantCulture)),
        };
        var index = Path.Combine(outputDirectory, "index.html");
        File.WriteAllText(index, EvalPage.Render(report.Title, facts, [("Error versus reject", png)], columns, rows, "erc"), EvalPage.Utf8);
        return index;
    }

    private static double? At(ErcSeries series, double fraction) =>
        series.Points.Where(p => Math.Abs(p.X - fraction) < 1e-9).Select(p => (double?)p.Y).FirstOrDefault();
}
