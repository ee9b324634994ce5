using Doppel.Models;
using Doppel.Vision.Embedding;

namespace Doppel.Vision.Quality;

/// <summary>
/// Face-quality assessors by name, for the CLI: <c>signals</c> (a logistic model on cheap signals, no
/// network), <c>face-size</c> (baseline), <c>stability</c> (the recogniser's embedding stability under
/// alignment jitter), <c>flip-stability</c> (the same under a horizontal flip), <c>signals-flip</c> (the
/// signals model with flip stability as one more feature), <c>mobilefacenet-norm</c>
/// (MobileFaceNet-192's raw norm; opt-in model), <c>ediffiqa-tiny</c> (eDifFIQA(T), download only).
/// Which one a pipeline uses by default follows its recogniser's profile (<see cref="DefaultFor"/>).
/// </summary>
public static class QualityRegistry
{
    public const string Signals = "signals";
    public const string FaceSize = "face-size";
    public const string Stability = "stability";
    public const string FlipStability = "flip-stability";
    public const string SignalsFlip = "signals-flip";
    public const string MobileFaceNetNorm = "mobilefacenet-norm";
    public const string EDifFiqa = ModelNames.EDifFiqaTiny;

    /// <summary>The assessor of a recogniser whose profile names no quality source of its own.</summary>
    public const string Default = Signals;

    public static IReadOnlyList<string> Names { get; } = [Signals, SignalsFlip, FaceSize, Stability, FlipStability, MobileFaceNetNorm, EDifFiqa];

    /// <summary>
    /// The assessor a pipeline with this recogniser (a model or an ensemble) uses when none is named: its
    /// profile's quality source. MobileFaceNet-192 and the accurate profile (which fuses it): its raw norm,
    /// read from the pipeline's own run (free), 47 % fewer false non-matches at FMR 1e-3 after rejecting
    /// 10 % of LFW dev pairs; every other recogniser (dlib ResNet-29, licence-clean): <see cref="Signals"/>,
    /// no network (docs/benchmarks.md, "Face quality").
    /// </summary>
    public static string DefaultFor(string model) =>
        RecognitionProfiles.For(model).Quality == QualitySource.EmbeddingNorm ? MobileFaceNetNorm : Default;

    /// <summary>Throws <see cref="ArgumentException"/> naming the known assessors for an unknown one.</summary>
    public static string Canonical(string name) =>
        Names.FirstOrDefault(n => string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown quality assessor '{name}'; known: {string.Join(", ", Names)}.");

    /// <param name="recogniser">The pipeline's recogniser, which the stability assessors measure (not owned).</param>
    public static IFaceQuality Create(string name, IFaceEmbedder? recogniser = null, EmbedderOptions? embedderOptions = null) => Canonical(name) switch
    {
        Signals => SignalModels.Fitted(),
        FaceSize => SignalQuality.FaceSize(),
        Stability => new StabilityQuality(recogniser ?? throw new ArgumentException("The stability assessor needs the pipeline's recogniser."), ownsRecogniser: false),
        FlipStability => new FlipStabilityQuality(OnnxRecogniser(recogniser), ownsRecogniser: false),
        SignalsFlip => SignalModels.FittedWithFlip(OnnxRecogniser(recogniser)),
        MobileFaceNetNorm => NormQuality(embedderOptions),
        _ => new EDifFiqaQuality(),
    };

    /// <summary>MobileFaceNet-192's norm: from the pipeline's run when it runs that model (alone or fused),
    /// else from its own session, opened only then.</summary>
    private static EmbeddingNormQuality NormQuality(EmbedderOptions? embedderOptions)
    {
        var spec = EmbedderSpec.FromCatalog(ModelNames.MobileFaceNet192);
        var options = (embedderOptions ?? new EmbedderOptions()) with { FlipTta = false, Jitters = 0 };
        // A missing model is reported now, before any work, not by the first batch that needs it.
        _ = spec.ResolveModelPath(options.Precision);
        return new EmbeddingNormQuality(spec, () => new OnnxFaceEmbedder(spec, options));
    }

    /// <summary>The recogniser itself, or an ensemble's first (heaviest-weighted first by convention) ONNX member.</summary>
    private static OnnxFaceEmbedder OnnxRecogniser(IFaceEmbedder? recogniser) => recogniser switch
    {
        OnnxFaceEmbedder onnx => onnx,
        EnsembleEmbedder ensemble when ensemble.Members.Select(m => m.Embedder).OfType<OnnxFaceEmbedder>().FirstOrDefault() is { } member => member,
        _ => throw new ArgumentException("The flip-stability assessor needs the pipeline's ONNX recogniser."),
    };
}
