using Doppel.Models.Conversion;
using Doppel.Testing;
using Microsoft.ML.OnnxRuntime;

namespace Doppel.Models.Tests;

/// <summary>
/// The strongest check of the conversion's layout: real faces. With a fixed centre crop instead of
/// a detector and alignment, the converted MobileFaceNet still separates LFW pairs far above
/// chance; a transposed or mis-padded graph falls to about 50 %.
/// </summary>
public class TfliteMobileFaceNetLfwTests
{
    /// <summary>Measured 0.968 (best cosine threshold 0.309) on pairsDevTest with
    /// <see cref="TfliteLfwCentreCrop.DefaultCrop"/>; a wrong layout gives about 0.5. The floor
    /// leaves room for JPEG decoder and CPU kernel differences across machines.</summary>
    private const double AccuracyFloor = 0.93;

    [Fact]
    public void CentreCroppedLfwPairsAreVerifiedFarAboveChance()
    {
        var lfw = SharedData.Require("data/lfw-dev");
        var onnx = TfliteMobileFaceNetSource.RequireOnnx();
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        using var session = new InferenceSession(onnx, options);

        var pairs = TfliteLfwCentreCrop.ReadPairs(lfw, "pairsDevTest.txt");
        pairs.Count.ShouldBe(1000);
        pairs.Count(p => p.Same).ShouldBe(500);
        var embeddings = TfliteLfwCentreCrop.Embed(session, TfliteMobileFaceNet.InputName,
            pairs.SelectMany(p => new[] { p.First, p.Second }), TfliteLfwCentreCrop.DefaultCrop, TfliteMobileFaceNet.InputSize);
        var (accuracy, threshold) = TfliteLfwCentreCrop.BestThreshold(TfliteLfwCentreCrop.Score(pairs, embeddings));

        TestContext.Current.SendDiagnosticMessage($"MobileFaceNet-192 centre crop, LFW pairsDevTest: accuracy {accuracy:P2} at cosine {threshold:F3}");
        accuracy.ShouldBeGreaterThan(AccuracyFloor);
        // Same-person cosines sit well above different-person ones: the threshold lands mid-range.
        threshold.ShouldBeInRange(0.1f, 0.6f);
    }
}
