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

    /// <summary>Consecutive cell ranges [First, End) covering every cell, each probed (counting a row once per cell it
    /// probes) by at most <paramref name="maxProbers"/> rows, or a single cell that alone has more.</summary>
    public IReadOnlyList<(int First, int End)> Ranges(long maxProbers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProbers, 1);
        var ranges = new List<(int, int)>();
        for (int first = 0; first < CellCount;)
        {
            int end = first;
            long listed = 0;
            while (end < CellCount && (end == first || listed + _cells.ProberCount[end] <= maxProbers))
                listed += _cells.ProberCount[end++];
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
