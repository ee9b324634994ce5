using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Doppel.Matching;
using Doppel.Matching.Clustering;
using Doppel.Matching.IO;
using Doppel.Matching.Metrics;

// Clustering benchmarks. Every command prints one JSON line (plus notes on stderr).
//   generate N DIM SEED DIR          → DIR/synth-N.npy (+ .ids.txt, .labels.csv, .truth.npy)
//   dbscan NPY EPS MIN_SAMPLES [SKLEARN_LABELS.npy] [REPEATS]
//   umap NPY LAYOUT_OUT.npy COMPONENTS NEIGHBORS MIN_DIST EPOCHS SEED [spectral|random] [components|whole]
//   layout-cluster LAYOUT.npy TRUTH.npy MIN_SAMPLES EPS,EPS,… → DBSCAN (Euclidean) on any layout (ours or umap-learn's), scored
//   trust NPY LAYOUT.npy K [SAMPLE]  → trustworthiness of a layout (ours or umap-learn's)
//   cluster NPY LABELS.csv ALGORITHM EPS MIN_SAMPLES → scores (as doppel eval cluster)
//   umap-sweep NPY LABELS.csv COMPONENTS MIN_SAMPLES EPS,EPS,… → one UMAP layout, DBSCAN scores per layout ε
//   sweep NPY LABELS.csv ALGORITHM [GRID [COHORT]]  → scores over a parameter grid (Sweep.cs); labelled ids
//                                           missing from NPY (no face) count as unassigned singletons
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: generate | dbscan | umap | trust | cluster (see Program.cs)");
    return 2;
}
return args[0] switch
{
    "generate" => Generate(int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), args[4]),
    "dbscan" => DbscanBench(args[1], float.Parse(args[2]), int.Parse(args[3]), args.Length > 4 ? args[4] : null, args.Length > 5 ? int.Parse(args[5]) : 1),
    "umap" => UmapBench(args[1], args[2], int.Parse(args[3]), int.Parse(args[4]), double.Parse(args[5]), int.Parse(args[6]), int.Parse(args[7]),
        args.Length > 8 && args[8] == "random" ? UmapInit.Random : UmapInit.Spectral, !(args.Length > 9 && args[9] == "whole")),
    "layout-cluster" => LayoutCluster(args[1], args[2], int.Parse(args[3]), args[4].Split(',').Select(float.Parse).ToArray()),
    "trust" => TrustBench(args[1], args[2], int.Parse(args[3]), args.Length > 4 ? int.Parse(args[4]) : int.MaxValue),
    "cluster" => ClusterBench(args[1], args[2], args[3], float.Parse(args[4]), int.Parse(args[5])),
    "sweep" => Sweep.Run(args[1], args[2], args[3], args.Length > 4 && args[4].Length > 0 ? args[4] : null, args.Length > 5 ? args[5] : null),
    "umap-sweep" => UmapSweep(args[1], args[2], int.Parse(args[3]), int.Parse(args[4]), args[5].Split(',').Select(float.Parse).ToArray()),
    _ => throw new ArgumentException($"Unknown command '{args[0]}'."),
};

static int Generate(int n, int dim, int seed, string dir)
{
    Directory.CreateDirectory(dir);
    var (vectors, labels) = SyntheticEmbeddings.Generate(n, dim, seed);
    var stem = Path.Combine(dir, $"synth-{n}");
    NpyFile.WriteMatrix(stem + ".npy", vectors);
    NpyFile.WriteInt32(stem + ".truth.npy", labels);
    var ids = Enumerable.Range(0, n).Select(i => $"face{i:D7}").ToArray();
    File.WriteAllLines(stem + ".ids.txt", ids);
    LabelsCsv.Write(stem + ".labels.csv", ids.Select((id, i) => KeyValuePair.Create(id, $"identity{labels[i]}")));
    Emit(new { command = "generate", n, dim, seed, identities = labels.Distinct().Count(), file = stem + ".npy" });
    return 0;
}

static int DbscanBench(string npy, float eps, int minSamples, string? sklearnLabels, int repeats)
{
    var vectors = EmbeddingFiles.Read(npy).ToVectorSet();
    int[] labels = [];
    var seconds = new List<double>();
    for (int r = 0; r < repeats; r++)
    {
        var watch = Stopwatch.StartNew();
        labels = Dbscan.Cluster(vectors, eps, minSamples);
        seconds.Add(watch.Elapsed.TotalSeconds);
    }
    int? mismatches = null;
    if (sklearnLabels is not null)
    {
        var expected = NpyFile.ReadInt32(sklearnLabels);
        if (expected.Length != labels.Length)
            throw new InvalidDataException($"{sklearnLabels} has {expected.Length} labels, expected {labels.Length}.");
        mismatches = labels.Where((l, i) => l != expected[i]).Count();
    }
    Emit(new
    {
        command = "dbscan", n = vectors.Count, eps, min_samples = minSamples,
        seconds_best = seconds.Min(), seconds_all = seconds,
        clusters = labels.Where(l => l >= 0).Distinct().Count(), noise = labels.Count(l => l < 0),
        label_mismatches_vs_sklearn = mismatches,
    });
    return mismatches is > 0 ? 1 : 0;
}

