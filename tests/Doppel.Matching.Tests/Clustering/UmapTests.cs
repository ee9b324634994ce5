using Doppel.Matching.Clustering;
using Doppel.Matching.Metrics;

namespace Doppel.Matching.Tests.Clustering;

public class UmapTests
{
    [Theory]
    // Reference values from umap-learn 0.5.3's find_ab_params (scipy curve_fit) on this machine.
    [InlineData(0.1, 1.0, 1.5769, 0.8951)]
    [InlineData(0.0, 1.0, 1.9328, 0.7905)]
    [InlineData(0.5, 1.0, 0.5830, 1.3340)]
    public void Curve_parameters_match_umap_learn(double minDist, double spread, double a, double b)
    {
        var (fitA, fitB) = UmapCurve.Fit(minDist, spread);
        fitA.ShouldBe(a, 0.01);
        fitB.ShouldBe(b, 0.01);
    }

    [Theory]
    [InlineData(UmapInit.Spectral)]
    [InlineData(UmapInit.Random)]
    public void Layout_of_separated_clusters_is_trustworthy_and_keeps_clusters_apart(UmapInit init)
    {
        var data = ClusteredVectors.Create(seed: 5, clusterSizes: [40, 35, 30, 25, 20], dimension: 32, spread: 0.7);
        var layout = Umap.FitTransform(data.Vectors, new UmapOptions(Neighbors: 10, Components: 2, MinDist: 0.1, Epochs: 200, Seed: 1, Init: init));
        layout.Length.ShouldBe(data.Vectors.Count * 2);
        layout.ShouldAllBe(v => float.IsFinite(v));
        Trustworthiness.Compute(data.Vectors, layout, 2, k: 5).ShouldBeGreaterThan(0.9);
        var labels = Dbscan.Cluster(NeighborGraph.Euclidean(layout, 2, eps: 0.5f), minSamples: 3);
        ClusteringMetrics.Evaluate(data.Truth, labels).Pairwise.F.ShouldBeGreaterThan(0.95);
    }

    [Theory]
    [InlineData(UmapInit.Spectral)]
    [InlineData(UmapInit.Random)]
    public void Same_seed_gives_the_same_layout_and_another_seed_a_different_one(UmapInit init)
    {
        var data = ClusteredVectors.Create(seed: 2, clusterSizes: [20, 20, 20], dimension: 16, spread: 0.7);
        var options = new UmapOptions(Neighbors: 8, Epochs: 50, Seed: 7, Init: init);
        var first = Umap.FitTransform(data.Vectors, options);
        Umap.FitTransform(data.Vectors, options).ShouldBe(first);
        Umap.FitTransform(data.Vectors, options with { Seed = 8 }).ShouldNotBe(first);
    }

    /// <summary>Clusters of 60 down to 5 members, far apart: with 5 neighbours (itself included) each is its own graph component.</summary>
    private static ClusteredVectors SeparatedIdentities() =>
        ClusteredVectors.Create(seed: 11, clusterSizes: [60, 45, 30, 20, 12, 8, 5], dimension: 64, spread: 0.5);

    /// <summary>3 output dimensions: components under 2·3 points (the 5-member one) start at random, the others spectral, as in umap-learn.</summary>
    private static readonly UmapOptions PerComponentOptions = new(Neighbors: 5, Components: 3, MinDist: 0.1, Epochs: 200, Seed: 3);

    [Fact]
    public void Each_graph_component_is_laid_out_on_its_own_and_components_never_overlap()
    {
        var data = SeparatedIdentities();
        var sizes = Umap.ComponentSizes(data.Vectors, PerComponentOptions);
        sizes.ShouldBe([60, 45, 30, 20, 12, 8, 5]);

        var layout = Umap.FitTransform(data.Vectors, PerComponentOptions);
        layout.ShouldAllBe(v => float.IsFinite(v));
        // Points of different identities (= different components here) are at least the packing gap apart.
        double closest = double.PositiveInfinity;
        for (int i = 0; i < data.Vectors.Count; i++)
            for (int j = i + 1; j < data.Vectors.Count; j++)
                if (data.Truth[i] != data.Truth[j])
                    closest = Math.Min(closest, Math.Sqrt(Enumerable.Range(0, 3).Sum(c => Math.Pow(layout[3 * i + c] - layout[3 * j + c], 2))));
        closest.ShouldBeGreaterThanOrEqualTo(UmapArrangement.Gap);
        // So a layout ε below the gap recovers every identity, the 5-member one (random start) included.
        var labels = Dbscan.Cluster(NeighborGraph.Euclidean(layout, 3, eps: 1f), minSamples: 2);
        ClusteringMetrics.Evaluate(data.Truth, labels).Pairwise.F.ShouldBe(1.0);
    }

    [Fact]
    public void Per_component_layout_is_trustworthy_on_a_fixed_seed()
    {
        // Trustworthiness (k = 5) of this seeded layout measured 0.954 (the whole-graph layout of the
        // same graph: 0.950); the floor leaves room for floating-point noise only.
        var data = SeparatedIdentities();
        var layout = Umap.FitTransform(data.Vectors, PerComponentOptions);
        Trustworthiness.Compute(data.Vectors, layout, 3, k: 5).ShouldBeGreaterThan(0.95);
    }

    [Fact]
    public void Smooth_knn_sigma_makes_memberships_sum_to_log2_k()
    {
        // One point with neighbour distances 0 (itself), 0.1, 0.2, 0.4, 0.8: ρ = 0.1 and
        // Σ_{j≥1} exp(−(d_j − ρ)/σ) = log2 5.
        float[] distances = [0f, 0.1f, 0.2f, 0.4f, 0.8f];
        var (sigmas, rhos) = FuzzySimplicialSet.SmoothKnnDistances(1, 5, distances);
        rhos[0].ShouldBe(0.1, 1e-7);
        double sum = distances.Skip(1).Sum(d => Math.Exp(-Math.Max(0, d - rhos[0]) / sigmas[0]));
        sum.ShouldBe(Math.Log2(5), 1e-4);
    }

    [Fact]
    public void Rejects_a_single_point()
    {
        var set = new VectorSet(3);
        set.Add(0, [1f, 0f, 0f]);
        Should.Throw<ArgumentException>(() => Umap.FitTransform(set));
    }
}
