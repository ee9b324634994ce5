using Doppel.Models;
using Doppel.Vision.Embedding;

namespace Doppel.Vision.Quality;

/// <summary>
/// Face-quality assessors by name, for the CLI: <c>signals</c> (default: a logistic model on cheap
/// signals, no network), <c>face-size</c> (baseline), <c>stability</c> (the recogniser's embedding
/// stability under alignment jitter), <c>mobilefacenet-norm</c> (MobileFaceNet-192's raw norm; opt-in
/// model), <c>ediffiqa-tiny</c> (eDifFIQA(T), download only).
/// </summary>
public static class QualityRegistry
{
    public const string Signals = "signals";
    public const string FaceSize = "face-size";
    public const string Stability = "stability";
    public const string MobileFaceNetNorm = "mobilefacenet-norm";
    public const string EDifFiqa = ModelNames.EDifFiqaTiny;

    public const string Default = Signals;

    public static IReadOnlyList<string> Names { get; } = [Signals, FaceSize, Stability, MobileFaceNetNorm, EDifFiqa];

    /// <summary>Throws <see cref="ArgumentException"/> naming the known assessors for an unknown one.</summary>
    public static string Canonical(string name) =>
        Names.FirstOrDefault(n => string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown quality assessor '{name}'; known: {string.Join(", ", Names)}.");

    /// <param name="recogniser">The pipeline's recogniser, which <c>stability</c> measures (not owned).</param>
    public static IFaceQuality Create(string name, IFaceEmbedder? recogniser = null, EmbedderOptions? embedderOptions = null) => Canonical(name) switch
    {
        Signals => SignalModels.Fitted(),
        FaceSize => SignalQuality.FaceSize(),
        Stability => new StabilityQuality(recogniser ?? throw new ArgumentException("The stability assessor needs the pipeline's recogniser."), ownsRecogniser: false),
        MobileFaceNetNorm => new EmbeddingNormQuality(new OnnxFaceEmbedder(EmbedderSpec.FromCatalog(ModelNames.MobileFaceNet192),
            (embedderOptions ?? new EmbedderOptions()) with { FlipTta = false, Jitters = 0 })),
        _ => new EDifFiqaQuality(),
    };
}
