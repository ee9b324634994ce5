using System.Collections.Concurrent;
using System.Diagnostics;

namespace Doppel.Matching;

/// <summary>What an IVF join did: its shape, where the time went, and what it held in memory.</summary>
public sealed record IvfJoinReport(
    int Vectors,
    int Cells,
    double AverageProbes,
    long CandidateComparisons,
    long Pairs,
    TimeSpan Training,
    TimeSpan Assignment,
    TimeSpan Join,
    double IndexBytesPerVector)
{
    public TimeSpan Total => Training + Assignment + Join;

    /// <summary>Candidate comparisons as a share of the N(N−1)/2 an exact self-join makes.</summary>
    public double ShareOfExactWork => Vectors < 2 ? 0 : CandidateComparisons / ((double)Vectors * (Vectors - 1) / 2);
}

/// <summary>
/// Approximate threshold self-join through an inverted file. Spherical k-means splits the vectors into
/// cells; every vector is homed in its nearest cell and probes a few more (<see cref="IvfOptions"/>).
/// Each cell's members are packed into panels once and joined exactly, with the exact join's SIMD
/// kernel, against every vector probing the cell. A pair is reported when either vector probes the
/// other's cell, exactly once (the probe lists decide which side reports it), with its exact score;
/// so every reported pair is a true pair and recall is the only approximation.
/// </summary>
public static class IvfJoin
{
    /// <summary>All pairs (A &lt; B) of rows with similarity ≥ threshold that the probes find, sorted by (A, B).</summary>
    public static IReadOnlyList<ScoredPair> SelfJoin(VectorSet vectors, float threshold, IvfOptions? options = null)
    {
        var pairs = new List<ScoredPair>();
        SelfJoin(vectors, threshold, batch => pairs.AddRange(batch), options);
        pairs.Sort(ExactJoin.ComparePairs);
        return pairs;
    }

    /// <summary>Streams the pairs (A &lt; B, no particular order) to <paramref name="onBatch"/>; the report says how it went.</summary>
    public static IvfJoinReport SelfJoin(VectorSet vectors, float threshold, PairBatchHandler onBatch, IvfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(onBatch);
        if (float.IsNaN(threshold))
            throw new ArgumentException("Threshold is NaN.", nameof(threshold));
        options ??= IvfOptions.Default;
        options.Validate();
        var kind = JoinKernel.Resolve(options.Kernel);
        int n = vectors.Count;
        if (n < 2)
            return new IvfJoinReport(n, Math.Min(n, 1), Math.Min(n, 1), 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, 4.0 * vectors.Dimension + 8);

        var join = new JoinOptions { MaxThreads = options.MaxThreads, Kernel = kind };
        var clock = Stopwatch.StartNew();
        var centroids = SphericalKMeans.Train(vectors, options.CellCountFor(n), options.TrainingPointsPerCell, options.Iterations, options.Seed, join);
        var training = clock.Elapsed;
        clock.Restart();
        var cells = IvfCells.Assign(vectors, centroids, options.MaxProbes, options.ProbeMargin, join);
        var assignment = clock.Elapsed;
        clock.Restart();
        var (pairs, comparisons, passBytes) = JoinCells(vectors, cells, 0, cells.CellCount, threshold, onBatch, kind, options.MaxThreads);
        var joinTime = clock.Elapsed;

        // Vectors and their 8-byte ids, the resident cell lists, the largest pass of prober lists, centroids.
        double bytes = 4.0 * vectors.Dimension + 8 + cells.BytesPerVector + passBytes + 4.0 * centroids.Count * centroids.Dimension / n;
        return new IvfJoinReport(n, cells.CellCount, cells.TotalProbes / (double)n, comparisons, pairs, training, assignment, joinTime, bytes);
    }

