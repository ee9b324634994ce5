namespace Doppel.Matching.Clustering;

/// <summary>
/// UMAP's weighted k-NN graph: per point a distance offset ρ (nearest non-zero neighbour) and a
/// scale σ found by binary search so that Σ exp(−(d − ρ)/σ) = log2 k, directed memberships
/// exp(−(d − ρ)/σ), then the fuzzy union w + wᵀ − w∘wᵀ. Edges are stored in both directions.
/// </summary>
public sealed class FuzzySimplicialSet
{
    private FuzzySimplicialSet(int[] heads, int[] tails, double[] weights)
    {
        Heads = heads;
        Tails = tails;
        Weights = weights;
    }

    public int[] Heads { get; }
    public int[] Tails { get; }
    public double[] Weights { get; }

    /// <summary>From k-NN rows (row i: its k nearest, itself first) as <see cref="NearestNeighbors.CosineKnn"/> gives.</summary>
    public static FuzzySimplicialSet Build(int n, int k, int[] knnIndices, float[] knnDistances)
    {
        var (sigmas, rhos) = SmoothKnnDistances(n, k, knnDistances);
        var directed = new Dictionary<long, double>(n * k);
        for (int i = 0; i < n; i++)
            for (int c = 0; c < k; c++)
            {
                int j = knnIndices[i * k + c];
                if (j == i)
                    continue;
                double d = knnDistances[i * k + c] - rhos[i];
                double w = d <= 0 || sigmas[i] == 0 ? 1.0 : Math.Exp(-d / sigmas[i]);
                directed[Key(i, j)] = w;
            }

        var heads = new List<int>(directed.Count * 2);
        var tails = new List<int>(directed.Count * 2);
        var weights = new List<double>(directed.Count * 2);
        foreach (var (key, w) in directed)
        {
            int i = (int)(key >> 32), j = (int)(key & 0xFFFFFFFF);
            double reverse = directed.GetValueOrDefault(Key(j, i));
            // Each undirected edge once from the (i, j) side; the (j, i)-only edges below.
            double union = w + reverse - w * reverse;
            if (union <= 0)
                continue;
            if (reverse > 0 && i > j)
                continue;
            heads.Add(i); tails.Add(j); weights.Add(union);
            heads.Add(j); tails.Add(i); weights.Add(union);
        }
        // Stable edge order (dictionary order is not guaranteed) keeps seeded layouts reproducible.
        var order = Enumerable.Range(0, heads.Count).OrderBy(e => heads[e]).ThenBy(e => tails[e]).ToArray();
        return new FuzzySimplicialSet(
            order.Select(e => heads[e]).ToArray(),
            order.Select(e => tails[e]).ToArray(),
            order.Select(e => weights[e]).ToArray());

        static long Key(int a, int b) => ((long)a << 32) | (uint)b;
    }

    /// <summary>umap-learn's smooth_knn_dist with local_connectivity 1 and bandwidth 1.</summary>
    public static (double[] Sigmas, double[] Rhos) SmoothKnnDistances(int n, int k, float[] distances)
    {
        const double tolerance = 1e-5, minScale = 1e-3;
        double target = Math.Log2(k);
        double meanAll = distances.Length == 0 ? 0 : distances.Average(d => (double)d);
        var sigmas = new double[n];
        var rhos = new double[n];
        for (int i = 0; i < n; i++)
        {
            var row = distances.AsSpan(i * k, k);
            double rho = 0;
            foreach (var d in row)
                if (d > 0)
                {
                    rho = d;
                    break;
                }
            rhos[i] = rho;

            double lo = 0, hi = double.PositiveInfinity, mid = 1;
            for (int iteration = 0; iteration < 64; iteration++)
            {
                double sum = 0;
                for (int c = 1; c < k; c++)
                {
                    double d = row[c] - rho;
                    sum += d > 0 ? Math.Exp(-d / mid) : 1;
                }
                if (Math.Abs(sum - target) < tolerance)
                    break;
                if (sum > target)
                {
                    hi = mid;
                    mid = (lo + hi) / 2;
                }
                else
                {
                    lo = mid;
                    mid = double.IsPositiveInfinity(hi) ? mid * 2 : (lo + hi) / 2;
                }
            }
            double rowMean = 0;
            foreach (var d in row)
                rowMean += d;
            rowMean /= k;
            double floor = minScale * (rho > 0 ? rowMean : meanAll);
            sigmas[i] = Math.Max(mid, floor);
        }
        return (sigmas, rhos);
    }
}
