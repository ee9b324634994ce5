using System.Numerics.Tensors;

namespace Doppel.Matching.Clustering;

/// <summary>
/// Exact k nearest neighbours under cosine distance, each point's own row first (distance 0) as
/// UMAP expects. Brute force over all pairs, rows in parallel; an HNSW graph can replace it later
/// for very large sets behind the same shape of result.
/// </summary>
public static class NearestNeighbors
{
    /// <summary>Row i holds the k nearest of point i (itself included), nearest first: indices and cosine distances.</summary>
    public static (int[] Indices, float[] Distances) CosineKnn(VectorSet vectors, int k)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        int n = vectors.Count;
        if (k < 1 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} must lie in 1..{n} (the number of points).");
        var indices = new int[n * k];
        var distances = new float[n * k];
        Parallel.For(0, n, () => new float[n], (i, _, row) =>
        {
            var query = vectors.Row(i);
            for (int j = 0; j < n; j++)
                row[j] = j == i ? 0f : Math.Max(0f, 1f - TensorPrimitives.Dot(query, vectors.Row(j)));
            SmallestK(row, i, k, indices.AsSpan(i * k, k), distances.AsSpan(i * k, k));
            return row;
        }, _ => { });
        return (indices, distances);
    }

    /// <summary>The k smallest entries of <paramref name="row"/>, ascending, with <paramref name="self"/> forced first.</summary>
    internal static void SmallestK(float[] row, int self, int k, Span<int> indices, Span<float> distances)
    {
        indices[0] = self;
        distances[0] = 0f;
        int filled = 1;
        for (int j = 0; j < row.Length; j++)
        {
            if (j == self)
                continue;
            float d = row[j];
            if (filled < k)
            {
                InsertSorted(indices, distances, filled++, j, d);
            }
            else if (d < distances[k - 1])
            {
                InsertSorted(indices, distances, k - 1, j, d);
            }
        }

        static void InsertSorted(Span<int> indices, Span<float> distances, int length, int index, float distance)
        {
            int p = length;
            // Position 0 stays the point itself.
            while (p > 1 && distances[p - 1] > distance)
            {
                indices[p] = indices[p - 1];
                distances[p] = distances[p - 1];
                p--;
            }
            indices[p] = index;
            distances[p] = distance;
        }
    }
}
