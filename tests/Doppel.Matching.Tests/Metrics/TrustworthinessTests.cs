using Doppel.Matching.Metrics;

namespace Doppel.Matching.Tests.Metrics;

public class TrustworthinessTests
{
    /// <summary>Points on a quarter circle (angle = position), so cosine order = angle order.</summary>
    private static VectorSet OnArc(params double[] angles)
    {
        var set = new VectorSet(2);
        foreach (var a in angles)
            set.Add(set.Count, [(float)Math.Cos(a), (float)Math.Sin(a)]);
        return set;
    }

    [Fact]
    public void A_layout_that_keeps_the_order_scores_one()
    {
        double[] angles = [0, 0.1, 0.25, 0.45, 0.7, 1.0, 1.2, 1.5];
        var layout = angles.Select(a => (float)(a * 3)).ToArray();
        Trustworthiness.Compute(OnArc(angles), layout, 1, k: 2).ShouldBe(1.0, 1e-12);
    }

    [Fact]
    public void Swapped_points_are_penalised_by_their_original_rank_beyond_k()
    {
        // Angles 0, 0.1, 0.25, 0.45, 0.7, 1.0; the layout moves point 0 past point 4 and point 5 before point 1.
        double[] angles = [0, 0.1, 0.25, 0.45, 0.7, 1.0];
        float[] layout = [10f, 1f, 2f, 3.5f, 5.5f, -0.5f];
        // k = 1. Layout nearest → its rank around the point in the original space (penalty rank − 1):
        // 0→4 (rank 4, +3), 1→2 (rank 2 behind point 0, +1), 2→1 (1), 3→2 (1), 4→3 (1), 5→1 (rank 4, +3).
        // T = 1 − 7 · 2 / (6 · 1 · (12 − 3 − 1)) = 1 − 14/48.
        Trustworthiness.Compute(OnArc(angles), layout, 1, k: 1).ShouldBe(1 - 14.0 / 48, 1e-12);
    }

    [Fact]
    public void K_must_be_below_half_the_points()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => Trustworthiness.Compute(OnArc(0, 0.1, 0.2, 0.3), new float[4], 1, k: 2));
    }
}
