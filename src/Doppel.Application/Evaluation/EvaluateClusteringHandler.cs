using System.Diagnostics;
using Doppel.Jobs;
using Doppel.Jobs.Evaluation;
using Doppel.Matching;
using Doppel.Matching.Clustering;
using Doppel.Matching.IO;
using Doppel.Matching.Metrics;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;

namespace Doppel.Application.Evaluation;

/// <summary>
/// <c>eval cluster</c>: labelled faces from an embeddings file or from images (through the pipeline);
/// parameters left null take the model's row of <see cref="ClusterDefaults"/>.
/// </summary>
public sealed record EvaluateClusteringCommand(string LabelsFile, string Model, ClusterAlgorithm Algorithm)
{
    public string? EmbeddingsFile { get; init; }
    public string? ImagesDir { get; init; }
    public float? Eps { get; init; }
    public int? MinSamples { get; init; }
    public int? MinClusterSize { get; init; }
    public IVectorSearch Search { get; init; } = VectorSearch.Exact;

    /// <summary>The version of the vectors of <see cref="EmbeddingsFile"/> (which cohort levels them for
    /// <see cref="ClusterAlgorithm.Average"/>); null: the profile's first cohort, made by the default pipeline.
    /// Images take the pipeline's own version.</summary>
    public string? ModelVersion { get; init; }
}

/// <summary>The scores, the settings that ran, whether they were tuned for the model, the detector
/// (images only) and the clustering's own time.</summary>
public sealed record ClusteringOutcome(ClusterEvaluationResult Result, ClusterSettings Settings, string Model, bool Tuned, string? Detector, TimeSpan Elapsed);

/// <summary>Clusters labelled faces and scores the persons found (pairwise and BCubed P/R/F,
/// <see cref="ClusterEvaluation"/>); images without a face count as unassigned singletons.</summary>
/// <param name="pipeline">Builds the face pipeline when the faces come from images (not called for embeddings).</param>
public sealed class EvaluateClusteringHandler(Func<FacePipeline> pipeline)
{
    /// <summary>(images done, images in all) while images go through the pipeline.</summary>
    public Action<int, int>? OnProgress { get; init; }

    public ClusteringOutcome Handle(EvaluateClusteringCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if ((command.EmbeddingsFile is null) == (command.ImagesDir is null))
            throw new ArgumentException("Give either an embeddings file or an images folder.");
        var defaults = ClusterDefaults.Settings(command.Model, command.Algorithm);
        var settings = defaults with
        {
            Eps = command.Eps ?? defaults.Eps,
            MinSamples = command.MinSamples ?? defaults.MinSamples,
            MinClusterSize = command.MinClusterSize ?? defaults.MinClusterSize,
            Search = command.Search,
        };
        if (settings.MinSamples < 1)
            throw new ArgumentException("--min-samples must be at least 1.");
        if (settings.Algorithm == ClusterAlgorithm.Hdbscan && settings.MinClusterSize < 2)
            throw new ArgumentException("--min-cluster-size must be at least 2.");
        if (settings.Eps is < 0)
            throw new ArgumentException("--eps must not be negative.");
        var truth = LabelsCsv.Read(command.LabelsFile);
        var (set, unembedded, detector, version) = command.ImagesDir is { } dir
            ? EmbedImages(dir, truth)
            : (EmbeddingFiles.Read(command.EmbeddingsFile!), (IReadOnlyList<string>)[], null, command.ModelVersion);
        // An export names vectors by absolute path, a labels CSV by paths relative to its folder.
        if (command.ImagesDir is null)
            truth = LabelsCsv.KeyedLike(truth, set.Ids, command.LabelsFile);
        var watch = Stopwatch.StartNew();
        bool tuned = ClusterDefaults.IsTuned(command.Model);
        if (settings.Algorithm == ClusterAlgorithm.Average)
        {
            // Persons as the dedup groups them: the profile's normalised score and group cut. Vectors of a model
            // outside the catalogue (synthetic ones) have no profile: raw cosine at the given or default distance.
            var profile = EmbedderRegistry.IsEnsemble(command.Model) || Doppel.Models.Catalog.ModelCatalog.TryGet(command.Model, out _)
                ? RecognitionProfiles.For(command.Model) : null;
            version ??= profile?.Cohorts.FirstOrDefault()?.Cohort.ModelVersion;
            settings = settings with
            {
                Eps = command.Eps ?? profile?.PersonsMaxDistance ?? settings.DefaultEps,
                LevelOffsets = set.Count == 0 ? null : profile?.LevelOffsets(set.ToVectorSet(), version),
            };
            tuned = profile?.Measured ?? false;
        }
        var result = ClusterEvaluation.Run(set, truth, settings, unembedded);
        return new ClusteringOutcome(result, settings, command.Model, tuned, detector, watch.Elapsed);
    }

    /// <summary>Runs every labelled image of <paramref name="dir"/> through the pipeline; ids are the labels' relative paths.</summary>
    private (EmbeddingSet Set, IReadOnlyList<string> Unembedded, string Detector, string Version) EmbedImages(string dir, IReadOnlyDictionary<string, string> truth)
    {
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"Image folder '{dir}' does not exist.");
        var relative = truth.Keys.Order(StringComparer.Ordinal).ToList();
        var fullPath = relative.ToDictionary(r => r, r => Path.GetFullPath(Path.Combine(dir, r)), StringComparer.Ordinal);
        var absent = relative.Where(r => !File.Exists(fullPath[r])).ToList();
        if (absent.Count > 0)
            throw new FileNotFoundException(
                $"{absent.Count} of {relative.Count} labelled images are not under '{dir}' (e.g. '{string.Join("', '", absent.Take(3))}').");
        using var faces = pipeline();
        var vectors = PipelineEmbeddings.Embed(faces, [.. fullPath.Values], OnProgress);
        var ids = new List<string>();
        var data = new List<float>();
        var unembedded = new List<string>();
        int dimension = 0;
        foreach (var r in relative)
        {
            if (vectors.GetValueOrDefault(fullPath[r]) is not { } v)
            {
                unembedded.Add(r);
                continue;
            }
            ids.Add(r);
            data.AddRange(v);
            dimension = v.Length;
        }
        if (ids.Count == 0)
            throw new ArgumentException($"The pipeline found no face in any of the {relative.Count} labelled images under '{dir}'.");
        return (new EmbeddingSet(ids, [.. data], dimension), unembedded, faces.Detector.Name, FacePipelineAnalyzer.ModelVersionOf(faces.Embedders[0]));
    }
}
