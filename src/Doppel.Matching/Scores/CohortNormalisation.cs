using System.Numerics.Tensors;

namespace Doppel.Matching;

/// <summary>
/// Parameters of cohort score normalisation: a pair's score minus the mean of its two faces' "levels",
/// where a face's level is the <see cref="Quantile"/> of its similarities to a fixed
/// <see cref="ReferenceCohort"/> of strangers (members it plainly matches, similarity at or above
/// <see cref="ExcludeAbove"/>, left out). A face that sits close to many strangers (a "hub": with dlib,
/// some faces and some demographics) has a high level, so its scores are lowered; a face far from everyone
/// keeps its matches. The cohort is fixed, not the set's other faces, so a pair scores the same whatever
/// else was enrolled. Values and their measurement are in the recognition profile that carries them.
/// </summary>
/// <param name="Quantile">Which quantile of a face's cohort similarities is its level (0.99: the
/// similarity only 1 % of strangers exceed).</param>
/// <param name="ExcludeAbove">Cohort members at or above this similarity are left out: probably the same
/// person (a user's photo of someone who is in the cohort).</param>
/// <param name="MinCohort">A face with fewer cohort members than this gets <see cref="FallbackLevel"/>
/// (a quantile of a handful of scores is noise).</param>
/// <param name="FallbackLevel">The median level on the data the threshold was fitted on: with it a
/// normalised threshold equals a raw one. Every face gets it when no cohort matches the vectors' version.</param>
public sealed record CohortNormalisation(float Quantile, float ExcludeAbove, int MinCohort, float FallbackLevel)
{
    /// <summary>Each row's level (see the type's summary); every row's is <see cref="FallbackLevel"/> without a cohort.</summary>
    public float[] Levels(VectorSet vectors, ReferenceCohort? cohort, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        int n = vectors.Count;
        var levels = new float[n];
        if (cohort is null)
        {
            Array.Fill(levels, FallbackLevel);
            return levels;
        }
        if (n > 0 && vectors.Dimension != cohort.Dimension)
            throw new ArgumentException($"Vectors of {vectors.Dimension} values against a cohort of {cohort.Dimension}.", nameof(cohort));
        Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellationToken }, () => new float[cohort.Count],
            (i, _, scores) =>
            {
                levels[i] = Level(vectors.Row(i), cohort, scores);
                return scores;
            }, _ => { });
        return levels;
    }

    /// <summary>The level of one (L2-normalised) vector; <paramref name="scratch"/> holds at least the cohort's count.</summary>
    public float Level(ReadOnlySpan<float> vector, ReferenceCohort cohort, float[]? scratch = null)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        scratch ??= new float[cohort.Count];
        if (cohort.Members is not { } members)
            return Level(vector, cohort, scratch, 1f);
        // A fused vector: each part is its member's unit vector times √weight, so a dot product with the member's cohort
        // row is √weight × the member's cosine. Each member levels its part as its own profile does.
        float level = 0;
        int at = 0;
        foreach (var member in members)
        {
            int dimension = member.Cohort.Dimension;
            level += member.Weight * member.Normalisation.Level(vector.Slice(at, dimension), member.Cohort, scratch, 1f / MathF.Sqrt(member.Weight));
            at += dimension;
        }
        return level;
    }

    private float Level(ReadOnlySpan<float> vector, ReferenceCohort cohort, float[] scratch, float scale)
    {
        int count = 0;
        for (int j = 0; j < cohort.Count; j++)
        {
            float s = scale * TensorPrimitives.Dot(vector, cohort.Row(j));
            if (s < ExcludeAbove)
                scratch[count++] = s;
        }
        return count < MinCohort ? FallbackLevel : QuantileOf(scratch.AsSpan(0, count), Quantile);
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
        // A few thousand values per face: a full sort costs less than the dot products that made them.
        values.Sort();
        double frac = position - lo;
        return (float)(values[lo] + frac * (values[hi] - values[lo]));
    }
}
