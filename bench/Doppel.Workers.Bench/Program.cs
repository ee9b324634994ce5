using System.Diagnostics;
using System.Globalization;
using Doppel.Matching;
using Doppel.Workers;

// Matching N synthetic face-like vectors (SyntheticEmbeddings, d = 128, cosine >= 0.5) as the workers do it:
// blocks of B rows, one partition per (row block, column block) of the upper triangle (PartitionJoin), the
// partitions dealt round-robin to W separate processes. Compares against one process doing the plain
// ExactJoin.SelfJoin: wall time of each, and whether the pairs are identical (count and an order-free checksum
// of (a, b, score bits)). The job queue is left out: it adds a few queries per partition, not per pair.
//
//   dotnet bench/Doppel.Workers.Bench/bin/Release/net10.0/Doppel.Workers.Bench.dll match 1000000 65536 2
//
// ivf N MAX_PROBERS W: the same with --search ivf's partitions (IvfPartitions): the cells planned (k-means and probe
// lists; every process plans, as the plan job does once, timed with its joins), ranges of cells probed at most
// MAX_PROBERS times each dealt round-robin to W processes, each joining its ranges from their probers alone, vs one
// process running IvfJoin.SelfJoin.
//
//   dotnet bench/Doppel.Workers.Bench/bin/Release/net10.0/Doppel.Workers.Bench.dll ivf 1000000 20000000 2
//
// ivf-plan N: the plan job's two ways to plan the cells of N vectors: IvfPartitions.Plan over all of them (what the plan
// job did before) vs IvfStreamingPlan (the k-means sample's rows, then batches of 16,384; what it does now), in this one
// process, each timed; prints both times, the most vectors each held at once, and whether centroids and probe lists agree.
//
//   dotnet bench/Doppel.Workers.Bench/bin/Release/net10.0/Doppel.Workers.Bench.dll ivf-plan 1000000
var inv = CultureInfo.InvariantCulture;
const float Threshold = 0.5f;
const int Seed = 20261207;
switch (args.FirstOrDefault())
{
    case "match":
    {
        int n = int.Parse(args[1], inv), block = int.Parse(args[2], inv);
        Console.WriteLine($"N={n} d=128 t={Threshold} block={block} partitions={(n + block - 1) / block * ((n + block - 1) / block + 1) / 2}");
        return Compare("single", "part", "ExactJoin.SelfJoin", "partitions", args);
    }
    case "single":
    {
        int count = int.Parse(args[1], inv);
        var vectors = Block(Generate(count), 0, count);
        var clock = Stopwatch.StartNew();
        var pairs = ExactJoin.SelfJoin(vectors, Threshold);
        Report(clock.Elapsed.TotalSeconds, pairs.Select(p => new PartitionPair(p.A, p.B, p.Score)));
        return 0;
    }
    case "part":
    {
        int n = int.Parse(args[1], inv), block = int.Parse(args[2], inv), index = int.Parse(args[3], inv), of = int.Parse(args[4], inv);
        var vectors = Generate(n);
        var clock = Stopwatch.StartNew();
        var found = new List<PartitionPair>();
        int blocks = (n + block - 1) / block, k = 0;
        foreach (var (row, col) in PartitionJoin.Partitions(blocks))
            if (k++ % of == index)
                found.AddRange(PartitionJoin.Join(Block(vectors, row, block), row * block, Block(vectors, col, block), col * block, row == col, Threshold));
        Report(clock.Elapsed.TotalSeconds, found);
        return 0;
    }
    case "ivf":
    {
        Console.WriteLine($"N={args[1]} d=128 t={Threshold} IVF defaults, ranges of at most {args[2]} probers");
        // The single process's time is train + assign + join; each worker process's is the plan (which the plan job
        // does once, before the range jobs) + the join of its ranges, so the speed-up printed is a lower bound.
        return Compare("ivf-single", "ivf-part", "IvfJoin.SelfJoin", "cell ranges", args);
    }
    case "ivf-single":
    {
        int count = int.Parse(args[1], inv);
        var vectors = Block(Generate(count), 0, count);
        var clock = Stopwatch.StartNew();
        var pairs = IvfJoin.SelfJoin(vectors, Threshold);
        Report(clock.Elapsed.TotalSeconds, pairs.Select(p => new PartitionPair(p.A, p.B, p.Score)));
        return 0;
    }
    case "ivf-part":
    {
        int n = int.Parse(args[1], inv), index = int.Parse(args[3], inv), of = int.Parse(args[4], inv);
        long maxProbers = long.Parse(args[2], inv);
        var generated = Generate(n);
        var vectors = Block(generated, 0, n);
        var clock = Stopwatch.StartNew();
        var plan = IvfPartitions.Plan(vectors);
        var found = new List<PartitionPair>();
        int k = 0;
        foreach (var (first, end) in plan.Ranges(maxProbers))
        {
            if (k++ % of != index)
                continue;
            // What a MatchCells job reads: the rows probing the range and their probe lists.
            var rows = new List<int>();
            for (int r = 0; r < n; r++)
                foreach (ushort c in plan.ProbesOf(r))
                    if (c >= first && c < end)
                    {
                        rows.Add(r);
                        break;
                    }
            var probers = new VectorSet(vectors.Dimension, Math.Max(1, rows.Count));
            // Added from the generated rows as Block adds them (a worker adds the stored vectors as one process does), so
            // every score is bit-identical.
            foreach (int r in rows)
                probers.Add(r, generated.Row(r));
            foreach (var p in IvfPartitions.JoinRange(probers, rows.Select(r => plan.ProbesOf(r).ToArray()).ToList(), plan.CellCount, first, end, Threshold))
                found.Add(new PartitionPair(rows[p.A], rows[p.B], p.Score));
        }
        Report(clock.Elapsed.TotalSeconds, found);
        return 0;
    }
    case "ivf-plan":
    {
        int n = int.Parse(args[1], inv);
        var generated = Generate(n);
        var clock = Stopwatch.StartNew();
        var whole = IvfPartitions.Plan(Block(generated, 0, n));
        double wholeSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var streamed = new IvfStreamingPlan(n);
        streamed.Train(Rows(generated, streamed.TrainingRows));
        for (int first = 0; first < n; first += streamed.BatchRows)
            streamed.Assign(Block(generated, first / streamed.BatchRows, streamed.BatchRows));
        var plan = streamed.Finish();
        double streamedSeconds = clock.Elapsed.TotalSeconds;
        bool same = plan.Centroids.Data.SequenceEqual(whole.Centroids.Data) && Enumerable.Range(0, n).All(r => plan.ProbesOf(r).SequenceEqual(whole.ProbesOf(r)));
        Console.WriteLine($"N={n} d=128 cells={plan.CellCount} sample={streamed.TrainingRows.Count}");
        Console.WriteLine($"whole set: {wholeSeconds:F1} s, held {(long)n + streamed.TrainingRows.Count} vectors (the set and its drawn sample)");
        Console.WriteLine($"streamed: {streamedSeconds:F1} s, held {streamed.MostHeld} vectors");
        Console.WriteLine($"identical plan: {(same ? "yes" : "NO")}");
        return same ? 0 : 1;
    }
    default:
        Console.Error.WriteLine("usage: match N BLOCK WORKERS (e.g. match 1000000 65536 2) | ivf N MAX_PROBERS WORKERS (e.g. ivf 1000000 20000000 2) | ivf-plan N");
        return 2;
}

