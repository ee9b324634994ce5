namespace Doppel.Matching;

/// <summary>
/// The IVF self-join split into partitions that separate processes run: <see cref="Plan"/> trains the cells and
/// assigns every vector its probe list once (exactly as <see cref="IvfJoin.SelfJoin(VectorSet, float, IvfOptions?)"/>
/// does, same seed, same options), <see cref="Ranges"/> cuts the cells into consecutive ranges, and
/// <see cref="JoinRange"/> joins one range given only the vectors probing it and their probe lists. Each pair is
/// reported by exactly one cell (its canonical owner, decided from the two probe lists the same way the single join
/// decides it), so the ranges' pairs together are exactly the single join's, with bit-identical scores: each cell
/// sees the same members and probers in the same order and runs the same kernel.
/// </summary>
public sealed class IvfPartitions
{
    private readonly IvfCells _cells;

    private IvfPartitions(VectorSet centroids, IvfCells cells)
    {
        Centroids = centroids;
        _cells = cells;
    }

    /// <summary>The trained centroids (unit vectors, one per cell).</summary>
    public VectorSet Centroids { get; }

    public int CellCount => _cells.CellCount;

    /// <summary>Vectors planned (rows of the planned set).</summary>
    public int Count => _cells.Count;

    /// <summary>Row <paramref name="row"/>'s probe list: its home cell first, then the others best first.</summary>
    public ReadOnlySpan<ushort> ProbesOf(int row) => _cells.ProbesOf(row);

    /// <summary>How many rows probe cell <paramref name="cell"/> (its members included).</summary>
    public int ProbersOf(int cell) => _cells.ProberCount[cell];

    /// <summary>Trains and assigns the cells of <paramref name="vectors"/> as the single-process IVF join does.</summary>
    public static IvfPartitions Plan(VectorSet vectors, IvfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        options ??= IvfOptions.Default;
        options.Validate();
        if (vectors.Count < 2)
            throw new ArgumentException("An IVF plan needs at least two vectors (fewer have no pairs).", nameof(vectors));
        var join = new JoinOptions { MaxThreads = options.MaxThreads, Kernel = JoinKernel.Resolve(options.Kernel) };
        var centroids = SphericalKMeans.Train(vectors, options.CellCountFor(vectors.Count), options.TrainingPointsPerCell, options.Iterations, options.Seed, join);
        return new IvfPartitions(centroids, IvfCells.Assign(vectors, centroids, options.MaxProbes, options.ProbeMargin, join));
    }

    /// <summary>A plan from trained centroids and every row's probe list (<see cref="IvfStreamingPlan"/>).</summary>
    internal static IvfPartitions FromProbeLists(VectorSet centroids, IReadOnlyList<ushort[]> probeLists) =>
        new(centroids, IvfCells.FromProbeLists(centroids.Count, probeLists));

    /// <summary>Consecutive cell ranges [First, End) covering every cell, each probed (counting a row once per cell it
    /// probes) by at most <paramref name="maxProbers"/> rows, or a single cell that alone has more.</summary>
    public IReadOnlyList<(int First, int End)> Ranges(long maxProbers) => RangesOf(_cells.ProberCount, maxProbers);

