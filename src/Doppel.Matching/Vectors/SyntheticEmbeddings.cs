namespace Doppel.Matching;

/// <summary>
/// Seeded vectors shaped like face embeddings of a centred model, for tests and benchmarks where a
/// million real faces are not at hand. Identities get a random unit centre; each has 1–50 photos
/// (P(size = s) ∝ s^-1.5, so most identities are singletons and a few are large); a photo is
/// √ρ·centre + √(1-ρ)·noise with a per-identity ρ drawn uniformly from [0.6, 0.8], so two photos of one
/// identity have cosine ≈ ρ (0.6–0.8) and photos of different identities ≈ 0 ± 1/√d (±0.09 at d=128,
/// ±0.044 at d=512). Rows are shuffled so identities are not contiguous.
/// </summary>
public static class SyntheticEmbeddings
{
    public const int MaxIdentitySize = 50;

    /// <summary><paramref name="count"/> vectors and the identity label of each row.</summary>
    public static (VectorSet Vectors, int[] Labels) Generate(int count, int dimension, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        var rng = new Random(seed);
        var sizeWeights = new double[MaxIdentitySize];
        double total = 0;
        for (int s = 1; s <= MaxIdentitySize; s++)
            total += sizeWeights[s - 1] = Math.Pow(s, -1.5);

        var labels = new int[count];
        var rows = new float[(long)count * dimension];
        var centre = new float[dimension];
        var noise = new float[dimension];
        int row = 0, identity = 0;
        while (row < count)
        {
            int size = Math.Min(DrawSize(rng, sizeWeights, total), count - row);
            UnitGaussian(rng, centre);
            double rho = 0.6 + 0.2 * rng.NextDouble();
            float a = (float)Math.Sqrt(rho), b = (float)Math.Sqrt(1 - rho);
            for (int m = 0; m < size; m++, row++)
            {
                UnitGaussian(rng, noise);
                var dst = rows.AsSpan((int)((long)row * dimension), dimension);
                for (int k = 0; k < dimension; k++)
                    dst[k] = a * centre[k] + b * noise[k];
                labels[row] = identity;
            }
            identity++;
        }

        var order = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(order);
        var set = new VectorSet(dimension, Math.Max(count, 1));
        var shuffledLabels = new int[count];
        for (int r = 0; r < count; r++)
        {
            set.Add(r, rows.AsSpan((int)((long)order[r] * dimension), dimension));
            shuffledLabels[r] = labels[order[r]];
        }
        return (set, shuffledLabels);
    }

    private static int DrawSize(Random rng, double[] weights, double total)
    {
        double u = rng.NextDouble() * total;
        for (int s = 0; s < weights.Length; s++)
        {
            u -= weights[s];
            if (u <= 0)
                return s + 1;
        }
        return weights.Length;
    }

    private static void UnitGaussian(Random rng, float[] v)
    {
        double norm = 0;
        for (int k = 0; k < v.Length; k++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double g = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            v[k] = (float)g;
            norm += g * g;
        }
        float inv = (float)(1 / Math.Sqrt(norm));
        for (int k = 0; k < v.Length; k++)
            v[k] *= inv;
    }
}
