namespace Doppel.Vision.Tests.Support;

/// <summary>Pair verification as LFW scores it: pick the similarity threshold that maximises accuracy
/// on one set of pairs, report accuracy at that threshold on another. (Local until the metrics
/// library exists.)</summary>
internal static class Verification
{
    public static float Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return (float)(dot / Math.Sqrt(na * nb));
    }

    /// <summary>The threshold (midway between neighbouring scores) with the best accuracy, and that accuracy.</summary>
    public static (float Threshold, double Accuracy) BestThreshold(IReadOnlyList<(float Score, bool Same)> scored)
    {
        var sorted = scored.OrderBy(s => s.Score).ToArray();
        // Threshold below everything: all pairs called "same".
        int correct = sorted.Count(s => s.Same), best = correct;
        float bestThreshold = sorted[0].Score - 1e-4f;
        for (int i = 0; i < sorted.Length; i++)
        {
            // Moving the threshold above sorted[i] calls it "different".
            correct += sorted[i].Same ? -1 : 1;
            if (correct > best && (i + 1 == sorted.Length || sorted[i + 1].Score > sorted[i].Score))
            {
                best = correct;
                bestThreshold = i + 1 < sorted.Length ? (sorted[i].Score + sorted[i + 1].Score) / 2 : sorted[i].Score + 1e-4f;
            }
        }
        return (bestThreshold, (double)best / sorted.Length);
    }

    public static double Accuracy(IReadOnlyList<(float Score, bool Same)> scored, float threshold) =>
        scored.Count(s => (s.Score >= threshold) == s.Same) / (double)scored.Count;
}
