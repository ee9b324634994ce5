using System.Globalization;
using Doppel.Models;
using Doppel.Models.Catalog;
using Doppel.Vision;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;

namespace Doppel.Jobs;

/// <summary>The face pipeline behind the jobs' <see cref="IImageAnalyzer"/> seam. Embeddings are
/// stored under the first embedder's name; the version is the model file's pinned checksum prefix,
/// so vectors from a different conversion are never mixed with these. Made from a built pipeline,
/// or from a <see cref="FacePipelineRecipe"/>: then the models open only when an image is analysed
/// or the embedder is asked for, so a run with nothing to do opens none.</summary>
public sealed class FacePipelineAnalyzer : IImageAnalyzer
{
    private readonly Lazy<FacePipeline> _pipeline;

    public FacePipelineAnalyzer(FacePipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        if (pipeline.Embedders.Count == 0)
            throw new ArgumentException("The pipeline has no embedder.", nameof(pipeline));
        _pipeline = new Lazy<FacePipeline>(pipeline);
        DetectorName = pipeline.Detector.Name;
        EmbeddingModel = pipeline.Embedders[0].Name;
        EmbeddingModelVersion = ModelVersionOf(pipeline.Embedders[0]);
        Recogniser = pipeline.Embedders[0] is EnsembleEmbedder ensemble
            ? string.Join("+", ensemble.Members.Select(m => $"{m.Embedder.Name}*{m.Weight.ToString("R", CultureInfo.InvariantCulture)}"))
            : pipeline.Embedders[0].Name;
        Profile = RecognitionProfiles.For(Recogniser);
    }

    /// <summary>An analyzer that builds <paramref name="recipe"/>'s pipeline on first use.</summary>
    public FacePipelineAnalyzer(FacePipelineRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        _pipeline = new Lazy<FacePipeline>(recipe.Build, LazyThreadSafetyMode.ExecutionAndPublication);
        DetectorName = recipe.Detector;
        EmbeddingModel = recipe.EmbeddingModel;
        EmbeddingModelVersion = recipe.EmbeddingModelVersion;
        Recogniser = recipe.Embedder;
        Profile = RecognitionProfiles.For(recipe.Embedder);
    }

    public string Recogniser { get; }

    /// <summary>The pipeline, built (models opened) on first access.</summary>
    public FacePipeline Pipeline => _pipeline.Value;

    /// <summary>Whether the models have been opened.</summary>
    public bool IsLoaded => _pipeline.IsValueCreated;

    public string DetectorName { get; }

    public string EmbeddingModel { get; }

    public IFaceEmbedder Embedder => Pipeline.Embedders[0];

    public string EmbeddingModelVersion { get; }

    public void Load() => _ = Pipeline;

    /// <summary>
    /// The version stored with an embedder's vectors: everything that makes two vectors comparable —
    /// the pinned model file checksum prefix, the crop template, flip and jitter settings, and for an
    /// ensemble its members' versions and weights. A stored vector of another version is stale: jobs
    /// re-embed it from the stored landmarks (the application's embed-missing use case) rather than
    /// compare it with new ones.
    /// </summary>
    public static string ModelVersionOf(IFaceEmbedder embedder) => embedder switch
    {
        EnsembleEmbedder ensemble => EnsembleEmbedder.Version(ensemble.Members.Select(m => (ModelVersionOf(m.Embedder), m.Weight))),
        OnnxFaceEmbedder onnx => OnnxVersion(onnx.Spec, onnx.Options),
        _ => FileVersion(embedder.Name, Doppel.Models.ModelNames.OnnxFile),
    };

    /// <summary>
    /// <see cref="ModelVersionOf(IFaceEmbedder)"/> of the embedder that <see cref="EmbedderRegistry.Create"/>
    /// would make from <paramref name="embedder"/> and <paramref name="options"/>, without making it: every
    /// part of the version comes from the catalogue (the checksum is the one the catalogue pins, which the
    /// installer verified the file against), none from the model file or its session.
    /// </summary>
    public static string ModelVersionOf(string embedder, EmbedderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var members = EmbedderRegistry.Describe(embedder);
        if (!EmbedderRegistry.IsEnsemble(embedder))
            return OnnxVersion(members[0].Spec, options.ResolvedFor(embedder));
        // EnsembleEmbedder normalises the weights to sum to 1; the same float arithmetic gives the same digits.
        float total = members.Sum(m => m.Weight);
        return EnsembleEmbedder.Version(members.Select(m => (OnnxVersion(m.Spec, options.ForMember(embedder, m.Spec.Name)), m.Weight / total)));
    }

    private static string OnnxVersion(EmbedderSpec spec, EmbedderOptions options) =>
        $"{FileVersion(spec.Name, spec.ModelFileFor(options.Precision))} {spec.Template.Name}" + (options.FlipTta == true ? " flip" : "") + (options.Jitters > 1 ? $" jitter{options.Jitters}" : "");

    /// <summary>The pinned checksum of the file that runs (the float or the 8-bit graph): vectors of the
    /// two differ slightly, so they must not be compared with each other. The pin is the catalogue's, or
    /// the published version's when the model was synced from a models container (<see cref="ModelPins"/>),
    /// so a newly published version re-embeds the stored vectors.</summary>
    private static string FileVersion(string name, string fileName) =>
        ModelPins.ChecksumOf(name, fileName) is { } checksum
            ? $"{checksum.Algorithm}:{checksum.Hex[..12]}"
            : "unversioned";

    /// <summary>The recognition profile of the embedder with its ensemble weights: thresholds, normalisation, calibration.</summary>
    public RecognitionProfile Profile { get; }

    /// <summary>The dedup threshold on the profile's score: stricter than the verification threshold. A
    /// threshold tuned for LFW's balanced 50/50 pairs lets through far too many look-alikes when every
    /// image is compared with every other (N² pairs, almost all different people), so dedup uses the
    /// value with the best pair F1 over all pairs of the profile's fitting set.</summary>
    public float DefaultThreshold => Profile.DedupThreshold;

    public IEnumerable<ImageAnalysis> Analyze(IReadOnlyList<string> paths, CancellationToken cancellationToken = default) =>
        Pipeline.AnalyzeManyAsync(paths, cancellation: cancellationToken).ToBlockingEnumerable(cancellationToken);

    public IEnumerable<ImageAnalysis> Analyze(IReadOnlyList<Doppel.Vision.Decoding.ImageSource> sources, CancellationToken cancellationToken = default) =>
        Pipeline.AnalyzeManyAsync(sources, cancellation: cancellationToken).ToBlockingEnumerable(cancellationToken);

    public void Dispose()
    {
        if (_pipeline.IsValueCreated)
            _pipeline.Value.Dispose();
    }
}
