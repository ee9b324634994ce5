using System.Diagnostics;
using System.Globalization;
using Doppel.Matching;

namespace Doppel.Matching.Bench;

internal static class Commands
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Generate(string[] a)
    {
        int n = int.Parse(a[0], Inv), d = int.Parse(a[1], Inv), seed = int.Parse(a[2], Inv);
        var sw = Stopwatch.StartNew();
        var (set, labels) = SyntheticEmbeddings.Generate(n, d, seed);
        NpyFile.WriteMatrix(a[3], set);
        NpyFile.WriteInt32(Path.ChangeExtension(a[3], ".labels.npy"), labels);
        Console.WriteLine($"generated {n} x {d} (seed {seed}, {labels.Distinct().Count()} identities) in {sw.Elapsed.TotalSeconds:F1}s -> {a[3]}");
        return 0;
    }

    public static int Exact(string[] a)
    {
        var set = NpyFile.ReadMatrix(a[0]);
        float t = float.Parse(a[1], Inv);
        int threads = a.Length > 2 ? int.Parse(a[2], Inv) : Environment.ProcessorCount;
        if (a.Length > 3)
            set = Prefix(set, int.Parse(a[3], Inv));
        var options = new JoinOptions { MaxThreads = threads };
        ExactJoin.SelfJoin(Prefix(set, 4096), t, _ => { }, options); // JIT warm-up
        var sw = Stopwatch.StartNew();
        long pairs = ExactJoin.SelfJoin(set, t, _ => { }, options);
        double s = sw.Elapsed.TotalSeconds;
        // A self-join computes N(N-1)/2 dot products of d multiply-adds = N(N-1)·d flops.
        double flops = (double)set.Count * (set.Count - 1) * set.Dimension;
        double peak = Machine.PeakFlops(threads);
        Console.WriteLine($"exact N={set.Count} d={set.Dimension} t={t} threads={threads} kernel={JoinKernel.Resolve(JoinKernelKind.Auto)}: " +
            $"{s:F2}s pairs={pairs} {flops / s / 1e9:F1} GFLOP/s = {100 * flops / s / peak:F1}% of {peak / 1e9:F0} GFLOP/s peak ({Machine.PeakFormula(threads)})");
        return 0;
    }

    /// <summary>The exact path through the search seam must cost what the direct kernel call costs: rounds
    /// alternate the two (streamed self-join, collected self-join, self top-k) so load drifts hit both alike.</summary>
    public static int Seam(string[] a)
    {
        var set = NpyFile.ReadMatrix(a[0]);
        float t = float.Parse(a[1], Inv);
        int rounds = a.Length > 2 ? int.Parse(a[2], Inv) : 3;
        int k = a.Length > 3 ? int.Parse(a[3], Inv) : 15;
        var search = VectorSearch.Exact;
        var warm = Prefix(set, 4096);
        ExactJoin.SelfJoin(warm, t, _ => { });
        search.SelfJoin(warm, t, _ => { });
        var best = new Dictionary<string, double>();
        var counts = new Dictionary<string, long>();
        void Time(string name, Func<long> run)
        {
            var sw = Stopwatch.StartNew();
            long count = run();
            double s = sw.Elapsed.TotalSeconds;
            best[name] = Math.Min(best.GetValueOrDefault(name, double.MaxValue), s);
            counts[name] = count;
        }
        for (int r = 0; r < rounds; r++)
        {
            Time("stream direct", () => ExactJoin.SelfJoin(set, t, _ => { }));
            Time("stream seam", () => search.SelfJoin(set, t, _ => { }));
            Time("list direct", () => ExactJoin.SelfJoin(set, t).Count);
            Time("list seam", () => search.SelfJoin(set, t).Count);
            Time("topk direct", () => ExactJoin.SelfTopK(set, k).Sum(row => (long)row.Length));
            Time("topk seam", () => search.SelfTopK(set, k).Sum(row => (long)row.Length));
        }
        Console.WriteLine($"seam N={set.Count} d={set.Dimension} t={t} k={k} rounds={rounds} (best of each):");
        foreach (var pair in new[] { "stream", "list", "topk" })
        {
            double direct = best[$"{pair} direct"], seam = best[$"{pair} seam"];
            Console.WriteLine($"  {pair,-6} direct {direct:F3}s seam {seam:F3}s ratio {seam / direct:F3}  results {counts[$"{pair} direct"]} / {counts[$"{pair} seam"]}");
            if (counts[$"{pair} direct"] != counts[$"{pair} seam"])
                throw new InvalidOperationException($"{pair}: the seam returned a different number of results.");
        }
        return 0;
    }

    public static int Hnsw(string[] a)
    {
        var set = NpyFile.ReadMatrix(a[0]);
        float t = float.Parse(a[1], Inv);
        var options = new HnswOptions { M = int.Parse(a[2], Inv), EfConstruction = int.Parse(a[3], Inv), EfSearch = int.Parse(a[4], Inv) };
        int sample = a.Length > 5 ? int.Parse(a[5], Inv) : 2000;
        if (a.Length > 6)
            options = options with { JoinEf = int.Parse(a[6], Inv) };
        if (a.Length > 7)
            options = options with { FloodSlack = float.Parse(a[7], Inv) };
        if (a.Length > 8)
            options = options with { JoinSearchFromTop = a[8] == "top" };
        long before = GC.GetTotalMemory(true);
        var sw = Stopwatch.StartNew();
        var index = new HnswIndex(set.Dimension, options);
        index.AddRange(set, useRowIndexAsId: true);
        double build = sw.Elapsed.TotalSeconds;
        long after = GC.GetTotalMemory(true);
        sw.Restart();
        var pairs = index.SelfJoinNodes(t);
        double join = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"hnsw N={set.Count} d={set.Dimension} t={t} M={options.M} efC={options.EfConstruction} efS={options.EfSearch} joinEf={options.JoinEf} slack={options.FloodSlack} fromTop={options.JoinSearchFromTop} threads={options.MaxThreads}: " +
            $"build {build:F1}s, join {join:F1}s, total {build + join:F1}s, pairs={pairs.Count}, " +
            $"index {index.EstimatedBytesPerVector:F0} B/vector (payload), managed heap growth {(after - before) / (double)set.Count:F0} B/vector, peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB");
        var (recall, truth) = SampledRecall(set, pairs, t, sample);
        Console.WriteLine($"pair recall vs exact on {Math.Min(sample, set.Count)} sampled rows: {recall:F4} ({truth} true pairs touching them)");
        if (a.Length > 8 && a[8] == "both")
        {
            sw.Restart();
            var fromTop = index.SelfJoinNodes(t, searchFromTop: true);
            Console.WriteLine($"same index, join searching every node from the top: {sw.Elapsed.TotalSeconds:F1}s, pairs={fromTop.Count}, " +
                $"sampled recall {SampledRecall(set, fromTop, t, sample).Recall:F4}");
        }
        return 0;
    }

    public static int Ivf(string[] a)
    {
        var set = NpyFile.ReadMatrix(a[0]);
        float t = float.Parse(a[1], Inv);
        var options = new IvfOptions();
        if (a.Length > 2 && a[2] != "auto")
            options = options with { Cells = int.Parse(a[2], Inv) };
        if (a.Length > 3)
            options = options with { MaxProbes = int.Parse(a[3], Inv) };
        if (a.Length > 4)
            options = options with { ProbeMargin = a[4] == "inf" ? float.PositiveInfinity : float.Parse(a[4], Inv) };
        int sample = a.Length > 5 ? int.Parse(a[5], Inv) : 2000;
        if (a.Length > 6)
            options = options with { MaxThreads = int.Parse(a[6], Inv) };
        if (a.Length > 7)
            options = options with { Iterations = int.Parse(a[7], Inv) };
        if (a.Length > 8)
            options = options with { TrainingPointsPerCell = int.Parse(a[8], Inv) };
        IvfJoin.SelfJoin(Prefix(set, 4096), t, _ => { }, options); // JIT warm-up
        long before = GC.GetTotalMemory(true);
        var pairs = new List<ScoredPair>();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var report = IvfJoin.SelfJoin(set, t, batch => pairs.AddRange(batch), options);
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        Console.WriteLine($"ivf N={report.Vectors} d={set.Dimension} t={t} cells={report.Cells} maxProbes={options.MaxProbes} margin={options.ProbeMargin} iterations={options.Iterations} pointsPerCell={options.TrainingPointsPerCell} " +
            $"threads={options.MaxThreads}: train {report.Training.TotalSeconds:F1}s, assign {report.Assignment.TotalSeconds:F1}s, join {report.Join.TotalSeconds:F1}s, " +
            $"total {report.Total.TotalSeconds:F1}s (process CPU time {cpu:F1}s = {cpu / options.MaxThreads:F1}s per thread), pairs={report.Pairs}, avg probes {report.AverageProbes:F1}, " +
            $"comparisons {report.CandidateComparisons:E2} = {100 * report.ShareOfExactWork:F2}% of the exact self-join's, " +
            $"index {report.IndexBytesPerVector:F0} B/vector (vectors {4 * set.Dimension} + cells/lists), " +
            $"peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB = {Process.GetCurrentProcess().PeakWorkingSet64 / (double)set.Count:F0} B/vector (whole process, result list included)");
        var (recall, truth) = SampledRecall(set, pairs, t, sample);
        Console.WriteLine($"pair recall vs exact on {Math.Min(sample, set.Count)} sampled rows: {recall:F4} ({truth} true pairs touching them)");
        return 0;
    }

    public static int Compact(string[] a)
    {
        var set = NpyFile.ReadMatrix(a[0]);
        float t = float.Parse(a[1], Inv);
        var exact = ExactJoin.SelfJoin(set, t);
        var truth = exact.Select(p => (p.A, p.B)).ToHashSet();
        foreach (var encoding in new[] { VectorEncoding.Float16, VectorEncoding.Int8 })
        {
            var compact = CompactVectorSet.Encode(set, encoding);
            var got = ExactJoin.SelfJoin(compact.ToVectorSet(), t).Select(p => (p.A, p.B)).ToHashSet();
            int hit = got.Count(truth.Contains);
            Console.WriteLine($"{encoding}: {compact.BytesPerVector} B/vector (float32 {4 * set.Dimension + 8}); pairs {got.Count} vs {truth.Count}; " +
                $"recall {hit / (double)truth.Count:F5}, precision {hit / (double)Math.Max(1, got.Count):F5}");
        }
        return 0;
    }

    /// <summary>Recall over the true pairs touching a random sample of rows: exact cross-join of the
    /// sample against everything (cheap), against the approximate pairs touching the same rows.</summary>
    private static (double Recall, long Truth) SampledRecall(VectorSet set, List<ScoredPair> approx, float t, int sample)
    {
        var rng = new Random(123);
        var rows = Enumerable.Range(0, set.Count).OrderBy(_ => rng.Next()).Take(Math.Min(sample, set.Count)).ToArray();
        var queries = new VectorSet(set.Dimension, rows.Length);
        foreach (int r in rows)
            queries.Add(r, set.Row(r));
        var truth = new HashSet<(int, int)>();
        ExactJoin.CrossJoin(queries, set, t, batch =>
        {
            foreach (var p in batch)
            {
                int a = rows[p.A], b = p.B;
                if (a != b)
                    truth.Add((Math.Min(a, b), Math.Max(a, b)));
            }
        });
        var sampled = rows.ToHashSet();
        var found = approx.Where(p => sampled.Contains(p.A) || sampled.Contains(p.B)).Select(p => (p.A, p.B)).ToHashSet();
        int hit = truth.Count(found.Contains);
        return (truth.Count == 0 ? 1 : hit / (double)truth.Count, truth.Count);
    }

    private static VectorSet Prefix(VectorSet set, int n)
    {
        var prefix = new VectorSet(set.Dimension, Math.Min(n, set.Count));
        for (int r = 0; r < Math.Min(n, set.Count); r++)
            prefix.Add(r, set.Row(r));
        return prefix;
    }
}
