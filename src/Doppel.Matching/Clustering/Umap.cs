namespace Doppel.Matching.Clustering;

/// <summary>How UMAP places points before the SGD.</summary>
public enum UmapInit
{
    /// <summary>Laplacian eigenmaps of the fuzzy graph (umap-learn's default).</summary>
    Spectral,

    /// <summary>Uniform in a box, from the seed.</summary>
    Random,
}

/// <summary>UMAP settings; the defaults are umap-learn's.</summary>
/// <param name="Neighbors">k of the k-NN graph, the point itself included (umap-learn's n_neighbors).</param>
/// <param name="Components">Output dimension.</param>
/// <param name="MinDist">How tightly points may pack in the layout; 0 suits clustering afterwards.</param>
/// <param name="Epochs">SGD epochs; null = 500 up to 10,000 points, 200 beyond (umap-learn's rule).</param>
/// <param name="Seed">Fixes the initial layout and all sampling, so a run is reproducible.</param>
public sealed record UmapOptions(
    int Neighbors = 15,
    int Components = 2,
    double MinDist = 0.1,
    double Spread = 1.0,
    int? Epochs = null,
    int NegativeSampleRate = 5,
    double RepulsionStrength = 1.0,
    double LearningRate = 1.0,
    int Seed = 42,
    UmapInit Init = UmapInit.Spectral);

/// <summary>
/// Uniform Manifold Approximation and Projection (McInnes, Healy, Melville 2018), following
/// umap-learn 0.5: exact cosine k-NN, smooth-kNN σ/ρ per point, the fuzzy union of the directed
/// memberships, a spectral (or seeded random) initial layout scaled to [0, 10], and single-threaded SGD with
/// edge sampling proportional to weight and negative sampling.
/// </summary>
public static class Umap
{
    /// <summary>The layout, row-major, <c>vectors.Count x options.Components</c>.</summary>
    public static float[] FitTransform(VectorSet vectors, UmapOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        options ??= new UmapOptions();
        Validate(options, vectors.Count);
        int n = vectors.Count;
        int k = Math.Min(options.Neighbors, n);
        var (knnIndices, knnDistances) = NearestNeighbors.CosineKnn(vectors, k);
        var graph = FuzzySimplicialSet.Build(n, k, knnIndices, knnDistances);
        return Layout(n, graph, options);
    }

