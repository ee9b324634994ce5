using Doppel.Matching.Metrics;

namespace Doppel.Matching.Tests.Metrics;

public class VerificationMetricsTests
{
    // Three same-identity pairs (0.9, 0.7, 0.6) and three different (0.8, 0.4, 0.3).
    private static readonly double[] Scores = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3];
    private static readonly bool[] Same = [true, false, true, true, false, false];

    [Fact]
    public void Roc_walks_from_nothing_accepted_to_everything_accepted()
    {
        var roc = VerificationMetrics.Roc(Scores, Same);
        roc.Select(p => (p.FalseAcceptRate, p.TrueAcceptRate)).ShouldBe(
        [
            (0.0, 0.0), (0.0, 1.0 / 3), (1.0 / 3, 1.0 / 3), (1.0 / 3, 2.0 / 3), (1.0 / 3, 1.0), (2.0 / 3, 1.0), (1.0, 1.0),
        ]);
        roc[0].Threshold.ShouldBe(double.PositiveInfinity);
        roc[4].Threshold.ShouldBe(0.6);
    }

    [Fact]
    public void Auc_equals_the_fraction_of_correctly_ordered_same_different_pairs()
    {
        // 0.9 beats 3 different pairs, 0.7 and 0.6 beat 2 each: 7 of 9.
        VerificationMetrics.Auc(Scores, Same).ShouldBe(7.0 / 9, 1e-12);
    }

    [Fact]
    public void Tied_scores_count_half_in_the_auc()
    {
        VerificationMetrics.Auc([0.5, 0.5], [true, false]).ShouldBe(0.5, 1e-12);
    }

    [Fact]
    public void Tar_at_far_takes_the_best_threshold_within_the_false_accept_budget()
    {
        var strict = VerificationMetrics.TarAtFar(Scores, Same, 0.0);
        strict.TrueAcceptRate.ShouldBe(1.0 / 3, 1e-12);
        strict.Threshold.ShouldBe(0.9);
        var loose = VerificationMetrics.TarAtFar(Scores, Same, 0.34);
        loose.TrueAcceptRate.ShouldBe(1.0);
        loose.Threshold.ShouldBe(0.6);
    }

    [Fact]
    public void Equal_error_rate_is_where_false_accepts_equal_false_rejects()
    {
        // At threshold 0.7: one of three different pairs accepted, one of three same pairs rejected.
        VerificationMetrics.EqualErrorRate(Scores, Same).ShouldBe(1.0 / 3, 1e-12);
        // Perfectly separated scores: 0.
        VerificationMetrics.EqualErrorRate([0.9, 0.8, 0.2, 0.1], [true, true, false, false]).ShouldBe(0.0, 1e-12);
    }

    [Fact]
    public void Best_threshold_is_the_midpoint_with_the_most_correct_pairs()
    {
        var (threshold, accuracy) = VerificationMetrics.BestThreshold(Scores, Same);
        threshold.ShouldBe(0.5, 1e-12);   // rejects 0.4 and 0.3, accepts the rest: 5 of 6 right
        accuracy.ShouldBe(5.0 / 6, 1e-12);
        VerificationMetrics.Accuracy(Scores, Same, threshold).ShouldBe(5.0 / 6, 1e-12);
    }

    [Fact]
    public void K_fold_chooses_each_threshold_on_the_other_folds()
    {
        double[] scores = [0.9, 0.55, 0.3, 0.1, 0.8, 0.6, 0.4, 0.15];
        bool[] same = [true, false, true, false, true, true, false, false];
        int[] fold = [0, 0, 0, 0, 1, 1, 1, 1];
        var result = VerificationMetrics.KFold(scores, same, fold);
        // Fold 0 tested at the threshold from fold 1 (0.5): 0.9 ✓, 0.55 ✗, 0.3 ✗, 0.1 ✓.
        result.Folds[0].Threshold.ShouldBe(0.5, 1e-12);
        result.Folds[0].TestAccuracy.ShouldBe(0.5);
        // Fold 1 tested at the threshold from fold 0 (0.2, train accuracy 3/4): 0.8 ✓, 0.6 ✓, 0.4 ✗, 0.15 ✓.
        result.Folds[1].Threshold.ShouldBe(0.2, 1e-12);
        result.Folds[1].TrainAccuracy.ShouldBe(0.75);
        result.Folds[1].TestAccuracy.ShouldBe(0.75);
        result.Mean.ShouldBe(0.625, 1e-12);
        result.StandardDeviation.ShouldBe(Math.Sqrt(2 * 0.125 * 0.125), 1e-12);
    }

    [Fact]
    public void Ten_fold_over_consecutive_folds_uses_every_pair_once_as_test()
    {
        var rng = new Random(3);
        int n = 600;
        var same = Enumerable.Range(0, n).Select(i => i % 2 == 0).ToArray();
        // Same pairs score around 0.6, different ones around 0.1, with overlap.
        var scores = same.Select(s => (s ? 0.6 : 0.1) + 0.2 * (rng.NextDouble() - 0.5) * 2).ToArray();
        var result = VerificationMetrics.KFold(scores, same, folds: 10);
        result.Folds.Count.ShouldBe(10);
        result.Mean.ShouldBeGreaterThan(0.9);
        result.Mean.ShouldBeLessThanOrEqualTo(1.0);
    }

    [Fact]
    public void Train_test_split_applies_the_train_threshold_to_the_test_pairs()
    {
        var r = VerificationMetrics.TrainTest([0.9, 0.1], [true, false], [0.6, 0.4, 0.45], [true, false, true]);
        r.Threshold.ShouldBe(0.5, 1e-12);
        r.TrainAccuracy.ShouldBe(1.0);
        r.TestAccuracy.ShouldBe(2.0 / 3, 1e-12);
    }

    [Fact]
    public void Bad_input_is_rejected_with_a_clear_error()
    {
        Should.Throw<ArgumentException>(() => VerificationMetrics.Roc([0.5], [true, false]));
        Should.Throw<ArgumentException>(() => VerificationMetrics.Roc([0.5, 0.6], [true, true])).Message.ShouldContain("different-identity");
        Should.Throw<ArgumentException>(() => VerificationMetrics.Auc([double.NaN, 0.1], [true, false]));
    }
}
