using System.Globalization;
using Doppel.Vision.Embedding;
using Doppel.Vision.Tests.Support;

namespace Doppel.Vision.Tests.Pipeline;

/// <summary>Produces the constants of <see cref="DlibResNet29Calibration"/>: the mean raw vector of
/// LFW dev-train faces and the cosine threshold that is best on pairsDevTrain after centring.
/// Explicit: run with <c>-- --filter-method '*PrintDlibCalibration*'</c> and paste its output.</summary>
public sealed class LfwCalibration(ITestOutputHelper output)
{
    [Fact(Explicit = true)]
    public void PrintDlibCalibration()
    {
        var raw = EmbedderSpec.DlibResNet29 with { CentringMean = null, NormIsQuality = true };
        var run = LfwRun.Get(raw, new EmbedderOptions());
        // Without centring the pipeline gives v / |v| and the norm, so v = unit * norm.
        var trainImages = Lfw.Pairs("pairsDevTrain.txt").SelectMany(p => new[] { p.A, p.B }).Distinct().ToList();
        var mean = new double[128];
        int n = 0;
        foreach (var path in trainImages)
        {
            var face = run[path].Faces.FirstOrDefault();
            if (face is null) continue;
            var unit = face.Embeddings["dlib-resnet29"];
            var norm = RawNorm(run[path]);
            for (int d = 0; d < 128; d++) mean[d] += unit[d] * norm;
            n++;
        }
        var meanVector = mean.Select(m => (float)(m / n)).ToArray();
        var centred = raw with { CentringMean = meanVector };
        var centredRun = LfwRun.Get(centred, new EmbedderOptions());
        var (threshold, trainAccuracy) = Verification.BestThreshold(LfwRun.Score(centredRun, "dlib-resnet29", "pairsDevTrain.txt"));
        var testAccuracy = Verification.Accuracy(LfwRun.Score(centredRun, "dlib-resnet29", "pairsDevTest.txt"), threshold);
        var (rawThreshold, _) = Verification.BestThreshold(LfwRun.Score(run, "dlib-resnet29", "pairsDevTrain.txt"));
        var rawTest = Verification.Accuracy(LfwRun.Score(run, "dlib-resnet29", "pairsDevTest.txt"), rawThreshold);
        output.WriteLine($"faces averaged: {n}; uncentred: threshold {rawThreshold:0.0000}, test {rawTest:P2}; centred: threshold {threshold:0.0000}, train {trainAccuracy:P2}, test {testAccuracy:P2}");
        output.WriteLine($"public const float CosineThreshold = {threshold.ToString("0.0000", CultureInfo.InvariantCulture)}f;");
        output.WriteLine("MeanVector = [" + string.Join(", ", meanVector.Select(v => v.ToString("0.000000", CultureInfo.InvariantCulture) + "f")) + "];");
    }

    private static float RawNorm(ImageAnalysis analysis) => analysis.Faces[0].Quality
        ?? throw new InvalidOperationException("The calibration run needs raw norms as quality.");
}