    private static void Validate(UmapOptions o, int n)
    {
        if (n < 2)
            throw new ArgumentException("UMAP needs at least two points.");
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Neighbors, 2, nameof(o.Neighbors));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Components, 1, nameof(o.Components));
        ArgumentOutOfRangeException.ThrowIfNegative(o.MinDist, nameof(o.MinDist));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.LearningRate, nameof(o.LearningRate));
        ArgumentOutOfRangeException.ThrowIfNegative(o.NegativeSampleRate, nameof(o.NegativeSampleRate));
        if (o.Epochs is < 1)
            throw new ArgumentOutOfRangeException(nameof(o.Epochs), "Epochs must be positive.");
    }

    private static float[] Layout(int n, FuzzySimplicialSet graph, UmapOptions o)
    {
        int epochs = o.Epochs ?? (n <= 10_000 ? 500 : 200);
        int dim = o.Components;
        var (a, b) = UmapCurve.Fit(o.MinDist, o.Spread);

        // Edges too weak to be sampled even once in all epochs are dropped, as umap-learn does.
        double maxWeight = graph.Weights.Length == 0 ? 0 : graph.Weights.Max();
        var heads = new List<int>();
        var tails = new List<int>();
        var epochsPerSample = new List<double>();
        for (int e = 0; e < graph.Weights.Length; e++)
        {
            double w = graph.Weights[e];
            if (w < maxWeight / epochs || w <= 0)
                continue;
            heads.Add(graph.Heads[e]);
            tails.Add(graph.Tails[e]);
            epochsPerSample.Add(maxWeight / w);
        }

        var rng = new Xorshift(o.Seed);
        float[] embedding;
        if (o.Init == UmapInit.Spectral && n > dim + 1)
        {
            // Like umap-learn, the spectral start sees the pruned graph the SGD will optimise.
            embedding = SpectralInit.Layout(n, dim, heads.ToArray(), tails.ToArray(),
                epochsPerSample.Select(v => maxWeight / v).ToArray(), rng.NextDouble);
        }
        else
        {
            embedding = new float[n * dim];
            for (int i = 0; i < embedding.Length; i++)
                embedding[i] = (float)(rng.NextDouble() * 20 - 10);
        }
        ScaleToBox(embedding, n, dim);

        int m = heads.Count;
        var nextSample = epochsPerSample.ToArray();
        var perNegative = epochsPerSample.Select(v => o.NegativeSampleRate == 0 ? double.PositiveInfinity : v / o.NegativeSampleRate).ToArray();
        var nextNegative = perNegative.ToArray();
        var gradient = new double[dim];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            double alpha = o.LearningRate * (1.0 - (double)epoch / epochs);
            for (int e = 0; e < m; e++)
            {
                if (nextSample[e] > epoch)
                    continue;
                int j = heads[e], t = tails[e];
                double d2 = SquaredDistance(embedding, j, t, dim);
                double coefficient = 0;
                if (d2 > 0)
                {
                    // d^(2(b−1)) = d^(2b) / d²: one power per sample instead of two (the layout's hot loop).
                    double d2b = Math.Pow(d2, b);
                    coefficient = -2.0 * a * b * (d2b / d2) / (a * d2b + 1);
                }
                for (int c = 0; c < dim; c++)
                {
                    double g = Clip(coefficient * (embedding[j * dim + c] - embedding[t * dim + c]));
                    embedding[j * dim + c] += (float)(g * alpha);
                    embedding[t * dim + c] -= (float)(g * alpha);
                }
                nextSample[e] += epochsPerSample[e];

                int negatives = (int)((epoch - nextNegative[e]) / perNegative[e]);
                for (int s = 0; s < negatives; s++)
                {
                    int other = (int)(rng.NextUInt() % (uint)n);
                    if (other == j)
                        continue;
                    d2 = SquaredDistance(embedding, j, other, dim);
                    coefficient = d2 > 0
                        ? 2.0 * o.RepulsionStrength * b / ((0.001 + d2) * (a * Math.Pow(d2, b) + 1))
                        : 0;
                    for (int c = 0; c < dim; c++)
                    {
                        gradient[c] = coefficient > 0 ? Clip(coefficient * (embedding[j * dim + c] - embedding[other * dim + c])) : 4.0;
                        embedding[j * dim + c] += (float)(gradient[c] * alpha);
                    }
                }
                nextNegative[e] += negatives * perNegative[e];
            }
        }
        return embedding;
    }

    private static double Clip(double value) => Math.Clamp(value, -4.0, 4.0);

    private static double SquaredDistance(float[] embedding, int p, int q, int dim)
    {
        double sum = 0;
        for (int c = 0; c < dim; c++)
        {
            double diff = embedding[p * dim + c] - embedding[q * dim + c];
            sum += diff * diff;
        }
        return sum;
    }

    private static void ScaleToBox(float[] embedding, int n, int dim)
    {
        for (int c = 0; c < dim; c++)
        {
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                min = Math.Min(min, embedding[i * dim + c]);
                max = Math.Max(max, embedding[i * dim + c]);
            }
            float range = max > min ? max - min : 1f;
            for (int i = 0; i < n; i++)
                embedding[i * dim + c] = 10f * (embedding[i * dim + c] - min) / range;
        }
    }

    /// <summary>A small seeded generator (xorshift64*) so layouts do not depend on the runtime's Random.</summary>
    private sealed class Xorshift(int seed)
    {
        private ulong _state = (ulong)seed * 0x9E3779B97F4A7C15UL + 0x2545F4914F6CDD1DUL;

        public ulong NextULong()
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            return _state * 0x2545F4914F6CDD1DUL;
        }

        public uint NextUInt() => (uint)(NextULong() >> 32);

        public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));
    }
}
