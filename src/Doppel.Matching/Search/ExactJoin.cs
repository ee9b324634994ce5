namespace Doppel.Matching;

/// <summary>Receives one batch of joined pairs. Calls are serialised (never concurrent); the span is
/// only valid during the call.</summary>
public delegate void PairBatchHandler(ReadOnlySpan<ScoredPair> batch);

/// <summary>Knobs of the exact join; the defaults are what production uses.</summary>
public sealed record JoinOptions
{
    public static JoinOptions Default { get; } = new();

    /// <summary>Worker threads (row blocks run in parallel).</summary>
    public int MaxThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Forces a kernel (tests compare all of them); Auto picks the widest the CPU has.</summary>
    public JoinKernelKind Kernel { get; init; } = JoinKernelKind.Auto;

    /// <summary>Query rows per work item; a multiple of 32 so the self-join's diagonal panels line up.</summary>
    public int BlockRows { get; init; } = 256;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxThreads, 1, nameof(MaxThreads));
        if (BlockRows < 32 || BlockRows % 32 != 0)
            throw new ArgumentOutOfRangeException(nameof(BlockRows), BlockRows, "BlockRows must be a positive multiple of 32.");
    }
}

/// <summary>
/// Exact threshold joins and top-k over L2-normalised vectors: blocked, register-tiled SIMD matrix
/// products (<see cref="JoinKernel"/>) over row blocks in parallel. Memory is O(N·d + results):
/// the corpus is packed once into column panels and scores are compared against the threshold in
/// registers, so the N x N score matrix never exists.
/// </summary>
public static class ExactJoin
{
    /// <summary>All pairs (A &lt; B) of rows of <paramref name="vectors"/> with similarity ≥ <paramref name="threshold"/>, sorted by (A, B).</summary>
    public static IReadOnlyList<ScoredPair> SelfJoin(VectorSet vectors, float threshold)
    {
        var pairs = new List<ScoredPair>();
        SelfJoin(vectors, threshold, batch => pairs.AddRange(batch));
        pairs.Sort(ComparePairs);
        return pairs;
    }

    /// <summary>All (query row, corpus row) pairs with similarity ≥ <paramref name="threshold"/>, sorted by (A, B).</summary>
    public static IReadOnlyList<ScoredPair> CrossJoin(VectorSet queries, VectorSet corpus, float threshold)
    {
        var pairs = new List<ScoredPair>();
        CrossJoin(queries, corpus, threshold, batch => pairs.AddRange(batch));
        pairs.Sort(ComparePairs);
        return pairs;
    }

    /// <summary>Streams all pairs (A &lt; B) with similarity ≥ threshold to <paramref name="onBatch"/> in no
    /// particular order; returns how many there were.</summary>
    public static long SelfJoin(VectorSet vectors, float threshold, PairBatchHandler onBatch, JoinOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return Run(vectors, vectors, threshold, onBatch, options ?? JoinOptions.Default, self: true);
    }

    /// <summary>Streams all (query row, corpus row) pairs with similarity ≥ threshold to <paramref name="onBatch"/>;
    /// returns how many there were.</summary>
    public static long CrossJoin(VectorSet queries, VectorSet corpus, float threshold, PairBatchHandler onBatch, JoinOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(corpus);
        RequireSameDimension(queries, corpus);
        return Run(queries, corpus, threshold, onBatch, options ?? JoinOptions.Default, self: false);
    }

    /// <summary>For each query row, its <paramref name="k"/> most similar corpus rows with similarity ≥
    /// <paramref name="minScore"/>, best first (A = query row, B = corpus row).</summary>
    public static ScoredPair[][] TopK(VectorSet queries, VectorSet corpus, int k, float minScore = float.NegativeInfinity, JoinOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(corpus);
        RequireSameDimension(queries, corpus);
        return RunTopK(queries, corpus, k, minScore, options ?? JoinOptions.Default, self: false);
    }

    /// <summary>For each row, its <paramref name="k"/> most similar other rows (itself excluded), best first.</summary>
    public static ScoredPair[][] SelfTopK(VectorSet vectors, int k, float minScore = float.NegativeInfinity, JoinOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return RunTopK(vectors, vectors, k, minScore, options ?? JoinOptions.Default, self: true);
    }

    /// <summary>Top-k where each query row has its own floor (<paramref name="rowMinScores"/>[row]); a high
    /// floor makes the heap see only the few scores above it.</summary>
    internal static ScoredPair[][] TopK(VectorSet queries, VectorSet corpus, int k, float[] rowMinScores, JoinOptions options)
    {
        RequireSameDimension(queries, corpus);
        if (rowMinScores.Length != queries.Count)
            throw new ArgumentException("One minimum score per query row is needed.", nameof(rowMinScores));
        return RunTopK(queries, corpus, k, float.NegativeInfinity, options, self: false, rowMinScores);
    }

