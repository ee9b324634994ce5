using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Doppel.Application.Evaluation;
using Doppel.Cli.Infrastructure;
using Doppel.Matching.Clustering;
using Doppel.Matching.Metrics;

namespace Doppel.Cli.Commands;

/// <summary>
/// <c>doppel eval cluster</c>: clusters labelled faces — embeddings from a file, or images run
/// through the face pipeline (its primary face: the largest, weighted by closeness to the centre) — and prints pairwise and BCubed
/// precision/recall/F and persons found vs true. Parameters default to the model's row of
/// <see cref="ClusterDefaults"/>; the use case is <see cref="EvaluateClusteringHandler"/>.
/// </summary>
public static class EvalClusterCommand
{
    /// <summary>The <c>eval</c> group holding <c>cluster</c>; other evaluations add themselves to it via <see cref="CreateCluster"/>.</summary>

    public static Command CreateCluster()
    {
        var embeddings = new Option<FileInfo?>("--embeddings")
        {
            Description = "Embeddings: .npy (float32/float64, ids in NAME.ids.txt) or .jsonl ({\"id\", \"vector\"} per line).",
        };
        var images = new Option<DirectoryInfo?>("--images")
        {
            Description = "Folder the labels CSV's paths are relative to: every labelled image goes through the face pipeline (its primary face).",
        };
        var labels = new Option<FileInfo>("--labels")
        {
            Description = "CSV 'path,identity' naming the true identity of every embedding id or image (an id 'path#n' uses 'path').",
            Required = true,
        };
        var algorithm = new Option<string>("--algorithm")
        {
            Description = "average (default: the dedup's groups, average linkage on the profile's normalised score cut at its group cut) | dbscan | hdbscan | umap-dbscan | incremental.",
            DefaultValueFactory = _ => "average",
        };
        algorithm.AcceptOnlyFromAmong("average", "dbscan", "hdbscan", "umap-dbscan", "incremental");
        var eps = new Option<float?>("--eps")
        {
            Description = "Neighbourhood radius: cosine distance for dbscan/incremental (average: levelled by the profile's cohort, mean over the person), Euclidean in the UMAP layout for umap-dbscan " +
                          "(default: the model's tuned value, docs/benchmarks-clustering.md).",
        };
        var minSamples = new Option<int?>("--min-samples")
        {
            Description = "Neighbourhood size, the point itself included, that makes a core point (incremental: min faces to found a person). Default: the model's tuned value.",
        };
        var minClusterSize = new Option<int?>("--min-cluster-size")
        {
            Description = "hdbscan only: the smallest group that counts as a cluster. Default: the model's tuned value.",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var search = SearchMethodOption.Create("neighbours (DBSCAN's, UMAP's, incremental's; HDBSCAN compares every pair)");
        var pipeline = PipelineOptions.Create();

        var command = new Command("cluster", "Cluster labelled faces (embeddings or images) and score the persons found.")
        {
            embeddings, images, labels, algorithm, eps, minSamples, minClusterSize, json, search,
        };
        pipeline.AddTo(command);
        pipeline.Model.Description = "Recogniser for --images; with --embeddings, the model that made them (picks the tuned defaults).";
        command.Validators.Add(result =>
        {
            if ((result.GetValue(embeddings) is null) == (result.GetValue(images) is null))
                result.AddError("Give either --embeddings FILE or --images DIR.");
        });
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var model = parse.GetValue(pipeline.Model)!;
                ConsoleProgress? progress = null;
                var outcome = new EvaluateClusteringHandler(() => pipeline.Build(parse))
                {
                    OnProgress = (done, total) => (progress ??= new ConsoleProgress("images", total)).Report(done),
                }.Handle(new EvaluateClusteringCommand(parse.GetValue(labels)!.FullName, model, ParseAlgorithm(parse.GetValue(algorithm)!))
                {
                    EmbeddingsFile = parse.GetValue(embeddings)?.FullName,
                    ImagesDir = parse.GetValue(images)?.FullName,
                    Eps = parse.GetValue(eps),
                    MinSamples = parse.GetValue(minSamples),
                    MinClusterSize = parse.GetValue(minClusterSize),
                    Search = SearchMethodOption.Of(parse, search),
                });
                progress?.Dispose();
                Print(output, outcome.Result, new RunInfo(outcome.Settings, model, outcome.Tuned, outcome.Detector), outcome.Elapsed.TotalSeconds, parse.GetValue(json));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException || CliErrors.IsUserFacing(e))
            {
                error.WriteLine($"doppel eval cluster: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private sealed record RunInfo(ClusterSettings Settings, string Model, bool Tuned, string? Detector);

    private static ClusterAlgorithm ParseAlgorithm(string name) => name switch
    {
        "dbscan" => ClusterAlgorithm.Dbscan,
        "hdbscan" => ClusterAlgorithm.Hdbscan,
        "umap-dbscan" => ClusterAlgorithm.UmapDbscan,
        "incremental" => ClusterAlgorithm.Incremental,
        "average" => ClusterAlgorithm.Average,
        _ => throw new ArgumentException($"Unknown algorithm '{name}'."),
    };

    private static string Name(ClusterAlgorithm algorithm) => algorithm switch
    {
        ClusterAlgorithm.UmapDbscan => "umap-dbscan",
        _ => algorithm.ToString().ToLowerInvariant(),
    };

    private static void Print(TextWriter output, ClusterEvaluationResult result, RunInfo run, double seconds, bool json)
    {
        var s = result.Scores;
        var settings = run.Settings;
        float eps = settings.Eps ?? settings.DefaultEps;
        if (json)
        {
            var record = new Dictionary<string, object?>
            {
                ["algorithm"] = Name(settings.Algorithm),
                ["model"] = run.Model,
                ["defaults_tuned_for_model"] = run.Tuned,
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
                ["without_face"] = result.Unembedded,
                ["true_persons"] = s.TrueClusters,
                ["true_persons_with_2_or_more"] = s.TrueClustersWithTwoOrMore,
                ["seconds"] = Math.Round(seconds, 3),
            };
            if (run.Detector is not null)
                record["detector"] = run.Detector;
            if (settings.Algorithm == ClusterAlgorithm.Hdbscan)
                record["min_cluster_size"] = settings.MinClusterSize;
            else
                record["eps"] = Math.Round((double)eps, 6);
            if (settings.Algorithm == ClusterAlgorithm.Average)
                record["normalised"] = settings.LevelOffsets is not null;
            if (settings.Algorithm == ClusterAlgorithm.UmapDbscan && settings.Umap is { } umap)
            {
                record["umap_neighbors"] = umap.Neighbors;
                record["umap_components"] = umap.Components;
            }
            output.WriteLine(JsonSerializer.Serialize(record));
            return;
        }
        var c = CultureInfo.InvariantCulture;
        var parameters = settings.Algorithm switch
        {
            ClusterAlgorithm.Hdbscan => $"min_cluster_size={settings.MinClusterSize} min_samples={settings.MinSamples}",
            ClusterAlgorithm.UmapDbscan when settings.Umap is { } u => string.Create(c, $"umap n_neighbors={u.Neighbors} n_components={u.Components}, eps={eps} min_samples={settings.MinSamples}"),
            ClusterAlgorithm.Average => string.Create(c, $"eps={eps} (levelled cosine distance{(settings.LevelOffsets is null ? ", no cohort" : "")})"),
            _ => string.Create(c, $"eps={eps} min_samples={settings.MinSamples}"),
        };
        var source = run.Detector is null ? run.Model : $"{run.Model} ({run.Detector})";
        output.WriteLine(string.Create(c, $"{Name(settings.Algorithm)} {parameters} on {s.Items} faces, {source}{(run.Tuned ? "" : " [defaults not tuned for this model]")} ({seconds:F2} s)"));
        output.WriteLine(string.Create(c, $"pairwise  P={s.Pairwise.Precision:F4} R={s.Pairwise.Recall:F4} F={s.Pairwise.F:F4}"));
        output.WriteLine(string.Create(c, $"BCubed    P={s.BCubed.Precision:F4} R={s.BCubed.Recall:F4} F={s.BCubed.F:F4}"));
        output.WriteLine(string.Create(c, $"persons   found {s.PredictedClusters} (+{s.NoiseItems} faces unassigned), true {s.TrueClusters} ({s.TrueClustersWithTwoOrMore} with 2+ faces)"));
        if (result.Unembedded > 0)
            output.WriteLine(string.Create(c, $"no face   {result.Unembedded} images without a face are scored as unassigned singletons (included above)"));
    }
}
