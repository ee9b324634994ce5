using Doppel.Matching;

namespace Doppel.Matching.Tests.Clustering;

/// <summary>
/// Seeded synthetic embeddings: cluster centres uniform on the unit sphere, members = centre plus
/// Gaussian noise of a given spread, re-normalised; optional outliers uniform on the sphere.
/// With spread s in d dimensions two members of a cluster have cosine ≈ 1 / (1 + s²).
/// </summary>
internal sealed record ClusteredVectors(VectorSet Vectors, int[] Truth)
{
    public const int Outlier = -1;

    public static ClusteredVectors Create(int seed, int[] clusterSizes, int dimension, double spread, int outliers = 0, bool shuffle = true)
    {
        var rng = new Random(seed);
        var rows = new List<(float[] Vector, int Label)>();
        for (int c = 0; c < clusterSizes.Length; c++)
        {
            var centre = RandomUnit(rng, dimension);
            for (int m = 0; m < clusterSizes[c]; m++)
            {
                var v = new float[dimension];
                for (int k = 0; k < dimension; k++)
                    v[k] = (float)(centre[k] + spread * Gaussian(rng) / Math.Sqrt(dimension));
                rows.Add((v, c));
            }
        }
        for (int o = 0; o < outliers; o++)
            rows.Add((RandomUnit(rng, dimension), Outlier));
        if (shuffle)
            rows = rows.OrderBy(_ => rng.Next()).ToList();
        var set = new VectorSet(dimension, rows.Count);
        for (int i = 0; i < rows.Count; i++)
            set.Add(i, rows[i].Vector);
        return new ClusteredVectors(set, rows.Select(r => r.Label).ToArray());
    }

    public static float[] RandomUnit(Random rng, int dimension)
    {
        var v = new float[dimension];
        double norm = 0;
        for (int k = 0; k < dimension; k++)
        {
            v[k] = (float)Gaussian(rng);
            norm += v[k] * v[k];
        }
        for (int k = 0; k < dimension; k++)
            v[k] /= (float)Math.Sqrt(norm);
        return v;
    }

    public static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Labels renumbered by first appearance (noise stays −1), to compare partitions.</summary>
    public static int[] Canonical(IReadOnlyList<int> labels)
    {
        var map = new Dictionary<int, int>();
        return labels.Select(l => l < 0 ? -1 : map.TryGetValue(l, out var m) ? m : map[l] = map.Count).ToArray();
    }
}