    /// <summary><see cref="Ranges"/> from each cell's prober count.</summary>
    internal static IReadOnlyList<(int First, int End)> RangesOf(IReadOnlyList<int> proberCount, long maxProbers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProbers, 1);
        var ranges = new List<(int, int)>();
        for (int first = 0; first < proberCount.Count;)
        {
            int end = first;
            long listed = 0;
            while (end < proberCount.Count && (end == first || listed + proberCount[end] <= maxProbers))
                listed += proberCount[end++];
            ranges.Add((first, end));
            first = end;
        }
        return ranges;
    }

    /// <summary>
    /// The pairs (rows of <paramref name="probers"/>, A &lt; B, sorted) that cells [<paramref name="firstCell"/>,
    /// <paramref name="endCell"/>) own at or above <paramref name="threshold"/>.
    /// </summary>
    /// <param name="probers">Every vector probing a cell of the range, in the planned set's row order (a subset of it).</param>
    /// <param name="probeLists">Each prober's probe list from <see cref="ProbesOf"/>, in the same order.</param>
    /// <param name="cellCount">The plan's <see cref="CellCount"/>.</param>
    public static List<ScoredPair> JoinRange(VectorSet probers, IReadOnlyList<ushort[]> probeLists, int cellCount, int firstCell, int endCell,
        float threshold, IvfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(probers);
        ArgumentNullException.ThrowIfNull(probeLists);
        if (probeLists.Count != probers.Count)
            throw new ArgumentException($"{probers.Count} probers but {probeLists.Count} probe lists.", nameof(probeLists));
        if (float.IsNaN(threshold))
            throw new ArgumentException("Threshold is NaN.", nameof(threshold));
        if (firstCell < 0 || endCell > cellCount || firstCell > endCell)
            throw new ArgumentOutOfRangeException(nameof(firstCell), $"Cells [{firstCell}, {endCell}) are not within the plan's {cellCount}.");
        options ??= IvfOptions.Default;
        options.Validate();
        var pairs = new List<ScoredPair>();
        if (probers.Count < 2 || firstCell == endCell)
            return pairs;
        var cells = IvfCells.FromProbeLists(cellCount, probeLists);
        IvfJoin.JoinCells(probers, cells, firstCell, endCell, threshold, batch => pairs.AddRange(batch), JoinKernel.Resolve(options.Kernel), options.MaxThreads);
        pairs.Sort(ExactJoin.ComparePairs);
        return pairs;
    }
}

/// <summary>
/// <see cref="IvfPartitions.Plan"/> for a planner that reads vectors from storage and must not hold them all: it names
/// the rows the k-means sample draws (from the row count and the seed alone), trains on those rows' vectors only, then
/// takes every row's vectors in batches, keeps each row's probe list and lets the batch go. Centroids and probe lists
/// are bit for bit those of <see cref="IvfPartitions.Plan"/> over all the vectors: the same draws, the same sample rows
/// (each normalised as the whole set's would be), and batches of whole assignment blocks, so every row is scored by
/// the same kernel calls.
/// <para>The sample is <see cref="IvfOptions.TrainingPointsPerCell"/> (40) rows per cell, at most every row: faiss warns
/// below 39 training points per centroid and by default subsamples above 256; the single-process IVF's recall (99.4 % of
/// the pairs at 1M face-like vectors, docs/benchmarks-matching-search.md) was measured at 40. At the default 4·√N cells
/// that is 160·√N rows (160,000 of 1M, 506,000 of 10M), against N for reading everything.</para>
/// </summary>
public sealed class IvfStreamingPlan
{
    /// <summary>Rows per assignment batch: 64 of the assignment's 256-row blocks.</summary>
    public const int DefaultBatchRows = 16384;

    private readonly IvfOptions _options;
    private readonly JoinOptions _join;
    private readonly Random _rng;
    private readonly List<ushort[]> _probes;
    private readonly int[] _proberCount;
    private VectorSet? _centroids;

