using Doppel.Reports.Charts;
using Doppel.Reports.Eval;
using Doppel.Testing;

namespace Doppel.Reports.Tests;

public class EvalReportTests
{
    /// <summary>A ROC swept from real-looking score populations: same-person scores high, different-person low.</summary>
    private static VerificationResult Model(string name, double separation, int seed)
    {
        var random = new Random(seed);
        double Noise() => (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 0.2;
        var same = Enumerable.Range(0, 300).Select(_ => Math.Clamp(0.5 + separation / 2 + Noise(), 0, 1)).ToList();
        var different = Enumerable.Range(0, 300).Select(_ => Math.Clamp(0.5 - separation / 2 + Noise(), 0, 1)).ToList();
        var roc = Enumerable.Range(0, 101).Select(i => 1 - i / 100.0)
            .Select(t => new ChartPoint(different.Count(s => s >= t) / 300.0, same.Count(s => s >= t) / 300.0)).ToList();
        return new VerificationResult(name, roc, 600, 0.9 + separation / 10, 0.5, 0.95 + separation / 20, 0.08,
            new Dictionary<double, double> { [0.01] = 0.7, [0.001] = 0.5 }, new ChartPoint(0.05, 0.9), same, different);
    }

    [Fact]
    public void VerificationReportWritesMetricsRocAndScoreCharts()
    {
        var dir = RepoPaths.NewTempDir("doppel-verify-report");
        var report = new VerificationReport("Verification on LFW dev test", "lfw-dev pairsDevTest",
            [Model("dlib-resnet29", 0.5, 1), Model("mobilefacenet 192", 0.3, 2) with { TarAtFar = new Dictionary<double, double> { [0.01] = 0.6 } }], 42.5);

        var files = VerificationReportWriter.Write(report, dir);

        File.ReadAllText(files.MetricsCsv).ShouldBe(
            "model,pairs,accuracy,threshold,auc,eer,tar_at_far_0.01,tar_at_far_0.001\n" +
            "dlib-resnet29,600,0.9500,0.5000,0.9750,0.0800,0.7000,0.5000\n" +
            "mobilefacenet 192,600,0.9300,0.5000,0.9650,0.0800,0.6000,\n");
        using (var roc = PngImage.Load(files.RocPng))
        {
            (roc.Width, roc.Height).ShouldBe((900, 640));
            roc.LuminanceVariance().ShouldBeGreaterThan(100);
        }
        using (var rocLog = PngImage.Load(files.RocLogPng))
            rocLog.LuminanceVariance().ShouldBeGreaterThan(100);
        files.ScoreHistogramPngs.Select(Path.GetFileName).ShouldBe(["scores-dlib-resnet29.png", "scores-mobilefacenet_192.png"]);
        var html = File.ReadAllText(files.IndexHtml);
        html.ShouldContain("<td>dlib-resnet29</td><td class=\"num\">600</td><td class=\"num\">0.9500</td>");
        html.Split("data:image/png;base64,").Length.ShouldBe(1 + 2 + 2);
    }

    [Fact]
    public void DetectionReportWritesApTableAndPrecisionRecallChart()
    {
        var dir = RepoPaths.NewTempDir("doppel-detect-report");
        static List<ChartPoint> Curve(double quality) =>
            Enumerable.Range(0, 51).Select(i => i / 50.0 * quality).Select(r => new ChartPoint(r, 1 - 0.5 * Math.Pow(r / quality, 4) * quality)).ToList();
        var report = new DetectionReport("Detection on WIDER val subset", "wider-val-subset", 0.5,
        [
            new DetectionResult("blazeface-back", Curve(0.6), 0.512, 200, 1830, 1402, 6.27, new Dictionary<string, double> { ["easy"] = 0.8, ["hard"] = 0.3 }),
            new DetectionResult("yunet", Curve(0.8), 0.7345, 200, 1830, 2010),
        ]);

        var files = DetectionReportWriter.Write(report, dir);

        File.ReadAllText(files.ApCsv).ShouldBe(
            "detector,ap,ap_easy,ap_hard,images,ground_truth_faces,detections,ms_per_image\n" +
            "blazeface-back,0.5120,0.8000,0.3000,200,1830,1402,6.3\n" +
            "yunet,0.7345,,,200,1830,2010,\n");
        using var pr = PngImage.Load(files.PrecisionRecallPng);
        (pr.Width, pr.Height).ShouldBe((900, 640));
        pr.PixelsNear(new SkiaSharp.SKColor(0xff, 0x7f, 0x0e)).Count.ShouldBeGreaterThan(500);
        File.ReadAllText(files.IndexHtml).ShouldContain("<td>yunet</td><td class=\"num\">0.7345</td>");
    }

    [Fact]
    public void EvalPageRendersInTheBrowser()
    {
        HeadlessChromium.Require();
        var dir = RepoPaths.NewTempDir("doppel-verify-report");
        var files = VerificationReportWriter.Write(new VerificationReport("Verification", "lfw-dev", [Model("dlib-resnet29", 0.5, 3)]), dir);
        var dom = HeadlessChromium.DumpDom(files.IndexHtml);
        dom.ShouldContain("<table id=\"metrics\">");
        dom.ShouldContain("<td>dlib-resnet29</td>");
        var shot = Path.Combine(dir, "shot.png");
        HeadlessChromium.Screenshot(files.IndexHtml, shot, 1280, 1600);
        using var png = PngImage.Load(shot);
        (png.Width, png.Height).ShouldBe((1280, 1600));
        png.LuminanceVariance().ShouldBeGreaterThan(100);
    }

    [Fact]
    public void EmptyReportsAreClearErrors()
    {
        var dir = RepoPaths.NewTempDir("doppel-empty-report");
        Should.Throw<ArgumentException>(() => VerificationReportWriter.Write(new VerificationReport("v", "d", []), dir)).Message.ShouldContain("at least one result");
        Should.Throw<ArgumentException>(() => DetectionReportWriter.Write(new DetectionReport("d", "w", 0.5, []), dir)).Message.ShouldContain("at least one result");
    }
}