// args: MODE N SIZE WORKERS. One process running `single`, then WORKERS processes running `part` on their share.
static int Compare(string single, string part, string singleName, string partsName, string[] args)
{
    var inv = CultureInfo.InvariantCulture;
    int workers = int.Parse(args[3], inv);
    var one = Run([single, args[1]]);
    var split = Stopwatch.StartNew();
    var children = Enumerable.Range(0, workers).Select(i => Start([part, args[1], args[2], i.ToString(inv), args[3]])).ToList();
    var results = children.Select(c => Finish(c)).ToList();
    split.Stop();
    long pairs = results.Sum(r => r.Pairs);
    ulong sum = results.Aggregate(0UL, (s, r) => unchecked(s + r.Checksum));
    Console.WriteLine($"one process ({singleName}): wall {one.Wall:F1} s (join {one.Join:F1} s), pairs {one.Pairs}");
    Console.WriteLine($"{workers} worker processes ({partsName}): wall {split.Elapsed.TotalSeconds:F1} s (joins {string.Join(" / ", results.Select(r => r.Join.ToString("F1", inv)))} s), pairs {pairs}");
    bool same = pairs == one.Pairs && sum == one.Checksum;
    Console.WriteLine($"identical pairs: {(same ? "yes" : "NO")}; speed-up {one.Join / results.Max(r => r.Join):F2}x on the joins, {one.Wall / split.Elapsed.TotalSeconds:F2}x wall");
    return same ? 0 : 1;
}

