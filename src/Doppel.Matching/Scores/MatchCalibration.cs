namespace Doppel.Matching;

/// <summary>
/// A match probability from a (normalised) score: logistic, p = 1 / (1 + e^−(Slope·score + Intercept)),
/// fitted on all pairs of a labelled set (Platt scaling). It is the share of pairs with that score
/// that were the same person in a collection like the one it was fitted on (mostly different people,
/// a few photos per person); in a set with many more duplicates the true share is higher. With a
/// positive slope it is monotonic in the score and always within [0, 1].
/// </summary>
public sealed record MatchCalibration(double Slope, double Intercept)
{
    public double Probability(double score)
    {
        if (double.IsNaN(score))
            throw new ArgumentException("The score is NaN.", nameof(score));
        if (!(Slope > 0))
            throw new InvalidOperationException($"A calibration needs a positive slope (has {Slope}).");
        double z = Slope * score + Intercept;
        return z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
    }

    /// <summary>The score at which the probability is <paramref name="probability"/> (in (0, 1)).</summary>
    public double ScoreAt(double probability)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(probability, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(probability, 1);
        return (Math.Log(probability / (1 - probability)) - Intercept) / Slope;
    }
}
