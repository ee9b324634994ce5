using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Doppel.Matching.Clustering;
using Doppel.Matching.IO;
using Doppel.Matching.Metrics;

namespace Doppel.Cli.Commands;

/// <summary>
/// <c>doppel eval cluster</c>: clusters labelled embeddings and prints pairwise and BCubed
/// precision/recall/F and persons found vs true. The scoring itself is
/// <see cref="ClusterEvaluation.Run"/>, which an images-based variant calls the same way.
/// </summary>
public static class EvalClusterCommand
{
    /// <summary>The <c>eval</c> group holding <c>cluster</c>; other evaluations add themselves to it via <see cref="CreateCluster"/>.</summary>

    public static Command CreateCluster()
    {
        var embeddings = new Option<FileInfo>("--embeddings")
        {
            Description = "Embeddings: .npy (float32/float64, ids in NAME.ids.txt) or .jsonl ({\"id\", \"vector\"} per line).",
            Required = true,
        };
        var labels = new Option<FileInfo>("--labels")
        {
            Description = "CSV 'path,identity' naming the true identity of every embedding id (an id 'path#n' uses 'path').",
            Required = true,
        };
        var algorithm = new Option<string>("--algorithm")
        {
            Description = "dbscan | hdbscan | umap-dbscan | incremental.",
            DefaultValueFactory = _ => "dbscan",
        };
        algorithm.AcceptOnlyFromAmong("dbscan", "hdbscan", "umap-dbscan", "incremental");
        var eps = new Option<float?>("--eps")
        {
            Description = $"Neighbourhood radius: cosine distance for dbscan/incremental (default {Dbscan.DefaultEps}), " +
                          $"Euclidean in the UMAP layout for umap-dbscan (default {ClusterSettings.DefaultLayoutEps}).",
        };
        var minSamples = new Option<int>("--min-samples")
        {
            Description = "Neighbourhood size, the point itself included, that makes a core point (incremental: min faces to found a person).",
            DefaultValueFactory = _ => Dbscan.DefaultMinSamples,
        };
        var minClusterSize = new Option<int>("--min-cluster-size")
        {
            Description = "hdbscan only: the smallest group that counts as a cluster.",
            DefaultValueFactory = _ => Hdbscan.DefaultMinClusterSize,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };

        var command = new Command("cluster", "Cluster labelled face embeddings and score the persons found.")
        {
            embeddings, labels, algorithm, eps, minSamples, minClusterSize, json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var settings = new ClusterSettings(
                    ParseAlgorithm(parse.GetValue(algorithm)!),
                    parse.GetValue(eps),
                    parse.GetValue(minSamples),
                    parse.GetValue(minClusterSize));
                if (settings.MinSamples < 1)
                    throw new ArgumentException("--min-samples must be at least 1.");
                if (settings.Algorithm == ClusterAlgorithm.Hdbscan && settings.MinClusterSize < 2)
                    throw new ArgumentException("--min-cluster-size must be at least 2.");
                if (settings.Eps is < 0)
                    throw new ArgumentException("--eps must not be negative.");
                var set = EmbeddingFiles.Read(parse.GetValue(embeddings)!.FullName);
                var truth = LabelsCsv.Read(parse.GetValue(labels)!.FullName);
                var watch = Stopwatch.StartNew();
                var result = ClusterEvaluation.Run(set, truth, settings);
                Print(output, result.Scores, settings, watch.Elapsed.TotalSeconds, parse.GetValue(json));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                error.WriteLine($"doppel eval cluster: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static ClusterAlgorithm ParseAlgorithm(string name) => name switch
    {
        "dbscan" => ClusterAlgorithm.Dbscan,
        "hdbscan" => ClusterAlgorithm.Hdbscan,
        "umap-dbscan" => ClusterAlgorithm.UmapDbscan,
        "incremental" => ClusterAlgorithm.Incremental,
        _ => throw new ArgumentException($"Unknown algorithm '{name}'."),
    };

    private static string Name(ClusterAlgorithm algorithm) => algorithm switch
    {
        ClusterAlgorithm.UmapDbscan => "umap-dbscan",
        _ => algorithm.ToString().ToLowerInvariant(),
    };

    private static void Print(TextWriter output, ClusteringScores s, ClusterSettings settings, double seconds, bool json)
    {
        float eps = settings.Eps ?? settings.DefaultEps;
        if (json)
        {
            var record = new Dictionary<string, object>
            {
                ["algorithm"] = Name(settings.Algorithm),
                ["min_samples"] = settings.MinSamples,
                ["items"] = s.Items,
                ["pairwise_precision"] = s.Pairwise.Precision,
                ["pairwise_recall"] = s.Pairwise.Recall,
                ["pairwise_f"] = s.Pairwise.F,
                ["bcubed_precision"] = s.BCubed.Precision,
                ["bcubed_recall"] = s.BCubed.Recall,
                ["bcubed_f"] = s.BCubed.F,
                ["persons"] = s.PredictedClusters,
                ["unassigned"] = s.NoiseItems,
                ["true_persons"] = s.TrueClusters,
                ["true_persons_with_2_or_more"] = s.TrueClustersWithTwoOrMore,
                ["seconds"] = Math.Round(seconds, 3),
            };
            if (settings.Algorithm == ClusterAlgorithm.Hdbscan)
                record["min_cluster_size"] = settings.MinClusterSize;
            else
                record["eps"] = Math.Round((double)eps, 6);
            output.WriteLine(JsonSerializer.Serialize(record));
            return;
        }
        var c = CultureInfo.InvariantCulture;
        var parameters = settings.Algorithm == ClusterAlgorithm.Hdbscan
            ? $"min_cluster_size={settings.MinClusterSize} min_samples={settings.MinSamples}"
            : $"eps={eps} min_samples={settings.MinSamples}";
        output.WriteLine(string.Create(c, $"{Name(settings.Algorithm)} {parameters} on {s.Items} faces ({seconds:F2} s)"));
        output.WriteLine(string.Create(c, $"pairwise  P={s.Pairwise.Precision:F4} R={s.Pairwise.Recall:F4} F={s.Pairwise.F:F4}"));
        output.WriteLine(string.Create(c, $"BCubed    P={s.BCubed.Precision:F4} R={s.BCubed.Recall:F4} F={s.BCubed.F:F4}"));
        output.WriteLine(string.Create(c, $"persons   found {s.PredictedClusters} (+{s.NoiseItems} faces unassigned), true {s.TrueClusters} ({s.TrueClustersWithTwoOrMore} with 2+ faces)"));
    }
}