static VectorSet Generate(int n) => SyntheticEmbeddings.Generate(n, 128, Seed).Vectors;

// Rows added (and normalised) once from the generated rows, as workers add stored vectors.
static VectorSet Block(VectorSet all, int block, int size)
{
    int start = block * size, end = Math.Min(all.Count, start + size);
    var set = new VectorSet(all.Dimension, Math.Max(1, end - start));
    for (int i = start; i < end; i++)
        set.Add(all.Id(i), all.Row(i));
    return set;
}

// Rows of the generated set, each added (and normalised) once, as the plan job reads the sample's stored vectors.
static VectorSet Rows(VectorSet all, IReadOnlyList<int> rows)
{
    var set = new VectorSet(all.Dimension, Math.Max(1, rows.Count));
    foreach (int r in rows)
        set.Add(all.Id(r), all.Row(r));
    return set;
}

static void Report(double join, IEnumerable<PartitionPair> pairs)
{
    long count = 0;
    ulong sum = 0;
    foreach (var p in pairs)
    {
        count++;
        sum = unchecked(sum + Mix(((ulong)(uint)p.A << 32 | (uint)p.B) ^ (ulong)BitConverter.SingleToInt32Bits(p.Score) * 0x9E3779B97F4A7C15UL));
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{join} {count} {sum}"));
}

static ulong Mix(ulong x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdUL; x ^= x >> 33; x *= 0xc4ceb93e185a7cbaUL; x ^= x >> 33;
    return x;
}

static Process Start(string[] arguments)
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        start.ArgumentList.Add(typeof(PartitionJoin).Assembly.Location.Replace("Doppel.Workers.dll", "Doppel.Workers.Bench.dll", StringComparison.Ordinal));
    foreach (var a in arguments)
        start.ArgumentList.Add(a);
    return Process.Start(start)!;
}

static (double Join, long Pairs, ulong Checksum) Finish(Process process)
{
    var line = process.StandardOutput.ReadToEnd().Trim().Split('\n')[^1].Split(' ');
    process.WaitForExit();
    if (process.ExitCode != 0)
        throw new InvalidOperationException($"child exited with {process.ExitCode}");
    return (double.Parse(line[0], CultureInfo.InvariantCulture), long.Parse(line[1], CultureInfo.InvariantCulture), ulong.Parse(line[2], CultureInfo.InvariantCulture));
}

static (double Wall, double Join, long Pairs, ulong Checksum) Run(string[] arguments)
{
    var clock = Stopwatch.StartNew();
    var r = Finish(Start(arguments));
    return (clock.Elapsed.TotalSeconds, r.Join, r.Pairs, r.Checksum);
}
