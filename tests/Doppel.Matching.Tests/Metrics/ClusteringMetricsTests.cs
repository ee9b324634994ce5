using Doppel.Matching.Metrics;

namespace Doppel.Matching.Tests.Metrics;

public class ClusteringMetricsTests
{
    [Fact]
    public void Mixed_case_matches_hand_computed_pairwise_and_bcubed_scores()
    {
        // Clusters {0,1} (identity 0), {2,3,4} (identities 0,1,1), item 5 noise (identity 2).
        int[] truth = [0, 0, 0, 1, 1, 2];
        int[] predicted = [0, 0, 1, 1, 1, -1];
        var s = ClusteringMetrics.Evaluate(truth, predicted);
        // Same-cluster pairs: 1 + 3 = 4, of which same identity: (0,1) and (3,4) = 2. Same-identity pairs: 3 + 1 = 4.
        s.Pairwise.Precision.ShouldBe(0.5, 1e-12);
        s.Pairwise.Recall.ShouldBe(0.5, 1e-12);
        s.Pairwise.F.ShouldBe(0.5, 1e-12);
        // BCubed precision: 1 + 1 + 1/3 + 2/3 + 2/3 + 1 = 14/3 over 6 items; recall: 2/3 + 2/3 + 1/3 + 1 + 1 + 1 = 14/3.
        s.BCubed.Precision.ShouldBe(7.0 / 9, 1e-12);
        s.BCubed.Recall.ShouldBe(7.0 / 9, 1e-12);
        s.PredictedClusters.ShouldBe(2);
        s.NoiseItems.ShouldBe(1);
        s.TrueClusters.ShouldBe(3);
        s.TrueClustersWithTwoOrMore.ShouldBe(2);
        s.Items.ShouldBe(6);
    }

    [Fact]
    public void Everything_in_one_cluster_has_full_recall_and_low_precision()
    {
        var s = ClusteringMetrics.Evaluate([0, 0, 1], [5, 5, 5]);
        s.Pairwise.Precision.ShouldBe(1.0 / 3, 1e-12);
        s.Pairwise.Recall.ShouldBe(1.0);
        s.BCubed.Precision.ShouldBe(5.0 / 9, 1e-12);   // (2/3 + 2/3 + 1/3) / 3
        s.BCubed.Recall.ShouldBe(1.0);
        s.BCubed.F.ShouldBe(2 * (5.0 / 9) / (5.0 / 9 + 1), 1e-12);
    }

    [Fact]
    public void All_noise_is_all_singletons_precise_but_recalling_nothing_pairwise()
    {
        var s = ClusteringMetrics.Evaluate([0, 0, 1], [-1, -1, -1]);
        s.Pairwise.Precision.ShouldBe(1.0);   // no pair claimed, no wrong merge
        s.Pairwise.Recall.ShouldBe(0.0);
        s.Pairwise.F.ShouldBe(0.0);
        s.BCubed.Precision.ShouldBe(1.0);
        s.BCubed.Recall.ShouldBe(2.0 / 3, 1e-12);   // (1/2 + 1/2 + 1) / 3
        s.PredictedClusters.ShouldBe(0);
        s.NoiseItems.ShouldBe(3);
    }

    [Fact]
    public void A_perfect_clustering_scores_one_whatever_the_label_numbers()
    {
        var s = ClusteringMetrics.Evaluate([3, 3, 7, 7, 9], [1, 1, 0, 0, -1]);
        s.Pairwise.F.ShouldBe(1.0);
        s.BCubed.F.ShouldBe(1.0);
        s.PredictedClusters.ShouldBe(2);
        s.TrueClusters.ShouldBe(3);
    }

    [Fact]
    public void Different_lengths_are_rejected()
    {
        Should.Throw<ArgumentException>(() => ClusteringMetrics.Evaluate([0, 1], [0]));
    }

    [Fact]
    public void Encode_numbers_identities_by_first_appearance()
    {
        ClusteringMetrics.Encode(["bob", "ann", "bob", "cy"]).ShouldBe([0, 1, 0, 2]);
    }
}
