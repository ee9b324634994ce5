using Doppel.Models;
using Doppel.Vision;
using Doppel.Vision.Embedding;

namespace Doppel.Jobs.Dedup;

/// <summary>
/// Cosine thresholds for all-pairs deduplication: the best pair F1 over every pair of the 4,992 LFW
/// dev images (3,189 same-person pairs among 12.4 M; the centred face per image), measured with
/// <c>bench/Doppel.Vision.Bench lfw-dump</c> (+ <c>int8-dlib</c>) and <c>bench/peers/lfw_variants.py</c>:
/// dlib-resnet29 (8-bit graph, face-api's 68 landmarks) F1 0.769 (P 0.83, R 0.72) at 0.946, the middle
/// of a plateau 0.945-0.947 where F1 stays within 0.001 (the float graph: 0.766 at 0.945-0.946); its
/// verification threshold 0.911 lets through several times more pairs. mobilefacenet-192 F1 0.922 (P 0.96, R 0.89) at 0.595. A weighted
/// ensemble's best threshold was within 0.01 of the weighted mean of its members' (dlib×5+MFN: 0.878
/// measured, 0.886 by the rule, F1 0.927), so that is the ensemble default.
/// </summary>
public static class DedupThresholds
{
    private static readonly Dictionary<string, float> Measured = new(StringComparer.Ordinal)
    {
        [ModelNames.DlibResNet29] = 0.946f,
        [ModelNames.MobileFaceNet192] = 0.595f,
    };

    /// <summary>The measured threshold of a single model; null when none was measured.</summary>
    public static float? For(string embedder) => Measured.TryGetValue(embedder, out var t) ? t : null;

    /// <summary>The dedup threshold for this embedder: measured, or for an ensemble the weighted mean
    /// of its members' (each member's measured value, else its verification threshold), else the
    /// embedder's verification threshold.</summary>
    public static float For(IFaceEmbedder embedder) => embedder switch
    {
        EnsembleEmbedder ensemble => ensemble.Members.Sum(m => m.Weight * For(m.Embedder)),
        _ => For(embedder.Name) ?? embedder.DefaultThreshold,
    };
}
