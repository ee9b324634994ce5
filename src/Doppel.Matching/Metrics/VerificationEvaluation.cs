using System.Numerics.Tensors;
using Doppel.Matching.IO;

namespace Doppel.Matching.Metrics;

/// <summary>The usual face-verification figures for one set of scored pairs.</summary>
/// <param name="Accuracy">k-fold accuracy when folds were given, else the best-threshold accuracy on these pairs.</param>
public sealed record VerificationSummary(
    int Pairs,
    double Auc,
    double EqualErrorRate,
    RocPoint TarAtFar1e2,
    RocPoint TarAtFar1e3,
    double Accuracy,
    double AccuracyStandardDeviation,
    double Threshold);

/// <summary>
/// The verification seam: cosine scores of image pairs from embeddings keyed by image path
/// (an id <c>path#n</c> counts for <c>path</c>; with several faces per image the first row wins),
/// then the figures LFW reports.
/// </summary>
public static class VerificationEvaluation
{
    /// <summary>Cosine similarity of each pair's two embeddings; every path must have one.</summary>
    public static double[] Score(EmbeddingSet embeddings, IReadOnlyList<ImagePair> pairs)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(pairs);
        var rowOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < embeddings.Count; i++)
        {
            var id = embeddings.Ids[i];
            int hash = id.LastIndexOf('#');
            rowOf.TryAdd(id, i);
            if (hash > 0)
                rowOf.TryAdd(id[..hash], i);
        }
        var vectors = embeddings.ToVectorSet();
        var missing = pairs.SelectMany(p => new[] { p.PathA, p.PathB }).Where(p => !rowOf.ContainsKey(p)).Distinct().ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{missing.Count} paired images have no embedding (e.g. '{string.Join("', '", missing.Take(3))}').");
        return pairs.Select(p => (double)TensorPrimitives.Dot(vectors.Row(rowOf[p.PathA]), vectors.Row(rowOf[p.PathB]))).ToArray();
    }

    /// <summary>
    /// AUC, EER, TAR at FAR 1e-2 and 1e-3, and accuracy: k-fold (threshold chosen on the other
    /// folds) when <paramref name="folds"/> holds two or more folds, else the best threshold here.
    /// </summary>
    public static VerificationSummary Summarize(IReadOnlyList<double> scores, IReadOnlyList<bool> same, IReadOnlyList<int>? folds = null)
    {
        double accuracy, deviation, threshold;
        if (folds is not null && folds.Distinct().Count() >= 2)
        {
            var kfold = VerificationMetrics.KFold(scores, same, folds);
            (accuracy, deviation) = (kfold.Mean, kfold.StandardDeviation);
            threshold = kfold.Folds.Average(f => f.Threshold);
        }
        else
        {
            (threshold, accuracy) = VerificationMetrics.BestThreshold(scores, same);
            deviation = 0;
        }
        return new VerificationSummary(
            scores.Count,
            VerificationMetrics.Auc(scores, same),
            VerificationMetrics.EqualErrorRate(scores, same),
            VerificationMetrics.TarAtFar(scores, same, 1e-2),
            VerificationMetrics.TarAtFar(scores, same, 1e-3),
            accuracy, deviation, threshold);
    }
}
