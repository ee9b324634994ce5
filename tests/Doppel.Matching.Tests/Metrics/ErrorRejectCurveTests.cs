using Doppel.Matching.Metrics;

namespace Doppel.Matching.Tests.Metrics;

public class ErrorRejectCurveTests
{
    [Fact]
    public void Threshold_lets_through_at_most_the_allowed_share_of_impostors()
    {
        // 2,000 impostors 0.0000 .. 0.1999: FMR 1e-3 allows 2, so the threshold sits just above the 3rd highest.
        var impostors = Enumerable.Range(0, 2000).Select(i => i / 10000f).Reverse().ToArray();
        double t = ErrorRejectCurve.ThresholdAtFmr(impostors, 1e-3);
        impostors.Count(s => s >= t).ShouldBe(2);
        t.ShouldBeGreaterThan(0.1997);
        t.ShouldBeLessThan(0.1998);
        Should.Throw<ArgumentException>(() => ErrorRejectCurve.ThresholdAtFmr([], 1e-3));
    }

    [Fact]
    public void Rejecting_by_quality_removes_the_failures_quality_points_at()
    {
        // Ten genuine comparisons, two below the threshold 0.5; quality ranks those two lowest.
        double[] scores = [0.2, 0.9, 0.8, 0.4, 0.95, 0.7, 0.85, 0.9, 0.75, 0.8];
        double[] quality = [0.1, 0.9, 0.8, 0.2, 0.95, 0.7, 0.85, 0.9, 0.75, 0.8];
        var curve = ErrorRejectCurve.Curve(scores, quality, 0.5, [0, 0.1, 0.2, 0.5]);
        curve.Select(p => p.Fnmr).ShouldBe([0.2, 1 / 9.0, 0, 0], 1e-12);
        ErrorRejectCurve.RelativeDrop(curve, 0.1).ShouldBe(1 - (1 / 9.0) / 0.2, 1e-12);

        // Quality that is backwards makes things worse: the failures stay while good pairs go.
        var inverted = ErrorRejectCurve.Curve(scores, quality.Select(q => -q).ToArray(), 0.5, [0, 0.5]);
        inverted[1].Fnmr.ShouldBe(2 / 5.0, 1e-12);
    }

    [Fact]
    public void Random_rejection_leaves_the_rate_about_where_it_was()
    {
        var rng = new Random(3);
        var scores = Enumerable.Range(0, 2000).Select(_ => rng.NextDouble() < 0.1 ? 0.1 : 0.9).ToArray();
        double fnmr = scores.Count(s => s < 0.5) / 2000.0;
        var curve = ErrorRejectCurve.RandomCurve(scores, 0.5, [0, 0.1, 0.3]);
        curve[0].Fnmr.ShouldBe(fnmr, 1e-12);
        foreach (var p in curve) p.Fnmr.ShouldBe(fnmr, 0.01);
    }
}
