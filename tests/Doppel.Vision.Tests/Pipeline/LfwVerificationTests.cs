using Doppel.Vision.Embedding;
using Doppel.Vision.Tests.Support;

namespace Doppel.Vision.Tests.Pipeline;

/// <summary>
/// The LFW dev protocol end to end with the default models (BlazeFace + dlib ResNet-29, cosine on the
/// normalised raw output, the centred face of each image): threshold from pairsDevTrain, accuracy on
/// pairsDevTest. Needs a Release build to run in reasonable time. Measured (2026-11-23, bench
/// lfw-dump/lfw-template): 98.4 % plain, 98.7 % with flip TTA; 10-fold over all 3,200 dev pairs 99.0 %.
/// The 98.8 % on pairsDevTest is NOT reached by BlazeFace + dlib (it is with the 68-point
/// landmark model, see docs/benchmarks.md); the floors guard what this pipeline achieves.
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
        testAccuracy.ShouldBeGreaterThanOrEqualTo(0.982);
        // The calibrated default must be close to what this run finds best.
        Verification.Accuracy(LfwRun.Score(run, "dlib-resnet29", "pairsDevTest.txt"), EmbedderSpec.DlibResNet29.DefaultThreshold)
            .ShouldBeGreaterThanOrEqualTo(0.980);
    }

    [Fact]
    public void FlipTtaGainsAccuracy()
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
        // Measured +0.3 points; a flip that only matched would be a broken mirror.
        b.ShouldBeGreaterThanOrEqualTo(a + 0.001);
    }
}
