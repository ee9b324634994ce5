using System.Numerics.Tensors;

namespace Doppel.Matching;

/// <summary>
/// Exact threshold joins: every pair of rows whose cosine similarity is at least a threshold.
/// This first version is the plain reference (one dot product per pair); the matching engine
/// replaces its internals with a blocked, multi-threaded SIMD kernel behind the same signatures.
/// </summary>
public static class ExactJoin
{
    /// <summary>All pairs (A &lt; B) of rows of <paramref name="vectors"/> with similarity ≥ <paramref name="threshold"/>.</summary>
    public static IReadOnlyList<ScoredPair> SelfJoin(VectorSet vectors, float threshold)
    {
        var pairs = new List<ScoredPair>();
        for (int a = 0; a < vectors.Count; a++)
            for (int b = a + 1; b < vectors.Count; b++)
            {
                float s = TensorPrimitives.Dot(vectors.Row(a), vectors.Row(b));
                if (s >= threshold)
                    pairs.Add(new ScoredPair(a, b, s));
            }
        return pairs;
    }

    /// <summary>All (query row, corpus row) pairs with similarity ≥ <paramref name="threshold"/>.</summary>
    public static IReadOnlyList<ScoredPair> CrossJoin(VectorSet queries, VectorSet corpus, float threshold)
    {
        if (queries.Dimension != corpus.Dimension)
            throw new ArgumentException("Query and corpus dimensions differ.");
        var pairs = new List<ScoredPair>();
        for (int a = 0; a < queries.Count; a++)
            for (int b = 0; b < corpus.Count; b++)
            {
                float s = TensorPrimitives.Dot(queries.Row(a), corpus.Row(b));
                if (s >= threshold)
                    pairs.Add(new ScoredPair(a, b, s));
            }
        return pairs;
    }
}
