using System.Diagnostics;
using System.Text.Json;
using Doppel.Matching;
using Doppel.Matching.Clustering;
using Doppel.Matching.IO;
using Doppel.Matching.Metrics;

/// <summary>
/// Parameter sweeps on labelled real embeddings: every grid point of one algorithm is clustered and
/// scored like <c>doppel eval cluster</c> (labelled ids absent from the file are images without a
/// face: unassigned singletons). Prints one JSON line per grid point, then the best by the mean of
/// pairwise and BCubed F (pairwise F alone is ruled by the few identities with many photos, BCubed
/// by the many singletons; the mean keeps both honest).
/// GRID overrides the default grid: "eps=0.2:0.6:0.02;min_samples=2,3" style, keys per algorithm:
/// dbscan/incremental eps, min_samples; hdbscan min_cluster_size, min_samples; umap-dbscan
/// neighbors, components, eps, min_samples; average eps (the levelled cosine distance at which persons cut).
/// COHORT ("FILE,QUANTILE,EXCLUDE_ABOVE,FALLBACK", e.g. the dlib profile's
/// "src/Doppel.Vision/Embedding/Cohorts/dlib-resnet29.int8.cohort,0.995,0.95,0.9118") levels each vector against that
/// reference cohort as the recognition profile does, for <c>average</c>: levelled cosine = cos − the mean of the
/// two faces' level − FALLBACK.
/// </summary>
internal static class Sweep
{
    public static int Run(string npy, string labelsCsv, string algorithm, string? grid, string? cohort = null)
    {
        var set = EmbeddingFiles.Read(npy);
        var labels = LabelsCsv.KeyedLike(LabelsCsv.Read(labelsCsv), set.Ids, labelsCsv);
        var embedded = new HashSet<string>(set.Ids.Select(EmbeddingSet.ImagePathOf), StringComparer.Ordinal);
        var unembedded = labels.Keys.Where(k => !embedded.Contains(k)).Order(StringComparer.Ordinal).ToList();
        var identities = ClusterEvaluation.IdentitiesOf([.. set.Ids, .. unembedded], labels);
        var truth = ClusteringMetrics.Encode(identities);
        var vectors = set.ToVectorSet();
        var g = ParseGrid(grid);
        var results = new List<(double Score, Dictionary<string, object> Record)>();

        void Score(Dictionary<string, object> parameters, int[] clustered, double seconds)
        {
            int[] all = [.. clustered, .. Enumerable.Repeat(Dbscan.Noise, unembedded.Count)];
            var s = ClusteringMetrics.Evaluate(truth, all);
            var record = new Dictionary<string, object>(parameters)
            {
                ["command"] = "sweep", ["algorithm"] = algorithm, ["n"] = s.Items, ["without_face"] = unembedded.Count,
                ["pairwise_p"] = Math.Round(s.Pairwise.Precision, 4), ["pairwise_r"] = Math.Round(s.Pairwise.Recall, 4), ["pairwise_f"] = Math.Round(s.Pairwise.F, 4),
                ["bcubed_p"] = Math.Round(s.BCubed.Precision, 4), ["bcubed_r"] = Math.Round(s.BCubed.Recall, 4), ["bcubed_f"] = Math.Round(s.BCubed.F, 4),
                ["persons"] = s.PredictedClusters, ["unassigned"] = s.NoiseItems, ["true_persons"] = s.TrueClusters, ["seconds"] = Math.Round(seconds, 3),
            };
            Console.WriteLine(JsonSerializer.Serialize(record));
            results.Add(((s.Pairwise.F + s.BCubed.F) / 2, record));
        }

        switch (algorithm)
        {
            case "dbscan":
            case "incremental":
            {
                var algo = algorithm == "dbscan" ? ClusterAlgorithm.Dbscan : ClusterAlgorithm.Incremental;
                foreach (var minSamples in g.Ints("min_samples", [1, 2, 3, 4]))
                    foreach (var eps in g.Floats("eps", Range(0.10f, 0.70f, 0.025f)))
                    {
                        var watch = Stopwatch.StartNew();
                        var l = new ClusterSettings(algo, eps, minSamples).Run(vectors);
                        Score(new() { ["eps"] = eps, ["min_samples"] = minSamples }, l, watch.Elapsed.TotalSeconds);
                    }
                break;
            }
            case "average":
            {
                float[]? offsets = cohort is null ? null : LevelOffsets(vectors, cohort);
                foreach (var eps in g.Floats("eps", Range(0.04f, 0.08f, 0.0025f)))
                {
                    var watch = Stopwatch.StartNew();
                    var l = AverageClustering.Cluster(vectors, eps, offsets);
                    Score(new() { ["eps"] = eps, ["normalised"] = offsets is not null }, l, watch.Elapsed.TotalSeconds);
                }
                break;
            }
            case "hdbscan":
                foreach (var minClusterSize in g.Ints("min_cluster_size", [2, 3, 4, 5]))
                    foreach (var minSamples in g.Ints("min_samples", [1, 2, 3, 4, 5]))
                    {
                        var watch = Stopwatch.StartNew();
                        var l = Hdbscan.Cluster(vectors, minClusterSize, minSamples);
                        Score(new() { ["min_cluster_size"] = minClusterSize, ["min_samples"] = minSamples }, l, watch.Elapsed.TotalSeconds);
                    }
                break;
            case "umap-dbscan":
                foreach (var neighbors in g.Ints("neighbors", [5, 10, 15, 30]))
                    foreach (var components in g.Ints("components", [2, 8, 16]))
                    {
                        var options = ClusterSettings.DefaultUmap with { Neighbors = neighbors, Components = components };
                        var watch = Stopwatch.StartNew();
                        var layout = Umap.FitTransform(vectors, options);
                        double umapSeconds = watch.Elapsed.TotalSeconds;
                        foreach (var minSamples in g.Ints("min_samples", [2, 3]))
                            foreach (var eps in g.Floats("eps", [0.02f, 0.05f, 0.1f, 0.2f, 0.3f, 0.5f, 0.8f]))
                            {
                                watch.Restart();
                                var l = Dbscan.Cluster(NeighborGraph.Euclidean(layout, components, eps), minSamples);
                                Score(new() { ["neighbors"] = neighbors, ["components"] = components, ["eps"] = eps, ["min_samples"] = minSamples, ["umap_seconds"] = Math.Round(umapSeconds, 2) },
                                    l, watch.Elapsed.TotalSeconds + umapSeconds);
                            }
                    }
                break;
            default:
                throw new ArgumentException($"Unknown algorithm '{algorithm}'.");
        }
        var best = results.OrderByDescending(r => r.Score).First().Record;
        best["command"] = "sweep-best";
        Console.WriteLine(JsonSerializer.Serialize(best));
        return 0;
    }