static int UmapBench(string npy, string layoutOut, int components, int neighbors, double minDist, int epochs, int seed, UmapInit init, bool perComponent)
{
    var vectors = EmbeddingFiles.Read(npy).ToVectorSet();
    var watch = Stopwatch.StartNew();
    var layout = Umap.FitTransform(vectors, new UmapOptions(neighbors, components, minDist, Epochs: epochs, Seed: seed, Init: init, PerComponent: perComponent));
    double seconds = watch.Elapsed.TotalSeconds;
    new NpyMatrix(layout, vectors.Count, components).Write(layoutOut);
    var sizes = Umap.ComponentSizes(vectors, new UmapOptions(neighbors, components, minDist, Epochs: epochs));
    Emit(new
    {
        graph_components = sizes.Count, largest_components = sizes.Take(5), components_under_6 = sizes.Count(s => s < 6),
        command = "umap", n = vectors.Count, components, neighbors, min_dist = minDist, epochs, init = init.ToString().ToLowerInvariant(),
        layout = perComponent ? "per-component" : "whole", seconds,
    });
    return 0;
}

static int LayoutCluster(string layoutPath, string truthPath, int minSamples, float[] epsValues)
{
    var layout = NpyMatrix.Read(layoutPath);
    var truth = NpyFile.ReadInt32(truthPath);
    if (truth.Length != layout.Rows)
        throw new InvalidDataException($"{truthPath} has {truth.Length} labels for {layout.Rows} layout rows.");
    foreach (var eps in epsValues)
    {
        var labels = Dbscan.Cluster(NeighborGraph.Euclidean(layout.Data, layout.Columns, eps), minSamples);
        var s = ClusteringMetrics.Evaluate(truth, labels);
        Emit(new
        {
            command = "layout-cluster", layout = layoutPath, n = layout.Rows, eps, min_samples = minSamples,
            pairwise_f = s.Pairwise.F, bcubed_f = s.BCubed.F, persons = s.PredictedClusters, unassigned = s.NoiseItems, true_persons = s.TrueClusters,
        });
    }
    return 0;
}

static int TrustBench(string npy, string layoutPath, int k, int sample)
{
    var vectors = EmbeddingFiles.Read(npy).ToVectorSet();
    var layout = NpyMatrix.Read(layoutPath);
    // Trustworthiness is O(n²); a prefix sample keeps it to seconds (rows are shuffled already).
    int n = Math.Min(sample, vectors.Count);
    var sub = new VectorSet(vectors.Dimension, n);
    for (int i = 0; i < n; i++)
        sub.Add(i, vectors.Row(i));
    var watch = Stopwatch.StartNew();
    double t = Trustworthiness.Compute(sub, layout.Data.AsSpan(0, n * layout.Columns), layout.Columns, k);
    Emit(new { command = "trust", layout = layoutPath, n, k, trustworthiness = t, seconds = watch.Elapsed.TotalSeconds });
    return 0;
}

static int ClusterBench(string npy, string labelsCsv, string algorithm, float eps, int minSamples)
{
    var set = EmbeddingFiles.Read(npy);
    var algo = algorithm switch
    {
        "dbscan" => ClusterAlgorithm.Dbscan,
        "hdbscan" => ClusterAlgorithm.Hdbscan,
        "umap-dbscan" => ClusterAlgorithm.UmapDbscan,
        "incremental" => ClusterAlgorithm.Incremental,
        _ => throw new ArgumentException($"Unknown algorithm '{algorithm}'."),
    };
    var watch = Stopwatch.StartNew();
    var r = ClusterEvaluation.Run(set, LabelsCsv.KeyedLike(LabelsCsv.Read(labelsCsv), set.Ids, labelsCsv), new ClusterSettings(algo, eps, minSamples));
    var s = r.Scores;
    Emit(new
    {
        command = "cluster", algorithm, n = s.Items, eps, min_samples = minSamples, seconds = watch.Elapsed.TotalSeconds,
        pairwise_p = s.Pairwise.Precision, pairwise_r = s.Pairwise.Recall, pairwise_f = s.Pairwise.F,
        bcubed_p = s.BCubed.Precision, bcubed_r = s.BCubed.Recall, bcubed_f = s.BCubed.F,
        persons = s.PredictedClusters, unassigned = s.NoiseItems, true_persons = s.TrueClusters,
    });
    return 0;
}

static int UmapSweep(string npy, string labelsCsv, int components, int minSamples, float[] epsValues)
{
    var set = EmbeddingFiles.Read(npy);
    var truth = ClusteringMetrics.Encode(ClusterEvaluation.IdentitiesOf(set.Ids, LabelsCsv.KeyedLike(LabelsCsv.Read(labelsCsv), set.Ids, labelsCsv)));
    var options = ClusterSettings.DefaultUmap with { Components = components };
    var watch = Stopwatch.StartNew();
    var layout = Umap.FitTransform(set.ToVectorSet(), options);
    double umapSeconds = watch.Elapsed.TotalSeconds;
    foreach (var eps in epsValues)
    {
        var labels = Dbscan.Cluster(NeighborGraph.Euclidean(layout, components, eps), minSamples);
        var s = ClusteringMetrics.Evaluate(truth, labels);
        Emit(new
        {
            command = "umap-sweep", n = set.Count, components, min_dist = options.MinDist, neighbors = options.Neighbors, umap_seconds = umapSeconds,
            eps, min_samples = minSamples, pairwise_f = s.Pairwise.F, bcubed_f = s.BCubed.F, persons = s.PredictedClusters,
            unassigned = s.NoiseItems, true_persons = s.TrueClusters,
        });
    }
    return 0;
}

static void Emit(object record) => Console.WriteLine(JsonSerializer.Serialize(record));
