using System.Numerics.Tensors;
using Doppel.Matching.Clustering;

namespace Doppel.Matching.Tests.Clustering;

public class DbscanTests
{
    private static int[] OnLine(float[] xs, float eps, int minSamples) =>
        Dbscan.Cluster(NeighborGraph.Euclidean(xs, 1, eps), minSamples);

    [Fact]
    public void Only_points_with_min_samples_in_reach_found_clusters_and_the_rest_is_noise()
    {
        float[] xs = [0f, 0.5f, 1.0f, 5f, 5.4f, 9f];
        // eps 0.6, min_samples 3 (self included): only 0.5 is core; it reaches 0 and 1.
        OnLine(xs, 0.6f, 3).ShouldBe([0, 0, 0, -1, -1, -1]);
        // min_samples 2: every point with one neighbour is core; 9 is alone.
        OnLine(xs, 0.6f, 2).ShouldBe([0, 0, 0, 1, 1, -1]);
        // min_samples 1: every point is core, the lone one is its own cluster.
        OnLine(xs, 0.6f, 1).ShouldBe([0, 0, 0, 1, 1, 2]);
    }

    [Fact]
    public void A_border_point_between_two_clusters_takes_the_cluster_grown_first()
    {
        // Left cluster 0.0–0.9, right cluster 2.7–3.6, border point 1.8 within eps = 1 of 0.9 and 2.7
        // but with only 3 points (itself included) in reach, below min_samples 4.
        float[] left = [0f, 0.3f, 0.6f, 0.9f], right = [2.7f, 3.0f, 3.3f, 3.6f];
        float border = 1.8f;
        OnLine([.. right, border, .. left], 1f, 4).ShouldBe([0, 0, 0, 0, 0, 1, 1, 1, 1]);
        OnLine([.. left, border, .. right], 1f, 4).ShouldBe([0, 0, 0, 0, 0, 1, 1, 1, 1]);
        // Border point first in the order: it is not core, so it cannot seed; the cluster reaching it first wins.
        OnLine([border, .. right, .. left], 1f, 4).ShouldBe([0, 0, 0, 0, 0, 1, 1, 1, 1]);
    }

    [Fact]
    public void Cosine_distance_within_eps_links_faces()
    {
        var set = new VectorSet(2);
        set.Add(0, [1f, 0f]);
        set.Add(1, [MathF.Cos(0.5f), MathF.Sin(0.5f)]);   // cosine distance 1 − cos 0.5 ≈ 0.122
        set.Add(2, [-1f, 0f]);                              // distance 2
        Dbscan.Cluster(set, eps: 0.13f, minSamples: 2).ShouldBe([0, 0, -1]);
        Dbscan.Cluster(set, eps: 0.12f, minSamples: 2).ShouldBe([-1, -1, -1]);
    }

    [Theory]
    [InlineData(1, 0.15f, 1)]
    [InlineData(2, 0.20f, 2)]
    [InlineData(3, 0.25f, 3)]
    [InlineData(4, 0.30f, 5)]
    [InlineData(5, 0.35f, 8)]
    [InlineData(6, 0.32f, 6)]
    public void Labels_equal_a_brute_force_reference_on_random_clustered_data(int seed, float eps, int minSamples)
    {
        var rng = new Random(seed);
        var sizes = Enumerable.Range(0, 25).Select(_ => rng.Next(1, 20)).ToArray();
        var data = ClusteredVectors.Create(seed, sizes, dimension: 16, spread: 0.6, outliers: 20);
        var expected = ReferenceDbscan(data.Vectors, eps, minSamples);
        expected.Max().ShouldBeGreaterThan(2, "the case should have several clusters");
        if (minSamples > 1)
            expected.ShouldContain(-1, "the case should have noise");
        Dbscan.Cluster(data.Vectors, eps, minSamples).ShouldBe(expected);
    }

    [Fact]
    public void An_empty_set_has_no_labels_and_a_nan_eps_is_rejected()
    {
        Dbscan.Cluster(new VectorSet(4), 0.5f, 2).ShouldBeEmpty();
        var set = new VectorSet(2);
        set.Add(0, [1f, 0f]);
        Should.Throw<ArgumentOutOfRangeException>(() => Dbscan.Cluster(set, float.NaN, 2));
    }

    [Fact]
    public void Rejects_min_samples_below_one()
    {
        var set = new VectorSet(2);
        set.Add(0, [1f, 0f]);
        Should.Throw<ArgumentOutOfRangeException>(() => Dbscan.Cluster(set, 0.5f, 0));
    }

    /// <summary>
    /// Textbook DBSCAN (Ester et al. 1996) over the full distance matrix: breadth-first, a point is
    /// labelled when first reached. It numbers clusters from the lowest-index unlabelled core point
    /// and a border point keeps the first cluster that reaches it — the labels sklearn produces.
    /// </summary>
    private static int[] ReferenceDbscan(VectorSet v, float eps, int minSamples)
    {
        int n = v.Count;
        var within = new List<int>[n];
        for (int i = 0; i < n; i++)
        {
            within[i] = [];
            for (int j = 0; j < n; j++)
                if (1f - TensorPrimitives.Dot(v.Row(i), v.Row(j)) <= eps || i == j)
                    within[i].Add(j);
        }
        var labels = Enumerable.Repeat(-1, n).ToArray();
        int cluster = 0;
        for (int i = 0; i < n; i++)
        {
            if (labels[i] != -1 || within[i].Count < minSamples)
                continue;
            labels[i] = cluster;
            var queue = new Queue<int>(within[i]);
            while (queue.Count > 0)
            {
                int p = queue.Dequeue();
                if (labels[p] != -1)
                    continue;
                labels[p] = cluster;
                if (within[p].Count >= minSamples)
                    foreach (int q in within[p])
                        if (labels[q] == -1)
                            queue.Enqueue(q);
            }
            cluster++;
        }
        return labels;
    }
}
