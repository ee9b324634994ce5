using System.Numerics.Tensors;

namespace Doppel.Matching;

/// <summary>The implementations of <see cref="IVectorSearch"/>, made from a <see cref="SearchConfig"/>.</summary>
public static class VectorSearch
{
    /// <summary>Exact search with the production join options: what every caller gets unless configured otherwise.</summary>
    public static IVectorSearch Exact { get; } = new ExactSearch(JoinOptions.Default);

    public static IVectorSearch Create(SearchConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Method switch
        {
            SearchMethod.Exact => ReferenceEquals(config.Exact, JoinOptions.Default) ? Exact : new ExactSearch(config.Exact),
            SearchMethod.Hnsw => new HnswSearch(config.Hnsw),
            SearchMethod.Ivf => new IvfSearch(config.Ivf),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Method, "Unknown search method."),
        };
    }

    /// <summary>Checks a cross-join's arguments; false when one side is empty (no pairs).</summary>
    internal static bool CrossJoinHasWork(VectorSet queries, VectorSet reference, float threshold, PairBatchHandler onBatch)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(onBatch);
        if (queries.Dimension != reference.Dimension)
            throw new ArgumentException($"Query dimension {queries.Dimension} differs from reference dimension {reference.Dimension}.");
        RequireThreshold(threshold);
        return queries.Count > 0 && reference.Count > 0;
    }

    internal static void RequireThreshold(float threshold)
    {
        if (float.IsNaN(threshold))
            throw new ArgumentException("Threshold is NaN.", nameof(threshold));
    }

    /// <summary>An approximate top-k row by row: <paramref name="prepare"/> gets the row length wanted
    /// (min(k, n − 1)) and returns the per-row search; a row it leaves short is completed by a full scan.</summary>
    internal static ScoredPair[][] TopKByRow(VectorSet vectors, int k, int maxThreads, Func<int, Func<int, ScoredPair[]>> prepare)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var result = new ScoredPair[vectors.Count][];
        if (vectors.Count == 0)
            return result;
        int want = Math.Min(k, vectors.Count - 1);
        if (want == 0)
        {
            Array.Fill(result, []);
            return result;
        }
        var search = prepare(want);
        Parallel.For(0, vectors.Count, new ParallelOptions { MaxDegreeOfParallelism = maxThreads }, row =>
        {
            var hits = search(row);
            result[row] = hits.Length == want ? hits : ScanTopK(vectors, row, want);
        });
        return result;
    }

    /// <summary>Row <paramref name="row"/>'s k best other rows by a full scan: how an approximate top-k
    /// completes a row its probes left short, so every row gets min(k, n − 1) neighbours as the exact one does.</summary>
    internal static ScoredPair[] ScanTopK(VectorSet vectors, int row, int k)
    {
        var heap = new TopKHeap(k);
        var q = vectors.Row(row);
        for (int r = 0; r < vectors.Count; r++)
            if (r != row)
                heap.Offer(r, TensorPrimitives.Dot(q, vectors.Row(r)));
        return heap.ToSortedPairs(row);
    }
}

/// <summary>Exact search: <see cref="ExactJoin"/>'s blocked SIMD kernels, called directly (no copy, no
/// adapter between the kernel and the caller's batch handler), so the hot path keeps its speed and its
/// results bit for bit.</summary>
internal sealed class ExactSearch(JoinOptions options) : IVectorSearch
{
    public SearchMethod Method => SearchMethod.Exact;

    public long SelfJoin(VectorSet vectors, float threshold, PairBatchHandler onBatch) =>
        ExactJoin.SelfJoin(vectors, threshold, onBatch, options);

    public long CrossJoin(VectorSet queries, VectorSet reference, float threshold, PairBatchHandler onBatch) =>
        ExactJoin.CrossJoin(queries, reference, threshold, onBatch, options);

    public ScoredPair[][] SelfTopK(VectorSet vectors, int k) => ExactJoin.SelfTopK(vectors, k, options: options);
}

/// <summary>HNSW search: a graph built over the set (or the reference set) for each call, rows as ids;
/// scores are exact dot products of the pairs the graph finds.</summary>
internal sealed class HnswSearch(HnswOptions options) : IVectorSearch
{
    public SearchMethod Method => SearchMethod.Hnsw;

    private HnswIndex Build(VectorSet vectors)
    {
        var index = new HnswIndex(vectors.Dimension, options);
        index.AddRange(vectors, useRowIndexAsId: true);
        return index;
    }