    private static float[] LevelOffsets(VectorSet vectors, string spec)
    {
        var parts = spec.Split(',');
        if (parts.Length != 4)
            throw new ArgumentException($"COHORT must be FILE,QUANTILE,EXCLUDE_ABOVE,FALLBACK, not '{spec}'.");
        var reference = ReferenceCohort.Parse(File.ReadAllBytes(parts[0]), parts[0]);
        float fallback = float.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture);
        var normalisation = new CohortNormalisation(float.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
            float.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), 100, fallback);
        return normalisation.Levels(vectors, reference).Select(l => l - fallback).ToArray();
    }

    private static float[] Range(float from, float to, float step) =>
        Enumerable.Range(0, (int)Math.Round((to - from) / step) + 1).Select(i => (float)Math.Round(from + i * step, 4)).ToArray();

    private static Grid ParseGrid(string? text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2)
                throw new ArgumentException($"Bad grid part '{part}': expected KEY=VALUES.");
            values[kv[0]] = kv[1];
        }
        return new Grid(values);
    }

    /// <summary>Grid values: "a,b,c" lists, "from:to:step" ranges.</summary>
    private sealed record Grid(Dictionary<string, string> Values)
    {
        public float[] Floats(string key, float[] fallback) =>
            !Values.TryGetValue(key, out var v) ? fallback
            : v.Split(':') is [var a, var b, var c] ? Range(float.Parse(a), float.Parse(b), float.Parse(c))
            : v.Split(',').Select(float.Parse).ToArray();

        public int[] Ints(string key, int[] fallback) =>
            Values.TryGetValue(key, out var v) ? v.Split(',').Select(int.Parse).ToArray() : fallback;
    }
}
