namespace Doppel.Matching.Clustering;

/// <summary>
/// Spectral initial layout for UMAP: the eigenvectors of the graph's normalised Laplacian with the
/// smallest non-trivial eigenvalues (Laplacian eigenmaps), found by subspace iteration on
/// (I + D^-1/2 W D^-1/2)/2 with the trivial vector √degree projected out. Deterministic for a seed;
/// scaled so the largest coordinate is 10, as umap-learn does before its final rescale.
/// </summary>
internal static class SpectralInit
{
    public static float[] Layout(int n, int dim, int[] heads, int[] tails, double[] weights, Func<double> random, int iterations = 300)
    {
        var degree = new double[n];
        for (int e = 0; e < heads.Length; e++)
            degree[heads[e]] += weights[e];
        var invSqrt = degree.Select(d => d > 0 ? 1 / Math.Sqrt(d) : 0).ToArray();
        var trivial = degree.Select(Math.Sqrt).ToArray();
        Normalize(trivial);

        var basis = new double[dim][];
        for (int c = 0; c < dim; c++)
            basis[c] = Enumerable.Range(0, n).Select(_ => random() - 0.5).ToArray();
        Orthonormalize(basis, trivial);
        var next = new double[n];
        for (int it = 0; it < iterations; it++)
        {
            for (int c = 0; c < dim; c++)
            {
                var v = basis[c];
                // next = (v + M v) / 2 with M = D^-1/2 W D^-1/2.
                for (int i = 0; i < n; i++)
                    next[i] = v[i] / 2;
                for (int e = 0; e < heads.Length; e++)
                {
                    int i = heads[e], j = tails[e];
                    next[i] += 0.5 * invSqrt[i] * weights[e] * invSqrt[j] * v[j];
                }
                Array.Copy(next, v, n);
            }
            Orthonormalize(basis, trivial);
        }

        double max = basis.SelectMany(v => v).Select(Math.Abs).DefaultIfEmpty(0).Max();
        double expansion = max > 0 ? 10 / max : 1;
        var layout = new float[n * dim];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < dim; c++)
                layout[i * dim + c] = (float)(basis[c][i] * expansion + 1e-4 * (random() - 0.5));
        return layout;
    }

    /// <summary>Gram–Schmidt against the trivial vector and each other; a vector that vanishes is re-drawn as a unit axis-ish vector.</summary>
    private static void Orthonormalize(double[][] basis, double[] trivial)
    {
        for (int c = 0; c < basis.Length; c++)
        {
            var v = basis[c];
            Subtract(v, trivial);
            for (int p = 0; p < c; p++)
                Subtract(v, basis[p]);
            if (Normalize(v) == 0)
            {
                Array.Clear(v);
                v[c % v.Length] = 1;
                Subtract(v, trivial);
                Normalize(v);
            }
        }
    }

    private static void Subtract(double[] v, double[] unit)
    {
        double dot = 0;
        for (int i = 0; i < v.Length; i++)
            dot += v[i] * unit[i];
        for (int i = 0; i < v.Length; i++)
            v[i] -= dot * unit[i];
    }

    private static double Normalize(double[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => x * x));
        if (norm > 0)
            for (int i = 0; i < v.Length; i++)
                v[i] /= norm;
        return norm;
    }
}
