using Doppel.Vision.Embedding;
using Doppel.Vision.Tests.Support;

namespace Doppel.Vision.Tests.Pipeline;

/// <summary>
/// The LFW dev protocol end to end with the default models (BlazeFace + dlib ResNet-29, centred
/// cosine): threshold from pairsDevTrain, accuracy on pairsDevTest. Needs a Release build to run in
/// reasonable time. Measured (2026-11-23): 97.1–97.2 % centred, 97.7 % on raw-vector cosine, 97.4 %
/// on raw Euclidean distance, +0.3 points with flip TTA. The target of 98.8 % is NOT reached;
/// the floors below guard what this alignment achieves so a regression is caught.
/// </summary>
public sealed class LfwVerificationTests(ITestOutputHelper output)
{
    [Fact]
    public void DlibResNet29ReachesTheAccuracyFloorOnLfwDevTest()
    {
        var run = LfwRun.Get(EmbedderSpec.DlibResNet29, new EmbedderOptions());
        // The detector finds every subject; the pipeline's confidence floor (0.6) drops one or two.
        var notOk = run.Values.Where(a => a.Status != ImageStatus.Ok).ToList();
        foreach (var a in notOk) output.WriteLine($"{Path.GetFileName(a.Path)}: {a.Status.ToCode()} ({a.Detail})");
        notOk.Count.ShouldBeLessThanOrEqualTo(2);
        var (threshold, trainAccuracy) = Verification.BestThreshold(LfwRun.Score(run, "dlib-resnet29", "pairsDevTrain.txt"));
        var testAccuracy = Verification.Accuracy(LfwRun.Score(run, "dlib-resnet29", "pairsDevTest.txt"), threshold);
        output.WriteLine($"dlib-resnet29: train threshold {threshold:0.0000} (train accuracy {trainAccuracy:P2}), test accuracy {testAccuracy:P2}");
        testAccuracy.ShouldBeGreaterThanOrEqualTo(0.968);
        // The calibrated default must be close to what this run finds best.
        Verification.Accuracy(LfwRun.Score(run, "dlib-resnet29", "pairsDevTest.txt"), EmbedderSpec.DlibResNet29.DefaultThreshold)
            .ShouldBeGreaterThanOrEqualTo(0.965);
    }

    [Fact]
    public void FlipTtaDoesNotLoseAccuracy()
    {
        var plain = LfwRun.Get(EmbedderSpec.DlibResNet29, new EmbedderOptions());
        var flipped = LfwRun.Get(EmbedderSpec.DlibResNet29, new EmbedderOptions { FlipTta = true });
        double Test(IReadOnlyDictionary<string, ImageAnalysis> run)
        {
            var (t, _) = Verification.BestThreshold(LfwRun.Score(run, "dlib-resnet29", "pairsDevTrain.txt"));
            return Verification.Accuracy(LfwRun.Score(run, "dlib-resnet29", "pairsDevTest.txt"), t);
        }
        double a = Test(plain), b = Test(flipped);
        output.WriteLine($"dlib-resnet29 test accuracy: plain {a:P2}, flip TTA {b:P2}");
        b.ShouldBeGreaterThanOrEqualTo(a - 0.003);
    }
}
