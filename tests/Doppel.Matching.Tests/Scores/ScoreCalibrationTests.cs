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
    public void A_fused_vector_is_levelled_part_by_part_so_its_score_is_the_weighted_sum_of_the_members_scores()
    {
        // Two members with their own cohorts and normalisations (one 2-d, one 3-d), weights 0.75 / 0.25.
        var a = ReferenceCohort.Parse(ReferenceCohort.Write("a", [[1, 0], [0.6f, 0.8f], [0.8f, 0.6f], [0, 1]]), "a");
        var b = ReferenceCohort.Parse(ReferenceCohort.Write("b", [[1, 0, 0], [0, 1, 0], [0, 0.6f, 0.8f]]), "b");
        var na = new CohortNormalisation(Quantile: 0.5f, ExcludeAbove: 0.99f, MinCohort: 1, FallbackLevel: 0.5f);
        var nb = new CohortNormalisation(Quantile: 1f, ExcludeAbove: 0.99f, MinCohort: 1, FallbackLevel: 0.1f);
        var fused = ReferenceCohort.Fuse("a *0.75 + b *0.25", [new FusedCohortMember(a, na, 0.75f), new FusedCohortMember(b, nb, 0.25f)]);
        fused.Dimension.ShouldBe(5);
        fused.Count.ShouldBe(4);
        Should.Throw<InvalidOperationException>(() => fused.Row(0).ToArray());

        float[] partA1 = [0.6f, 0.8f], partB1 = [0, 0.6f, 0.8f], partA2 = [1, 0], partB2 = [0.6f, 0.8f, 0];
        float[] Fuse(float[] x, float[] y) => [.. x.Select(v => v * MathF.Sqrt(0.75f)), .. y.Select(v => v * MathF.Sqrt(0.25f))];
        var set = new VectorSet(5);
        set.Add(1, Fuse(partA1, partB1));
        set.Add(2, Fuse(partA2, partB2));
        var levels = na.Levels(set, fused, TestContext.Current.CancellationToken);
        for (int i = 0; i < 2; i++)
        {
            var (x, y) = i == 0 ? (partA1, partB1) : (partA2, partB2);
            levels[i].ShouldBe(0.75f * na.Level(x, a) + 0.25f * nb.Level(y, b), 1e-5f);
        }
        // The fused score (fused cosine minus the mean level) is the weighted sum of the members' own normalised scores.
        float Dot(float[] x, float[] y) => x.Zip(y, (p, q) => p * q).Sum();
        float fusedScore = CohortNormalisation.Normalise(Dot(set.Row(0).ToArray(), set.Row(1).ToArray()), levels[0], levels[1]);
        float memberScores = 0.75f * CohortNormalisation.Normalise(Dot(partA1, partA2), na.Level(partA1, a), na.Level(partA2, a))
                             + 0.25f * CohortNormalisation.Normalise(Dot(partB1, partB2), nb.Level(partB1, b), nb.Level(partB2, b));
        fusedScore.ShouldBe(memberScores, 1e-5f);
        Should.Throw<ArgumentException>(() => ReferenceCohort.Fuse("x", [new FusedCohortMember(a, na, 0.5f), new FusedCohortMember(b, nb, 0.2f)]));
    }

    [Fact]
    public void Levels_come_from_the_fixed_cohort_leave_out_matches_and_fall_back_on_small_cohorts()
    {
        // The cohort: one vector a face matches (cosine 1) and four strangers at cosine 0.6 from [1, 0].
        var bytes = ReferenceCohort.Write("v1", [[1, 0], [0.6f, 0.8f], [0.6f, 0.8f], [0.6f, 0.8f], [0.6f, 0.8f]]);
        var cohort = ReferenceCohort.Parse(bytes, "test");
        cohort.ModelVersion.ShouldBe("v1");
        cohort.Count.ShouldBe(5);
        var set = new VectorSet(2);
        set.Add(10, [1, 0]);
        set.Add(11, [0.6f, 0.8f]);
        var normaliser = new CohortNormalisation(Quantile: 1f, ExcludeAbove: 0.9f, MinCohort: 3, FallbackLevel: 0.42f);
        var levels = normaliser.Levels(set, cohort, TestContext.Current.CancellationToken);
        levels[0].ShouldBe(0.6f, 1e-3f); // its match (1.0) is excluded; the strangers remain (half floats: 1e-3)
        levels[1].ShouldBe(0.42f); // its four look-alikes are excluded: 1 member < MinCohort 3
        // A face's level depends on the face and the cohort only: a set with other faces gives it the same level.
        var larger = new VectorSet(2);
        larger.Add(1, [0, 1]);
        larger.Add(10, [1, 0]);
        larger.Add(2, [0.8f, 0.6f]);
        normaliser.Levels(larger, cohort, TestContext.Current.CancellationToken)[1].ShouldBe(levels[0]);
        // Without a cohort for the vectors' version every face gets the fallback level.
        normaliser.Levels(set, null, TestContext.Current.CancellationToken).ShouldAllBe(l => l == 0.42f);
        CohortNormalisation.Normalise(0.95f, 0.9f, 0.8f).ShouldBe(0.1f, 1e-6f);
    }

    [Fact]
    public void A_cohort_file_is_refused_unless_its_checksum_and_shape_hold()
    {
        var bytes = ReferenceCohort.Write("v1", [[1, 0], [0, 1]]);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        ReferenceCohort.Read(bytes, sha, "ok").Count.ShouldBe(2);
        var changed = (byte[])bytes.Clone();
        changed[^1] ^= 1;
        Should.Throw<InvalidDataException>(() => ReferenceCohort.Read(changed, sha, "changed")).Message.ShouldContain("without its pin");
        Should.Throw<InvalidDataException>(() => ReferenceCohort.Parse(bytes.AsSpan(0, bytes.Length - 2), "short")).Message.ShouldContain("header says 2 × 2");
        Should.Throw<InvalidDataException>(() => ReferenceCohort.Parse(new byte[30], "zeros")).Message.ShouldContain("not a cohort file");
        Should.Throw<InvalidDataException>(() => ReferenceCohort.Parse(ReferenceCohort.Write("v1", [[0, 0]]), "empty row")).Message.ShouldContain("not a vector");
    }
}