    internal static int ComparePairs(ScoredPair x, ScoredPair y) => x.A != y.A ? x.A.CompareTo(y.A) : x.B.CompareTo(y.B);

    private static void RequireSameDimension(VectorSet queries, VectorSet corpus)
    {
        if (queries.Dimension != corpus.Dimension)
            throw new ArgumentException($"Query dimension {queries.Dimension} differs from corpus dimension {corpus.Dimension}.");
    }

    private static long Run(VectorSet queries, VectorSet corpus, float threshold, PairBatchHandler onBatch, JoinOptions options, bool self)
    {
        ArgumentNullException.ThrowIfNull(onBatch);
        if (float.IsNaN(threshold))
            throw new ArgumentException("Threshold is NaN.", nameof(threshold));
        options.Validate();
        if (queries.Count == 0 || corpus.Count == 0)
            return 0;
        var kind = JoinKernel.Resolve(options.Kernel);
        var panels = PackedPanels.Pack(corpus.Buffer, corpus.Count, corpus.Dimension, options.MaxThreads);
        var sink = new SerialisedSink(onBatch);
        int blocks = (queries.Count + options.BlockRows - 1) / options.BlockRows;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = options.MaxThreads },
            () => new PairBuffer(sink),
            (block, _, buffer) =>
            {
                int start = block * options.BlockRows;
                int end = Math.Min(queries.Count, start + options.BlockRows);
                var handler = new ThresholdHandler(buffer, threshold);
                JoinKernel.RunRows(ref handler, kind, queries.Buffer, start, end, panels,
                    firstPanel: self ? start / PackedPanels.Width : 0, upperTriangle: self, skipDiagonal: false);
                return buffer;
            },
            buffer => buffer.Flush());
        return sink.Total;
    }

    private static ScoredPair[][] RunTopK(VectorSet queries, VectorSet corpus, int k, float minScore, JoinOptions options, bool self, float[]? rowMinScores = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (float.IsNaN(minScore))
            throw new ArgumentException("Minimum score is NaN.", nameof(minScore));
        options.Validate();
        var results = new ScoredPair[queries.Count][];
        if (queries.Count == 0)
            return results;
        if (corpus.Count == 0)
        {
            Array.Fill(results, []);
            return results;
        }
        var kind = JoinKernel.Resolve(options.Kernel);
        var panels = PackedPanels.Pack(corpus.Buffer, corpus.Count, corpus.Dimension, options.MaxThreads);
        int blocks = (queries.Count + options.BlockRows - 1) / options.BlockRows;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = options.MaxThreads }, block =>
        {
            int start = block * options.BlockRows;
            int end = Math.Min(queries.Count, start + options.BlockRows);
            var handler = new TopKHandler(start, end - start, k, minScore, rowMinScores);
            JoinKernel.RunRows(ref handler, kind, queries.Buffer, start, end, panels, firstPanel: 0, upperTriangle: false, skipDiagonal: self);
            for (int row = start; row < end; row++)
                results[row] = handler.Heaps[row - start].ToSortedPairs(row);
        });
        return results;
    }

    private readonly struct ThresholdHandler(PairBuffer buffer, float threshold) : ITileHandler
    {
        public float Threshold(int row) => threshold;
        public void Hit(int row, int col, float score) => buffer.Add(new ScoredPair(row, col, score));
    }

    private readonly struct TopKHandler : ITileHandler
    {
        private readonly int _firstRow;
        private readonly float _minScore;
        private readonly float[]? _rowMinScores;

        public TopKHandler(int firstRow, int rows, int k, float minScore, float[]? rowMinScores)
        {
            _rowMinScores = rowMinScores;
            _firstRow = firstRow;
            _minScore = minScore;
            Heaps = new TopKHeap[rows];
            for (int i = 0; i < rows; i++)
                Heaps[i] = new TopKHeap(k);
        }

        public TopKHeap[] Heaps { get; }

        public float Threshold(int row)
        {
            var heap = Heaps[row - _firstRow];
            float floor = _rowMinScores is null ? _minScore : _rowMinScores[row];
            return heap.IsFull ? Math.Max(floor, heap.MinScore) : floor;
        }

        public void Hit(int row, int col, float score) => Heaps[row - _firstRow].Offer(col, score);
    }
}