    /// <summary>Rows probing the cells of one pass are listed at about this many ints per vector; cells are
    /// joined in passes over consecutive cell ranges so the inverted lists never exist all at once.</summary>
    private const int ProberIntsPerVectorPerPass = 16;

    /// <summary>Joins cells [<paramref name="firstCell"/>, <paramref name="endCell"/>): each pair is reported by exactly one
    /// cell (see <see cref="CellHandler"/>), so the cells of a whole partition of the range, joined apart, report every pair once.</summary>
    internal static (long Pairs, long Comparisons, double PassBytesPerVector) JoinCells(VectorSet vectors, IvfCells cells, int firstCell, int endCell,
        float threshold, PairBatchHandler onBatch, JoinKernelKind kind, int maxThreads)
    {
        var sink = new SerialisedSink(onBatch);
        var workers = new ConcurrentBag<Worker>();
        long comparisons = 0, budget = Math.Max((long)ProberIntsPerVectorPerPass * cells.Count, cells.ProberCount.Max()), largestPass = 0;
        for (int first = firstCell; first < endCell;)
        {
            int end = first;
            long listed = 0;
            while (end < endCell && (end == first || listed + cells.ProberCount[end] <= budget))
                listed += cells.ProberCount[end++];
            largestPass = Math.Max(largestPass, listed);
            var (start, probers) = cells.Probers(first, end);
            // Biggest cells first, one at a time per worker, so no worker is left with a giant cell at the end.
            int from = first;
            var order = Enumerable.Range(first, end - first)
                .Where(c => cells.MemberStart[c + 1] > cells.MemberStart[c])
                .OrderByDescending(c => Work(cells, c))
                .ToArray();
            comparisons += order.Sum(c => Work(cells, c));
            Parallel.ForEach(Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = maxThreads },
                () => workers.TryTake(out var idle) ? idle : new Worker(new PairBuffer(sink)),
                (cell, _, worker) =>
                {
                    var members = cells.Members.AsSpan(cells.MemberStart[cell], cells.MemberStart[cell + 1] - cells.MemberStart[cell]);
                    int offset = start[cell - from];
                    var rows = probers.AsSpan(offset, start[cell - from + 1] - offset);
                    var panels = PackedPanels.PackGathered(vectors.Buffer, members, vectors.Dimension, ref worker.Panels);
                    var handler = new CellHandler(cells, cell, probers, offset, cells.MemberStart[cell], threshold, worker.Output);
                    JoinKernel.RunGathered(ref handler, kind, vectors.Buffer, rows, panels);
                    return worker;
                },
                workers.Add);
            first = end;
        }
        foreach (var worker in workers)
            worker.Output.Flush();
        return (sink.Total, comparisons, 4.0 * largestPass / cells.Count);
    }

    private static long Work(IvfCells cells, int c) =>
        (long)(cells.MemberStart[c + 1] - cells.MemberStart[c]) * cells.ProberCount[c];

    private sealed class Worker(PairBuffer output)
    {
        public PairBuffer Output { get; } = output;
        public float[]? Panels;
    }

    /// <summary>
    /// Turns a (prober, member) hit into a canonical pair, reporting each pair once: a pair inside one
    /// cell is seen from both members, and a pair across cells is seen from each side that probes the
    /// other's cell; in both cases only the side whose row is smaller reports it.
    /// </summary>
    private readonly struct CellHandler(IvfCells cells, int cell, int[] probers, int proberOffset, int memberOffset, float threshold, PairBuffer output) : ITileHandler
    {
        public float Threshold(int row) => threshold;

        public void Hit(int row, int col, float score)
        {
            int query = probers[proberOffset + row];
            int member = cells.Members[memberOffset + col];
            if (query == member)
                return;
            bool seenTwice = cells.Home(query) == cell || cells.Probes(member, cells.Home(query));
            if (seenTwice && query > member)
                return;
            output.Add(query < member ? new ScoredPair(query, member, score) : new ScoredPair(member, query, score));
        }
    }
}
