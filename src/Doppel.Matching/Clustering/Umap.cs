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
/// <param name="PerComponent">Lay out each connected component of the fuzzy graph on its own (initial
/// layout and SGD per component), then place the components side by side without overlap
/// (<see cref="UmapArrangement"/>); false lays out the whole graph at once.</param>
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
    UmapInit Init = UmapInit.Spectral,
    bool PerComponent = true)
{
    /// <summary>Where the k-NN graph comes from (<see cref="NearestNeighbors.CosineKnn"/>); exact by default.</summary>
    public IVectorSearch Search { get; init; } = VectorSearch.Exact;
}

/// <summary>
/// Uniform Manifold Approximation and Projection (McInnes, Healy, Melville 2018), following
/// umap-learn 0.5: exact cosine k-NN, smooth-kNN σ/ρ per point, the fuzzy union of the directed
/// memberships, a spectral (or seeded random) initial layout scaled to [0, 10], and SGD with edge
/// sampling proportional to weight and negative sampling. Like umap-learn, each connected component
/// of the graph gets its own initial layout (spectral where it has at least 2·dim points, random
/// below); unlike umap-learn, whose SGD then runs over all points at once, each component is also
/// optimised on its own (negative samples that land outside it are skipped; components run in
/// parallel with their own seeded generators) and the finished components are packed side by side.
/// </summary>
public static class Umap
{
    /// <summary>The layout, row-major, <c>vectors.Count x options.Components</c>.</summary>
    public static float[] FitTransform(VectorSet vectors, UmapOptions? options = null)
    {
        options ??= new UmapOptions();
        return Layout(vectors, Graph(vectors, options), options);
    }

    /// <summary>Sizes of the connected components of the pruned fuzzy graph that the per-component layout lays out separately, largest first.</summary>
    public static IReadOnlyList<int> ComponentSizes(VectorSet vectors, UmapOptions? options = null)
    {
        options ??= new UmapOptions();
        var graph = Graph(vectors, options);
        int n = vectors.Count;
        var (heads, tails, epochsPerSample) = PrunedEdges(graph, EpochsFor(options, n));
        return UmapComponents.Find(n, heads, tails, epochsPerSample).Pieces.Select(p => p.Members.Length).ToArray();
    }

    /// <summary>The fuzzy simplicial set of the cosine k-NN graph, after validating the options.</summary>
    private static FuzzySimplicialSet Graph(VectorSet vectors, UmapOptions options)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        Validate(options, vectors.Count);
        int n = vectors.Count;
        int k = Math.Min(options.Neighbors, n);
        var (knnIndices, knnDistances) = NearestNeighbors.CosineKnn(vectors, k, options.Search);
        return FuzzySimplicialSet.Build(n, k, knnIndices, knnDistances);
    }

    private static int EpochsFor(UmapOptions o, int n) => o.Epochs ?? (n <= 10_000 ? 500 : 200);

    /// <summary>Edges too weak to be sampled even once in all epochs are dropped, as umap-learn does; the rest with their epochs per sample.</summary>
    private static (int[] Heads, int[] Tails, double[] EpochsPerSample) PrunedEdges(FuzzySimplicialSet graph, int epochs)
    {
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
        return ([.. heads], [.. tails], [.. epochsPerSample]);
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

    private static float[] Layout(VectorSet vectors, FuzzySimplicialSet graph, UmapOptions o)
    {
        int n = vectors.Count;
        int epochs = EpochsFor(o, n);
        int dim = o.Components;
        var curve = UmapCurve.Fit(o.MinDist, o.Spread);
        var (heads, tails, epochsPerSample) = PrunedEdges(graph, epochs);

        if (!o.PerComponent)
        {
            // The whole graph at once: one spectral start over everything (which also handles disconnected graphs).
            var whole = new UmapComponents.Piece(Enumerable.Range(0, n).ToArray(), heads, tails, epochsPerSample);
            return LayoutPiece(whole, n, dim, epochs, curve, o, new Xorshift((ulong)o.Seed), minSpectralSize: dim + 2);
        }
        var pieces = UmapComponents.Find(n, heads, tails, epochsPerSample).Pieces;
        var layouts = new float[pieces.Count][];
        // Each component has its own generator, derived from the seed and its rank, so the result does not depend on scheduling.
        Parallel.For(0, pieces.Count, p => layouts[p] = LayoutPiece(pieces[p], n, dim, epochs, curve, o,
            new Xorshift((ulong)o.Seed + 0x9E3779B97F4A7C15UL * (ulong)(p + 1)), minSpectralSize: Math.Max(2 * dim, dim + 2)));
        return UmapArrangement.Arrange(vectors, dim, pieces, layouts);
    }

    /// <summary>Initial layout and SGD of one component (member-local indices), scaled into [0, 10] before the SGD.
    /// <paramref name="totalPoints"/> is the size of the whole graph, from which negative samples are drawn.</summary>
    private static float[] LayoutPiece(UmapComponents.Piece piece, int totalPoints, int dim, int epochs, (double A, double B) curve, UmapOptions o, Xorshift rng, int minSpectralSize)
    {
        int n = piece.Members.Length;
        var embedding = new float[n * dim];
        if (n == 1)
            return embedding;
        var heads = piece.Heads;
        var tails = piece.Tails;
        var epochsPerSample = piece.EpochsPerSample;
        if (o.Init == UmapInit.Spectral && n >= minSpectralSize)
        {
            // Like umap-learn, the spectral start sees the pruned graph the SGD will optimise; weights
            // relative to the strongest edge (1 / epochs per sample) give the same normalised Laplacian.
            embedding = SpectralInit.Layout(n, dim, heads, tails, epochsPerSample.Select(v => 1 / v).ToArray(), rng.NextDouble);
        }
        else
        {
            for (int i = 0; i < embedding.Length; i++)
                embedding[i] = (float)(rng.NextDouble() * 20 - 10);
        }
        ScaleToBox(embedding, n, dim);
        Optimize(embedding, n, totalPoints, dim, epochs, curve, o, rng, heads, tails, epochsPerSample);
        return embedding;
    }

    /// <summary>
    /// The SGD over one component's edges. Negative samples are drawn, as umap-learn draws them, from
    /// all <paramref name="totalPoints"/> points; a draw outside this component (indices ≥ n) is
    /// skipped, because the components end up apart where such a point pushes with almost no force.
    /// Drawing only within the component instead would push its members apart as hard as the whole
    /// data set does, and a one-person component would spread out like a crowd.
    /// </summary>
    private static void Optimize(float[] embedding, int n, int totalPoints, int dim, int epochs, (double A, double B) curve, UmapOptions o, Xorshift rng,
        int[] heads, int[] tails, double[] epochsPerSample)
    {
        var (a, b) = curve;
        int m = heads.Length;
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
                    int other = (int)(rng.NextUInt() % (uint)totalPoints);
                    if (other == j || other >= n)
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
    private sealed class Xorshift(ulong seed)
    {
        private ulong _state = seed * 0x9E3779B97F4A7C15UL + 0x2545F4914F6CDD1DUL;

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
