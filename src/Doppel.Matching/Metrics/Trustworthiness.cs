using System.Numerics.Tensors;

namespace Doppel.Matching.Metrics;

/// <summary>
/// Trustworthiness of a low-dimensional layout (Venna and Kaski 2001), as
/// <c>sklearn.manifold.trustworthiness</c> defines it: 1 − 2/(n·k·(2n − 3k − 1)) · Σᵢ Σ_{j ∈ Uᵢ} (r(i, j) − k),
/// where Uᵢ are the layout's k nearest neighbours of i that are not among its k nearest in the
/// original space and r(i, j) is j's rank (1 = nearest) around i in the original space. 1 means
/// the layout invents no neighbours. Original space: cosine distance; layout: Euclidean.
/// </summary>
public static class Trustworthiness
{
    public static double Compute(VectorSet original, ReadOnlySpan<float> layout, int layoutDimension, int k = 5)
    {
        ArgumentNullException.ThrowIfNull(original);
        int n = original.Count;
        if (layout.Length != n * layoutDimension)
            throw new ArgumentException($"Layout has {layout.Length} values, expected {n} x {layoutDimension}.");
        if (k < 1 || k >= n / 2.0)
            throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} must be at least 1 and below n/2 = {n / 2.0}.");
        var points = layout.ToArray();
        long penalty = 0;
        Parallel.For(0, n, () => (Distances: new float[n], Layout: new float[n], Nearest: new int[k], Sum: 0L), (i, _, local) =>
        {
            var query = original.Row(i);
            for (int j = 0; j < n; j++)
            {
                local.Distances[j] = j == i ? float.PositiveInfinity : 1f - TensorPrimitives.Dot(query, original.Row(j));
                local.Layout[j] = j == i ? float.PositiveInfinity : SquaredDistance(points, i, j, layoutDimension);
            }
            NearestK(local.Layout, local.Nearest);
            foreach (int j in local.Nearest)
            {
                // j's rank around i in the original space: 1 + the points before it (ties by index, as a stable sort orders them).
                float dj = local.Distances[j];
                int rank = 1;
                for (int m = 0; m < n; m++)
                {
                    float dm = local.Distances[m];
                    if (dm < dj || (dm == dj && m < j))
                        rank++;
                }
                if (rank > k)
                    local.Sum += rank - k;
            }
            return local;
        }, local => Interlocked.Add(ref penalty, local.Sum));
        return 1.0 - penalty * (2.0 / ((double)n * k * (2.0 * n - 3.0 * k - 1.0)));
    }

    /// <summary>Indices of the k smallest values (ties by index).</summary>
    private static void NearestK(float[] values, int[] nearest)
    {
        int k = nearest.Length, filled = 0;
        var best = new float[k];
        for (int j = 0; j < values.Length; j++)
        {
            float v = values[j];
            if (filled == k && v >= best[k - 1])
                continue;
            int p = filled < k ? filled++ : k - 1;
            while (p > 0 && best[p - 1] > v)
            {
                best[p] = best[p - 1];
                nearest[p] = nearest[p - 1];
                p--;
            }
            best[p] = v;
            nearest[p] = j;
        }
    }

    private static float SquaredDistance(float[] points, int p, int q, int dim)
    {
        float sum = 0;
        for (int c = 0; c < dim; c++)
        {
            float diff = points[p * dim + c] - points[q * dim + c];
            sum += diff * diff;
        }
        return sum;
    }
}