    public long SelfJoin(VectorSet vectors, float threshold, PairBatchHandler onBatch)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(onBatch);
        VectorSearch.RequireThreshold(threshold);
        if (vectors.Count < 2)
            return 0;
        var pairs = Build(vectors).SelfJoinNodes(threshold);
        if (pairs.Count > 0)
            onBatch(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pairs));
        return pairs.Count;
    }

    public long CrossJoin(VectorSet queries, VectorSet reference, float threshold, PairBatchHandler onBatch)
    {
        if (!VectorSearch.CrossJoinHasWork(queries, reference, threshold, onBatch))
            return 0;
        var index = Build(reference);
        var found = new ScoredPair[queries.Count][];
        Parallel.For(0, queries.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxThreads }, row =>
            found[row] = [.. index.RangeSearch(queries.Row(row), threshold).Select(n => new ScoredPair(row, (int)n.Id, n.Similarity))]);
        return Deliver(found, onBatch);
    }

    public ScoredPair[][] SelfTopK(VectorSet vectors, int k) => VectorSearch.TopKByRow(vectors, k, options.MaxThreads, want =>
    {
        var index = Build(vectors);
        return row => [.. index.Search(vectors.Row(row), want + 1).Where(n => n.Id != row).Take(want)
            .Select(n => new ScoredPair(row, (int)n.Id, n.Similarity))];
    });

    internal static long Deliver(ScoredPair[][] rows, PairBatchHandler onBatch)
    {
        long total = 0;
        foreach (var row in rows)
            if (row.Length > 0)
            {
                onBatch(row);
                total += row.Length;
            }
        return total;
    }
}

/// <summary>IVF search: spherical k-means cells (<see cref="IvfOptions"/>). The self-join is
/// <see cref="IvfJoin"/> (SIMD, every pair once); a cross-join trains the cells on the reference set and
/// compares each query with the members of the cells it probes; top-k does the same within one set.</summary>
internal sealed class IvfSearch(IvfOptions options) : IVectorSearch
{
    public SearchMethod Method => SearchMethod.Ivf;

    public long SelfJoin(VectorSet vectors, float threshold, PairBatchHandler onBatch) =>
        IvfJoin.SelfJoin(vectors, threshold, onBatch, options).Pairs;

    public long CrossJoin(VectorSet queries, VectorSet reference, float threshold, PairBatchHandler onBatch)
    {
        if (!VectorSearch.CrossJoinHasWork(queries, reference, threshold, onBatch))
            return 0;
        var (homes, probes) = Cells(reference, queries);
        var found = new ScoredPair[queries.Count][];
        Parallel.For(0, queries.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxThreads }, row =>
        {
            var q = queries.Row(row);
            var hits = new List<ScoredPair>();
            foreach (int cell in probes.ProbesOf(row))
                foreach (int member in homes.MembersOf(cell))
                {
                    float s = TensorPrimitives.Dot(q, reference.Row(member));
                    if (s >= threshold)
                        hits.Add(new ScoredPair(row, member, s));
                }
            found[row] = [.. hits];
        });
        return HnswSearch.Deliver(found, onBatch);
    }

    public ScoredPair[][] SelfTopK(VectorSet vectors, int k) => VectorSearch.TopKByRow(vectors, k, options.MaxThreads, want =>
    {
        var (homes, probes) = Cells(vectors, vectors);
        return row =>
        {
            var q = vectors.Row(row);
            var heap = new TopKHeap(want);
            foreach (int cell in probes.ProbesOf(row))
                foreach (int member in homes.MembersOf(cell))
                    if (member != row)
                        heap.Offer(member, TensorPrimitives.Dot(q, vectors.Row(member)));
            return heap.ToSortedPairs(row);
        };
    });

    /// <summary>Cells trained on <paramref name="reference"/>: each reference row homed in its nearest cell,
    /// and each query row's probe list by the options' probes and margin.</summary>
    private (IvfCells Homes, IvfCells Probes) Cells(VectorSet reference, VectorSet queries)
    {
        options.Validate();
        var join = new JoinOptions { MaxThreads = options.MaxThreads, Kernel = options.Kernel };
        var centroids = SphericalKMeans.Train(reference, options.CellCountFor(reference.Count), options.TrainingPointsPerCell,
            options.Iterations, options.Seed, join);
        var homes = IvfCells.Assign(reference, centroids, maxProbes: 1, margin: 0, join);
        var probes = IvfCells.Assign(queries, centroids, options.MaxProbes, options.ProbeMargin, join);
        return (homes, probes);
    }
}