    /// <param name="count">Rows to plan (at least two).</param>
    /// <param name="batchRows">Rows per <see cref="Assign"/> batch (a multiple of 256, the assignment's block).</param>
    public IvfStreamingPlan(int count, IvfOptions? options = null, int batchRows = DefaultBatchRows)
    {
        _options = options ?? IvfOptions.Default;
        _options.Validate();
        if (count < 2)
            throw new ArgumentException("An IVF plan needs at least two vectors (fewer have no pairs).", nameof(count));
        if (batchRows < IvfCells.AssignBlockRows || batchRows % IvfCells.AssignBlockRows != 0)
            throw new ArgumentException($"Batches are whole assignment blocks: a multiple of {IvfCells.AssignBlockRows} rows, not {batchRows}.", nameof(batchRows));
        Count = count;
        BatchRows = batchRows;
        CellCount = _options.CellCountFor(count);
        _join = new JoinOptions { MaxThreads = _options.MaxThreads, Kernel = JoinKernel.Resolve(_options.Kernel) };
        _rng = new Random(_options.Seed);
        TrainingRows = SphericalKMeans.SampleRows(count, SphericalKMeans.TrainingSize(count, CellCount, _options.TrainingPointsPerCell), _rng);
        _probes = new List<ushort[]>(count);
        _proberCount = new int[CellCount];
    }

    public int Count { get; }
    public int CellCount { get; }
    public int BatchRows { get; }

    /// <summary>The rows whose vectors <see cref="Train"/> takes, ascending.</summary>
    public IReadOnlyList<int> TrainingRows { get; }

    /// <summary>The most vectors this plan was given or made at once (the training rows and their sample, or one batch).</summary>
    public long MostHeld { get; private set; }

    /// <summary>Trains the cells on <paramref name="training"/>: the vectors of <see cref="TrainingRows"/>, in that order.</summary>
    public void Train(VectorSet training)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (_centroids is not null)
            throw new InvalidOperationException("The cells are trained already.");
        if (training.Count != TrainingRows.Count)
            throw new ArgumentException($"{training.Count} training vectors for {TrainingRows.Count} training rows.", nameof(training));
        var sample = SphericalKMeans.Gather(training, Enumerable.Range(0, training.Count).ToArray());
        MostHeld = Math.Max(MostHeld, (long)training.Count + sample.Count);
        _centroids = SphericalKMeans.TrainOn(sample, CellCount, _options.Iterations, _rng, _join);
    }

    /// <summary>Assigns the next rows: <paramref name="batch"/> holds the vectors of rows [assigned, assigned + its count),
    /// <see cref="BatchRows"/> of them unless they are the last.</summary>
    public void Assign(VectorSet batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var centroids = _centroids ?? throw new InvalidOperationException("Train the cells before assigning rows.");
        int expected = Math.Min(BatchRows, Count - _probes.Count);
        if (batch.Count != expected)
            throw new ArgumentException($"A batch of {batch.Count} rows where {expected} come next.", nameof(batch));
        MostHeld = Math.Max(MostHeld, batch.Count);
        var cells = IvfCells.Assign(batch, centroids, _options.MaxProbes, _options.ProbeMargin, _join);
        for (int r = 0; r < batch.Count; r++)
            _probes.Add(cells.ProbesOf(r).ToArray());
        for (int c = 0; c < CellCount; c++)
            _proberCount[c] += cells.ProberCount[c];
    }

    /// <summary>The trained centroids (null before <see cref="Train"/>).</summary>
    public VectorSet? Centroids => _centroids;

    /// <summary>Each row assigned so far, its probe list (home cell first): the plan's own arrays, not copies.</summary>
    public IReadOnlyList<ushort[]> ProbeLists => _probes;

    /// <summary><see cref="IvfPartitions.Ranges"/> of the finished plan, from the prober counts kept while assigning
    /// (no second copy of the probe lists).</summary>
    public IReadOnlyList<(int First, int End)> Ranges(long maxProbers)
    {
        if (_probes.Count != Count)
            throw new InvalidOperationException($"{_probes.Count} of {Count} rows assigned.");
        return IvfPartitions.RangesOf(_proberCount, maxProbers);
    }

    /// <summary>The plan, once every row is assigned.</summary>
    public IvfPartitions Finish()
    {
        if (_centroids is null || _probes.Count != Count)
            throw new InvalidOperationException($"{_probes.Count} of {Count} rows assigned.");
        return IvfPartitions.FromProbeLists(_centroids, _probes);
    }
}
