using Doppel.Jobs.Evaluation;
using Doppel.Testing;

namespace Doppel.Jobs.Tests;

public class VerificationProtocolTests
{
    /// <summary>Pairs whose images have hand-made vectors: same-person pairs score 0.9, different 0.1,
    /// except one different pair that scores 0.95 — so exactly one error among the test pairs.</summary>
    [Fact]
    public void TrainTestPicksTheThresholdOnTrainAndCountsTestErrors()
    {
        var dir = RepoPaths.NewTempDir();
        string[] names = ["A", "B", "C", "D"];
        foreach (var n in names)
            for (int i = 1; i <= 2; i++)
            {
                Directory.CreateDirectory(Path.Combine(dir, n));
                File.WriteAllText(Path.Combine(dir, LfwPairs.ImagePath(n, i.ToString())), "x");
            }
        var train = LfwPairs.Parse(["2", "A 1 2", "B 1 2", "A 1 B 1", "C 1 D 1"]);
        var test = LfwPairs.Parse(["2", "C 1 2", "D 1 2", "A 2 C 2", "B 2 D 2"]);
        // Unit vectors: person p image i -> angle chosen so dot products are as described.
        var v = new Dictionary<string, float[]>();
        float[] U(double deg) => [(float)Math.Cos(deg * Math.PI / 180), (float)Math.Sin(deg * Math.PI / 180)];
        // A: 0/25 deg (cos 25 = 0.906), B: 90/115, C: 180/205, D: 270/295; A2·C2 = cos 180 = -1; B2·D2 = -1.
        var angle = new Dictionary<string, double> { ["A"] = 0, ["B"] = 90, ["C"] = 180, ["D"] = 270 };
        foreach (var n in names)
            for (int i = 1; i <= 2; i++)
                v[Path.Combine(dir, LfwPairs.ImagePath(n, i.ToString()))] = U(angle[n] + (i - 1) * 25);
        // Make test pair B2-D2 a look-alike: move D2 next to B2.
        v[Path.Combine(dir, LfwPairs.ImagePath("D", "2"))] = U(115 + 5);
        var summary = VerificationProtocol.Run(dir, null, train, test, files => files.ToDictionary(f => f, f => (float[]?)v[f]));
        summary.Protocol.ShouldBe("train/test");
        summary.Pairs.ShouldBe(4);
        // D1-D2 is now far apart (a miss) and B2-D2 close (a false accept): 2 of 4 wrong.
        summary.Accuracy.ShouldBe(0.5, 1e-9);
        summary.Threshold.ShouldBeInRange(0.0, 0.906);
        summary.FailedImages.ShouldBe(0);
    }

    [Fact]
    public void AnImageWithoutAFaceMakesItsPairsScoreMinusOne()
    {
        var dir = RepoPaths.NewTempDir();
        foreach (var n in new[] { "A", "B" })
        {
            Directory.CreateDirectory(Path.Combine(dir, n));
            for (int i = 1; i <= 2; i++)
                File.WriteAllText(Path.Combine(dir, LfwPairs.ImagePath(n, i.ToString())), "x");
        }
        var pairs = LfwPairs.Parse(["2 1", "A 1 2", "A 1 B 1", "B 1 2", "A 2 B 2"]);
        var summary = VerificationProtocol.Run(dir, pairs, null, null,
            files => files.ToDictionary(f => f, f => f.EndsWith("B_0002.jpg") ? null : (float[]?)[1f, 0f]));
        summary.FailedImages.ShouldBe(1);
        summary.Evaluated.Scores.ShouldBe([1.0, 1.0, -1.0, -1.0]);
        summary.Protocol.ShouldBe("2-fold");
    }
}
