namespace Doppel.Matching.Metrics;

/// <summary>
/// External clustering scores. Predicted label -1 is noise: each noise item is scored as a
/// singleton cluster of its own, which is what an unassigned face is in a photo library (a person
/// of one). Pairwise scores with no pair to judge (0/0) are 1: no same-cluster pair predicted means
/// no wrong merge, and no same-identity pair means nothing to miss.
/// </summary>
public static class ClusteringMetrics
{
    public static ClusteringScores Evaluate(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        if (truth.Count != predicted.Count)
            throw new ArgumentException($"{truth.Count} true labels but {predicted.Count} predicted labels.");
        int n = truth.Count;
        var clusters = SingletonsForNoise(predicted);

        // Contingency table: (cluster, identity) → count, plus row and column sums.
        var cells = new Dictionary<(int Cluster, int Truth), long>();
        var clusterSizes = new Dictionary<int, long>();
        var truthSizes = new Dictionary<int, long>();
        for (int i = 0; i < n; i++)
        {
            var key = (clusters[i], truth[i]);
            cells[key] = cells.GetValueOrDefault(key) + 1;
            clusterSizes[clusters[i]] = clusterSizes.GetValueOrDefault(clusters[i]) + 1;
            truthSizes[truth[i]] = truthSizes.GetValueOrDefault(truth[i]) + 1;
        }

        double truePositivePairs = cells.Values.Sum(Pairs);
        double predictedPairs = clusterSizes.Values.Sum(Pairs);
        double truthPairs = truthSizes.Values.Sum(Pairs);
        var pairwise = new PrecisionRecall(
            predictedPairs == 0 ? 1 : truePositivePairs / predictedPairs,
            truthPairs == 0 ? 1 : truePositivePairs / truthPairs);

        // BCubed: an item in cell (c, t) has precision n_ct / |c| and recall n_ct / |t|; summing over
        // the n_ct items of the cell gives n_ct² / |c| and n_ct² / |t|.
        double precisionSum = 0, recallSum = 0;
        foreach (var ((cluster, identity), count) in cells)
        {
            precisionSum += (double)count * count / clusterSizes[cluster];
            recallSum += (double)count * count / truthSizes[identity];
        }
        var bcubed = n == 0 ? new PrecisionRecall(1, 1) : new PrecisionRecall(precisionSum / n, recallSum / n);

        int noise = predicted.Count(l => l < 0);
        int predictedClusters = predicted.Where(l => l >= 0).Distinct().Count();
        return new ClusteringScores(pairwise, bcubed, predictedClusters, noise, truthSizes.Count,
            truthSizes.Values.Count(s => s >= 2), n);
    }

    /// <summary>Maps string identities to dense integer labels in order of first appearance.</summary>
    public static int[] Encode(IReadOnlyList<string> identities)
    {
        var codes = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new int[identities.Count];
        for (int i = 0; i < identities.Count; i++)
        {
            if (!codes.TryGetValue(identities[i], out var code))
                codes[identities[i]] = code = codes.Count;
            result[i] = code;
        }
        return result;
    }

    private static double Pairs(long count) => count * (count - 1) / 2.0;

    /// <summary>Noise items (label &lt; 0) get fresh labels below every real one.</summary>
    private static int[] SingletonsForNoise(IReadOnlyList<int> predicted)
    {
        var result = new int[predicted.Count];
        int next = -1;
        for (int i = 0; i < predicted.Count; i++)
            result[i] = predicted[i] >= 0 ? predicted[i] : next--;
        return result;
    }
}
