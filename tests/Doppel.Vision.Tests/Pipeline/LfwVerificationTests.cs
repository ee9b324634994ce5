using Doppel.Vision.Embedding;
using Doppel.Vision.Tests.Support;

namespace Doppel.Vision.Tests.Pipeline;

/// <summary>
/// The LFW dev protocol end to end in process with the default models (BlazeFace boxes, face-api's 68
/// landmarks, 8-bit dlib ResNet-29, cosine on the normalised raw output, the centred face of each
/// image): threshold from pairsDevTrain, accuracy on pairsDevTest. Needs a Release build to run in
/// reasonable time. Measured 2026-11-24: 98.9 % (docs/benchmarks.md; the CLI's EvalVerifyCommandTests
/// hold the same floor through the command a user runs).
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
        testAccuracy.ShouldBeGreaterThanOrEqualTo(0.988);
        // The calibrated default must be close to what this run finds best.
        Verification.Accuracy(LfwRun.Score(run, "dlib-resnet29", "pairsDevTest.txt"), EmbedderSpec.DlibResNet29.DefaultThreshold)
            .ShouldBeGreaterThanOrEqualTo(0.986);
    }

    /// <summary>Flip TTA changes every vector (a mirror that did nothing would leave them equal) and keeps
    /// the accuracy: measured +0.1 point with the float graph on BlazeFace keypoints and face-api's landmarks alike.</summary>
    [Fact]
    public void FlipTtaChangesTheVectorsAndKeepsTheAccuracy()
    {
        var plain = LfwRun.Get(EmbedderSpec.DlibResNet29, new EmbedderOptions { FlipTta = false });
        var flipped = LfwRun.Get(EmbedderSpec.DlibResNet29, new EmbedderOptions { FlipTta = true });
        double Test(IReadOnlyDictionary<string, ImageAnalysis> run)
        {
            var (t, _) = Verification.BestThreshold(LfwRun.Score(run, "dlib-resnet29", "pairsDevTrain.txt"));
            return Verification.Accuracy(LfwRun.Score(run, "dlib-resnet29", "pairsDevTest.txt"), t);
        }
        double a = Test(plain), b = Test(flipped);
        output.WriteLine($"dlib-resnet29 test accuracy: plain {a:P2}, flip TTA {b:P2}");
        b.ShouldBeGreaterThanOrEqualTo(a - 0.002);
        b.ShouldBeGreaterThanOrEqualTo(0.987);
        var cosines = plain.Keys.Where(k => plain[k].Faces.Count > 0 && flipped[k].Faces.Count > 0).Take(200)
            .Select(k => Verification.Cosine(plain[k].Faces[0].Embeddings["dlib-resnet29"], flipped[k].Faces[0].Embeddings["dlib-resnet29"])).ToList();
        cosines.Max().ShouldBeLessThan(0.9999f);
        cosines.Average().ShouldBeGreaterThan(0.95f);
    }
}
