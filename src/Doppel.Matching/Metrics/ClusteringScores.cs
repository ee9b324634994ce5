namespace Doppel.Matching.Metrics;

/// <summary>Precision, recall and their harmonic mean.</summary>
public readonly record struct PrecisionRecall(double Precision, double Recall)
{
    public double F => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);
}

/// <summary>How a predicted clustering compares with the true identities.</summary>
/// <param name="Pairwise">Over pairs of items: precision = same-cluster pairs that are same-identity, recall = same-identity pairs put in one cluster.</param>
/// <param name="BCubed">Per-item precision/recall averaged over items (Amigó et al. 2009).</param>
/// <param name="PredictedClusters">Clusters found, noise excluded.</param>
/// <param name="NoiseItems">Items left unassigned (label -1); each counts as its own singleton in the scores.</param>
/// <param name="TrueClusters">Distinct true identities.</param>
/// <param name="TrueClustersWithTwoOrMore">True identities with at least two items (the ones a density clustering can find).</param>
public sealed record ClusteringScores(
    PrecisionRecall Pairwise,
    PrecisionRecall BCubed,
    int PredictedClusters,
    int NoiseItems,
    int TrueClusters,
    int TrueClustersWithTwoOrMore,
    int Items);
