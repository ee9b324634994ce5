using Doppel.Jobs.Dedup;
using Doppel.Models.Catalog;
using Doppel.Vision;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;

namespace Doppel.Jobs;

/// <summary>The face pipeline behind the jobs' <see cref="IImageAnalyzer"/> seam. Embeddings are
/// stored under the first embedder's name; the version is the model file's pinned checksum prefix,
/// so vectors from a different conversion are never mixed with these.</summary>
public sealed class FacePipelineAnalyzer(FacePipeline pipeline) : IImageAnalyzer
{
    private readonly IFaceEmbedder _embedder = pipeline.Embedders.Count > 0
        ? pipeline.Embedders[0]
        : throw new ArgumentException("The pipeline has no embedder.", nameof(pipeline));

    public FacePipeline Pipeline => pipeline;

    public string DetectorName => pipeline.Detector.Name;

    public string EmbeddingModel => _embedder.Name;

    public IFaceEmbedder Embedder => _embedder;

    public string EmbeddingModelVersion { get; } = ModelVersionOf(pipeline.Embedders[0]);

    /// <summary>
    /// The version stored with an embedder's vectors: everything that makes two vectors comparable —
    /// the pinned model file checksum prefix, the crop template, flip and jitter settings, and for an
    /// ensemble its members' versions and weights. A stored vector of another version is stale: jobs
    /// re-embed it from the stored landmarks (<see cref="Persons.EmbedMissingFacesJob"/>) rather than
    /// compare it with new ones.
    /// </summary>
    public static string ModelVersionOf(IFaceEmbedder embedder) => embedder switch
    {
        EnsembleEmbedder ensemble => string.Join(" + ", ensemble.Members.Select(m =>
            $"{ModelVersionOf(m.Embedder)} *{m.Weight.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}")),
        OnnxFaceEmbedder onnx => $"{FileVersion(onnx.Name, onnx.ModelFileName)} {onnx.Spec.Template.Name}" +
                                 (onnx.Options.FlipTta ? " flip" : "") + (onnx.Options.Jitters > 1 ? $" jitter{onnx.Options.Jitters}" : ""),
        _ => FileVersion(embedder.Name, Doppel.Models.ModelNames.OnnxFile),
    };

    private static string FileVersion(string name, string fileName) =>
        ModelCatalog.TryGet(name, out var spec) && spec.Files.FirstOrDefault(f => f.FileName == fileName) is { } file
            ? $"{file.Checksum.Algorithm}:{file.Checksum.Hex[..12]}"
            : "unversioned";

    /// <summary>The dedup threshold: stricter than the embedder's verification threshold. A threshold
    /// tuned for LFW's balanced 50/50 pairs lets through far too many look-alikes when every image is
    /// compared with every other (N² pairs, almost all different people), so dedup uses the value with
    /// the best pair F1 over all pairs of LFW dev (see <see cref="DedupThresholds"/>).</summary>
    public float DefaultThreshold => DedupThresholds.For(_embedder);

    public IEnumerable<ImageAnalysis> Analyze(IReadOnlyList<string> paths, CancellationToken cancellationToken = default) =>
        pipeline.AnalyzeManyAsync(paths, cancellation: cancellationToken).ToBlockingEnumerable(cancellationToken);

    public void Dispose() => pipeline.Dispose();
}
