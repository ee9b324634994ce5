using Doppel.Vision.Embedding;
using Doppel.Vision.Tests.Support;

namespace Doppel.Vision.Tests.Pipeline;

/// <summary>Produces <see cref="DlibResNet29Calibration.CosineThreshold"/>: the range of thresholds
/// that are most accurate on pairsDevTrain (the constant is its middle). Explicit: run with
/// <c>-- --filter-method '*PrintDlibCalibration*'</c> and paste its output.</summary>
public sealed class LfwCalibration(ITestOutputHelper output)
{
    [Fact(Explicit = true)]
    public void PrintDlibCalibration()
    {
        var run = LfwRun.Get(EmbedderSpec.DlibResNet29, new EmbedderOptions());
        var train = LfwRun.Score(run, "dlib-resnet29", "pairsDevTrain.txt");
        var (threshold, trainAccuracy) = Verification.BestThreshold(train);
        var optimal = train.Select(s => s.Score).Distinct().Order()
            .Where(t => Math.Abs(Verification.Accuracy(train, t) - trainAccuracy) < 1e-12).ToList();
        var test = LfwRun.Score(run, "dlib-resnet29", "pairsDevTest.txt");
        output.WriteLine($"train accuracy {trainAccuracy:P2} for thresholds in [{optimal.Min():0.0000}, {optimal.Max():0.0000}]; " +
                         $"test {Verification.Accuracy(test, threshold):P2} at {threshold:0.0000}");
        output.WriteLine($"public const float CosineThreshold = {(optimal.Min() + optimal.Max()) / 2:0.0000}f;");
    }
}
