using Doppel.Matching.Clustering;
using Doppel.Matching.Metrics;

namespace Doppel.Matching.Tests.Clustering;

public class HdbscanTests
{
    private static int[] OnLine(double[] xs, int minClusterSize, int? minSamples = null) =>
        ClusteredVectors.Canonical(Hdbscan.Cluster(xs.Length, (a, b) => Math.Abs(xs[a] - xs[b]), minClusterSize, minSamples));

    [Fact]
    public void Two_separate_groups_become_two_clusters_and_a_far_point_is_noise()
    {
        // Each group merges at distance 1 and splits from the other at 17: both groups outlive the
        // root, their points all leave at λ = 1, so each is a stable leaf; the root is never selected.
        OnLine([0, 1, 2, 3, 20, 21, 22, 23], minClusterSize: 3, minSamples: 1).ShouldBe([0, 0, 0, 0, 1, 1, 1, 1]);
        OnLine([0, 1, 2, 3, 20, 21, 22, 23, 100], minClusterSize: 3, minSamples: 1).ShouldBe([0, 0, 0, 0, 1, 1, 1, 1, -1]);
    }

    [Fact]
    public void Excess_of_mass_keeps_a_parent_more_stable_than_its_children()
    {
        // A = 0..3 and B = 4.5..7.5 split at distance 1.5; C = 100..103 is far away.
        // AB is born at λ = 1/92.5 and holds 8 points until λ = 1/1.5: stability 8·(0.667 − 0.011) ≈ 5.25,
        // more than A + B = 2 · 4·(1 − 0.667) ≈ 2.67, so AB is one cluster; C is the other.
        double[] xs = [0, 1, 2, 3, 4.5, 5.5, 6.5, 7.5, 100, 101, 102, 103];
        OnLine(xs, minClusterSize: 3, minSamples: 1).ShouldBe([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    }

    [Fact]
    public void Children_more_stable_than_the_parent_replace_it()
    {
        // Same layout with a wide gap between A and B (distance 30): AB is born at λ = 1/70 and splits at
        // λ = 1/30, stability 8·(0.033 − 0.014) ≈ 0.15, while A and B each hold 4 points to λ = 1: ≈ 2 · 3.87.
        double[] xs = [0, 1, 2, 3, 33, 34, 35, 36, 106, 107, 108, 109];
        OnLine(xs, minClusterSize: 3, minSamples: 1).ShouldBe([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    }

    [Fact]
    public void Min_samples_raises_core_distances_and_turns_a_remote_pair_into_noise()
    {
        double[] xs = [0, 1, 2, 3, 20, 21, 22, 23, 60, 61];
        // min_samples 1: core distances are 0, so the pair 60–61 is a cluster of min_cluster_size 2.
        OnLine(xs, minClusterSize: 2, minSamples: 1).ShouldBe([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
        // min_samples 3: the pair's core distances are 37 and 38 (its second-nearest point is 23), so
        // each of them leaves the root alone, as noise.
        OnLine(xs, minClusterSize: 2, minSamples: 3).ShouldBe([0, 0, 0, 0, 1, 1, 1, 1, -1, -1]);
    }

    [Fact]
    public void Recovers_separated_face_like_clusters_and_leaves_random_outliers_as_noise()
    {
        var data = ClusteredVectors.Create(seed: 11, clusterSizes: [30, 25, 20, 15, 10], dimension: 32, spread: 0.5, outliers: 8);
        var labels = Hdbscan.Cluster(data.Vectors, minClusterSize: 5, minSamples: 3);
        var clustered = Enumerable.Range(0, labels.Length).Where(i => data.Truth[i] >= 0).ToArray();
        var scores = ClusteringMetrics.Evaluate(
            clustered.Select(i => data.Truth[i]).ToArray(), clustered.Select(i => labels[i]).ToArray());
        scores.BCubed.F.ShouldBe(1.0);
        scores.PredictedClusters.ShouldBe(5);
        Enumerable.Range(0, labels.Length).Where(i => data.Truth[i] < 0).Select(i => labels[i]).ShouldAllBe(l => l == -1);
    }

    [Fact]
    public void Identical_points_do_not_break_stabilities()
    {
        double[] xs = [0, 0, 0, 0, 10, 10, 10, 10];
        OnLine(xs, minClusterSize: 2, minSamples: 2).ShouldBe([0, 0, 0, 0, 1, 1, 1, 1]);
    }

    [Fact]
    public void Rejects_min_cluster_size_below_two()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => Hdbscan.Cluster(3, (a, b) => 1, minClusterSize: 1));
    }
}
