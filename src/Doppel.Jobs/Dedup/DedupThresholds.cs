using Doppel.Models;

namespace Doppel.Jobs.Dedup;

/// <summary>
/// Cosine thresholds for all-pairs deduplication, measured as the best pair F1 over every pair of
/// the 4,991 faces of LFW dev (3,189 same-person pairs among 12.4 M) with BlazeFace alignment:
/// dlib-resnet29 (centred) peaks at F1 0.547 (P 0.56, R 0.53) at 0.70; at its verification threshold
/// 0.378 it returns 270k pairs with precision 0.01. Reproduce with <c>bench/peers/dedup_threshold_sweep.py</c>
/// on a catalog made by <c>doppel dedup</c>.
/// </summary>
public static class DedupThresholds
{
    private static readonly Dictionary<string, float> Measured = new(StringComparer.Ordinal)
    {
        [ModelNames.DlibResNet29] = 0.70f,
    };

    public static float? For(string embedder) => Measured.TryGetValue(embedder, out var t) ? t : null;
}
