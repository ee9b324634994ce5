namespace Doppel.Matching.Tests.Scores;

public class ScoreCalibrationTests
{
    [Fact]
    public void Probability_is_monotonic_and_within_zero_and_one_even_far_out()
    {
        var calibration = new MatchCalibration(225.5, -8.21);
        double previous = -1;
        for (double s = -2; s <= 2; s += 0.001)
        {
            double p = calibration.Probability(s);
            p.ShouldBeInRange(0, 1);
            p.ShouldBeGreaterThanOrEqualTo(previous);
            previous = p;
        }
        calibration.Probability(-1e6).ShouldBe(0);
        calibration.Probability(1e6).ShouldBe(1);
        calibration.Probability(calibration.ScoreAt(0.5)).ShouldBe(0.5, 1e-9);
        calibration.Probability(calibration.ScoreAt(0.9)).ShouldBe(0.9, 1e-9);
    }

    [Fact]
    public void A_non_increasing_calibration_or_a_nan_score_is_refused()
    {
        Should.Throw<InvalidOperationException>(() => new MatchCalibration(-1, 0).Probability(0.5));
        Should.Throw<ArgumentException>(() => new MatchCalibration(1, 0).Probability(double.NaN));
    }

    [Fact]
    public void Quantile_interpolates_like_numpy()
    {
        // numpy.quantile([1, 2, 3, 4, 10], 0.9) = 7.6 (linear between the 4th and 5th order statistics).
        CohortNormalisation.QuantileOf(new float[] { 10, 2, 4, 1, 3 }, 0.9f).ShouldBe(7.6f, 1e-5f);
        CohortNormalisation.QuantileOf(new float[] { 5 }, 0.99f).ShouldBe(5f);
    }

    [Fact]
    public void Levels_leave_out_matches_and_faces_of_the_same_image_and_fall_back_on_small_cohorts()
    {
        // Row 0 and row 1 are the same direction (a match, cosine 1), rows 2..5 are at cosine 0.6 from row 0.
        var set = new VectorSet(2);
        set.Add(0, [1, 0]);
        set.Add(1, [1, 0]);
        for (int i = 0; i < 4; i++)
            set.Add(2 + i, [0.6f, 0.8f]);
        var normaliser = new CohortNormalisation(Quantile: 1f, ExcludeAbove: 0.9f, MinCohort: 3, FallbackLevel: 0.42f);
        var levels = normaliser.Levels(set, cancellationToken: TestContext.Current.CancellationToken);
        levels[0].ShouldBe(0.6f, 1e-5f); // its twin (1.0) is excluded; the strangers remain
        levels[2].ShouldBe(0.42f); // its three look-alikes (1.0) are excluded: 2 strangers < MinCohort 3
        // Faces of the same image are not each other's cohort: row 0 now sees rows 2..5 only.
        normaliser.Levels(set, [7, 7, 1, 2, 3, 4], TestContext.Current.CancellationToken)[0].ShouldBe(0.6f, 1e-5f);
        CohortNormalisation.Normalise(0.95f, 0.9f, 0.8f).ShouldBe(0.1f, 1e-6f);
    }
}
