using System.Numerics.Tensors;

namespace Doppel.Matching;

/// <summary>
/// Parameters of cohort score normalisation: a pair's score minus the mean of its two faces' "levels",
/// where a face's level is the <see cref="Quantile"/> of its similarities to the set's other faces that
/// it does not plainly match (similarity below <see cref="ExcludeAbove"/>). A face that sits close to
/// many strangers (a "hub": with dlib, some faces and some demographics) has a high level, so its
/// scores are lowered; a face far from everyone keeps its matches. Values and their measurement are
/// in the recognition profile that carries them.
/// </summary>
/// <param name="Quantile">Which quantile of a face's cohort similarities is its level (0.99: the
/// similarity only 1 % of strangers exceed).</param>
/// <param name="ExcludeAbove">Similarities at or above this are left out of the cohort: probably the
/// same person, so in a set with many photos per person (ORL: 10) they would make the level a
/// same-person score.</param>
/// <param name="MinCohort">A face with fewer cohort members than this gets <see cref="FallbackLevel"/>
/// (a quantile of a handful of scores is noise).</param>
/// <param name="FallbackLevel">The median level on the data the threshold was fitted on: with it a
/// normalised threshold equals a raw one.</param>
/// <param name="MaxCohort">Above this many faces, each face is compared with an evenly spaced sample
/// of this many, which keeps the cost linear in the set size (a quantile of a sample estimates the
/// quantile of the whole).</param>
public sealed record CohortNormalisation(float Quantile, float ExcludeAbove, int MinCohort, float FallbackLevel, int MaxCohort = 4096)
{
    /// <summary>Each row's level (see the type's summary). Rows with the same <paramref name="groupOfRow"/>
    /// (faces of one image) are not each other's cohort.</summary>
    public float[] Levels(VectorSet vectors, IReadOnlyList<long>? groupOfRow = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        int n = vectors.Count;
        if (groupOfRow is not null && groupOfRow.Count != n)
            throw new ArgumentException($"groupOfRow has {groupOfRow.Count} entries for {n} rows.", nameof(groupOfRow));
        var levels = new float[n];
        int cohortSize = Math.Min(n, MaxCohort);
        var cohort = new int[cohortSize];
        for (int c = 0; c < cohortSize; c++)
            cohort[c] = (int)((long)c * n / cohortSize);
        Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellationToken }, () => new float[cohortSize], (i, _, scores) =>
        {
            var row = vectors.Row(i);
            int count = 0;
            foreach (int j in cohort)
            {
                if (j == i || (groupOfRow is not null && groupOfRow[j] == groupOfRow[i]))
                    continue;
                float s = TensorPrimitives.Dot(row, vectors.Row(j));
                if (s < ExcludeAbove)
                    scores[count++] = s;
            }
            levels[i] = count < MinCohort ? FallbackLevel : QuantileOf(scores.AsSpan(0, count), Quantile);
            return scores;
        }, _ => { });
        return levels;
    }

    /// <summary>The normalised score of a pair whose faces have these levels.</summary>
    public static float Normalise(float score, float levelA, float levelB) => score - 0.5f * (levelA + levelB);

    /// <summary>The q-quantile with linear interpolation between order statistics (numpy's default), so
    /// levels match the Python experiments the parameters came from. Reorders <paramref name="values"/>.</summary>
    internal static float QuantileOf(Span<float> values, float q)
    {
        if (values.IsEmpty)
            throw new ArgumentException("No values.", nameof(values));
        double position = q * (values.Length - 1);
        int lo = (int)Math.Floor(position);
        int hi = Math.Min(lo + 1, values.Length - 1);
        // At most MaxCohort values per face: a full sort costs less than the dot products that made them.
        values.Sort();
        double frac = position - lo;
        return (float)(values[lo] + frac * (values[hi] - values[lo]));
    }
}
