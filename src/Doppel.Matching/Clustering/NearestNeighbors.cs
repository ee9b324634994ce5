namespace Doppel.Matching.Clustering;

/// <summary>
/// Exact k nearest neighbours under cosine distance, each point's own row first (distance 0) as
/// UMAP expects, from the search's top-k (<see cref="IVectorSearch.SelfTopK"/>; exact by default).
/// </summary>
public static class NearestNeighbors
{
    /// <summary>Row i holds the k nearest of point i (itself included), nearest first: indices and cosine distances.</summary>
    public static (int[] Indices, float[] Distances) CosineKnn(VectorSet vectors, int k, IVectorSearch? search = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        int n = vectors.Count;
        if (k < 1 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} must lie in 1..{n} (the number of points).");
        var indices = new int[n * k];
        var distances = new float[n * k];
        var nearest = k > 1 ? (search ?? VectorSearch.Exact).SelfTopK(vectors, k - 1) : new ScoredPair[n][];
        for (int i = 0; i < n; i++)
        {
            indices[i * k] = i;
            distances[i * k] = 0f;
            var row = nearest[i] ?? [];
            if (row.Length != k - 1)
                throw new InvalidOperationException($"Top-k join returned {row.Length} neighbours for row {i}, expected {k - 1}.");
            for (int c = 0; c < row.Length; c++)
            {
                indices[i * k + 1 + c] = row[c].B;
                distances[i * k + 1 + c] = Math.Max(0f, 1f - row[c].Score);
            }
        }
        return (indices, distances);
    }
}
