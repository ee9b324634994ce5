namespace Doppel.Matching.Metrics;

/// <summary>One point of an error-versus-reject curve: the share of genuine comparisons rejected and
/// the false non-match rate of those kept.</summary>
public readonly record struct ErcPoint(double Rejected, double Fnmr);

/// <summary>
/// Error-versus-reject (error-versus-discard) characteristic, as ISO/IEC 29794-1 defines it for face
/// image quality: the decision threshold is fixed once, at the wanted false match rate over every
/// impostor comparison, before anything is rejected; then the genuine comparisons whose pair quality
/// (the lower of the two faces' qualities) is lowest are discarded, a growing share at a time, and the
/// false non-match rate of the rest is measured. A quality measure is useful when the curve falls
/// faster than when comparisons are discarded at random.
/// </summary>
public static class ErrorRejectCurve
{
    /// <summary>The lowest score at which at most <paramref name="fmr"/> of <paramref name="impostorScores"/>
    /// are at or above it (a match is score ≥ threshold).</summary>
    public static double ThresholdAtFmr(float[] impostorScores, double fmr)
    {
        ArgumentNullException.ThrowIfNull(impostorScores);
        if (impostorScores.Length == 0) throw new ArgumentException("No impostor comparisons: the threshold needs some.", nameof(impostorScores));
        if (!(fmr > 0 && fmr < 1)) throw new ArgumentOutOfRangeException(nameof(fmr), fmr, "FMR must be in (0, 1).");
        var sorted = (float[])impostorScores.Clone();
        Array.Sort(sorted);
        int allowed = (int)Math.Floor(fmr * sorted.Length);
        // Every impostor at or above the threshold is a false match: put it just above the
        // (allowed+1)-th highest impostor score.
        float top = sorted[sorted.Length - 1 - allowed];
        return MathF.BitIncrement(top);
    }

    /// <summary>False non-match rate at <paramref name="threshold"/> after discarding the share
    /// <c>r</c> of genuine comparisons with the lowest <paramref name="pairQuality"/>, for each r in
    /// <paramref name="fractions"/>. Ties in quality are broken by comparison index (stable).</summary>
    public static IReadOnlyList<ErcPoint> Curve(IReadOnlyList<double> genuineScores, IReadOnlyList<double> pairQuality, double threshold, IReadOnlyList<double> fractions)
    {
        if (genuineScores.Count != pairQuality.Count) throw new ArgumentException("One quality per genuine comparison.");
        int n = genuineScores.Count;
        if (n == 0) throw new ArgumentException("No genuine comparisons.", nameof(genuineScores));
        var order = Enumerable.Range(0, n).OrderBy(i => pairQuality[i]).ThenBy(i => i).ToArray();
        // errorsFrom[k] = false non-matches among order[k..].
        var errorsFrom = new int[n + 1];
        for (int k = n - 1; k >= 0; k--)
            errorsFrom[k] = errorsFrom[k + 1] + (genuineScores[order[k]] < threshold ? 1 : 0);
        return fractions.Select(r =>
        {
            int drop = Math.Min(n - 1, (int)Math.Round(r * n));
            return new ErcPoint(r, (double)errorsFrom[drop] / (n - drop));
        }).ToList();
    }

    /// <summary>The curve under random discarding, averaged over <paramref name="repeats"/> seeded shuffles.</summary>
    public static IReadOnlyList<ErcPoint> RandomCurve(IReadOnlyList<double> genuineScores, double threshold, IReadOnlyList<double> fractions, int repeats = 50, int seed = 1)
    {
        var rng = new Random(seed);
        var sums = new double[fractions.Count];
        for (int rep = 0; rep < repeats; rep++)
        {
            var quality = Enumerable.Range(0, genuineScores.Count).Select(_ => rng.NextDouble()).ToList();
            var curve = Curve(genuineScores, quality, threshold, fractions);
            for (int i = 0; i < sums.Length; i++) sums[i] += curve[i].Fnmr;
        }
        return fractions.Select((r, i) => new ErcPoint(r, sums[i] / repeats)).ToList();
    }

    /// <summary>Relative drop of FNMR from no rejection to <paramref name="fraction"/> rejected
    /// (read off <paramref name="curve"/>, which must hold both): 0.3 = 30 % fewer false non-matches.</summary>
    public static double RelativeDrop(IReadOnlyList<ErcPoint> curve, double fraction = 0.1)
    {
        double start = curve.First(p => Math.Abs(p.Rejected) < 1e-12).Fnmr;
        double at = curve.First(p => Math.Abs(p.Rejected - fraction) < 1e-9).Fnmr;
        return start > 0 ? (start - at) / start : 0;
    }

    /// <summary>0, 0.01, ..., 0.5: the rejection shares the evaluation reports.</summary>
    public static IReadOnlyList<double> DefaultFractions { get; } = Enumerable.Range(0, 51).Select(i => i / 100.0).ToList();
}
