namespace Doppel.Matching.Tests.Search;

/// <summary>Seeded vector sets for tests: plain Gaussian, and clustered like face embeddings.</summary>
internal static class RandomVectors
{
    public static VectorSet Gaussian(int count, int dimension, int seed, long firstId = 0)
    {
        var rng = new Random(seed);
        var set = new VectorSet(dimension, count);
        var v = new float[dimension];
        for (int i = 0; i < count; i++)
        {
            for (int k = 0; k < dimension; k++)
                v[k] = NextGaussian(rng);
            set.Add(firstId + i, v);
        }
        return set;
    }

    /// <summary>Clusters of 1..maxMembers around random centres; members are centre + noise so that
    /// same-cluster cosines sit well above different-cluster ones.</summary>
    public static VectorSet Clustered(int count, int dimension, int seed, int maxMembers = 10, float noise = 0.6f)
    {
        var rng = new Random(seed);
        var set = new VectorSet(dimension, count);
        var centre = new float[dimension];
        var v = new float[dimension];
        int left = 0;
        float scale = 1f / MathF.Sqrt(dimension);
        for (int i = 0; i < count; i++)
        {
            if (left == 0)
            {
                for (int k = 0; k < dimension; k++)
                    centre[k] = NextGaussian(rng) * scale;
                left = rng.Next(1, maxMembers + 1);
            }
            for (int k = 0; k < dimension; k++)
                v[k] = centre[k] + noise * scale * NextGaussian(rng);
            set.Add(i, v);
            left--;
        }
        return set;
    }

    public static float NextGaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
