namespace Doppel.Matching.Metrics;

/// <summary>One operating point: accept a pair as "same" when its score ≥ <see cref="Threshold"/>.</summary>
/// <param name="FalseAcceptRate">Different-identity pairs accepted / different-identity pairs.</param>
/// <param name="TrueAcceptRate">Same-identity pairs accepted / same-identity pairs.</param>
public readonly record struct RocPoint(double Threshold, double FalseAcceptRate, double TrueAcceptRate);

/// <summary>Accuracy of a threshold chosen on one part of the pairs and applied to another.</summary>
public sealed record ThresholdAccuracy(double Threshold, double TrainAccuracy, double TestAccuracy);

/// <summary>k-fold accuracy: a threshold per fold chosen on the other folds (LFW View 2 protocol).</summary>
public sealed record KFoldAccuracy(IReadOnlyList<ThresholdAccuracy> Folds)
{
    public double Mean => Folds.Average(f => f.TestAccuracy);

    /// <summary>Sample standard deviation of the fold accuracies, as LFW results report it.</summary>
    public double StandardDeviation
    {
        get
        {
            if (Folds.Count < 2)
                return 0;
            double mean = Mean;
            return Math.Sqrt(Folds.Sum(f => (f.TestAccuracy - mean) * (f.TestAccuracy - mean)) / (Folds.Count - 1));
        }
    }
}

/// <summary>
/// Face verification scores: each pair has a similarity score (higher = more alike) and whether it
/// is truly the same identity. A pair is accepted when score ≥ threshold.
/// </summary>
public static class VerificationMetrics
{
    /// <summary>
    /// The ROC curve, from the strictest operating point (nothing accepted, threshold +∞) to the
    /// loosest (everything accepted); tied scores form one point.
    /// </summary>
    public static IReadOnlyList<RocPoint> Roc(IReadOnlyList<double> scores, IReadOnlyList<bool> same)
    {
        var (positives, negatives) = Count(scores, same);
        if (positives == 0 || negatives == 0)
            throw new ArgumentException("A ROC curve needs at least one same-identity and one different-identity pair.");
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        var points = new List<RocPoint> { new(double.PositiveInfinity, 0, 0) };
        int tp = 0, fp = 0;
        for (int k = 0; k < order.Length; k++)
        {
            if (same[order[k]]) tp++; else fp++;
            bool lastOfTie = k + 1 == order.Length || scores[order[k + 1]] != scores[order[k]];
            if (lastOfTie)
                points.Add(new RocPoint(scores[order[k]], (double)fp / negatives, (double)tp / positives));
        }
        return points;
    }

    /// <summary>Area under the ROC curve (trapezoids; ties count half, as the Mann–Whitney statistic does).</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> same)
    {
        var roc = Roc(scores, same);
        double area = 0;
        for (int i = 1; i < roc.Count; i++)
            area += (roc[i].FalseAcceptRate - roc[i - 1].FalseAcceptRate) * (roc[i].TrueAcceptRate + roc[i - 1].TrueAcceptRate) / 2;
        return area;
    }

    /// <summary>
    /// The best true accept rate among thresholds whose false accept rate is at most
    /// <paramref name="maxFalseAcceptRate"/> (e.g. 1e-3), with that threshold.
    /// </summary>
    public static RocPoint TarAtFar(IReadOnlyList<double> scores, IReadOnlyList<bool> same, double maxFalseAcceptRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFalseAcceptRate);
        RocPoint best = default;
        foreach (var point in Roc(scores, same))
            if (point.FalseAcceptRate <= maxFalseAcceptRate && point.TrueAcceptRate >= best.TrueAcceptRate)
                best = point;
        return best;
    }

    /// <summary>
    /// Equal error rate: where the false accept rate equals the false reject rate (1 − TAR), linearly
    /// interpolated between the two ROC points that straddle it.
    /// </summary>
    public static double EqualErrorRate(IReadOnlyList<double> scores, IReadOnlyList<bool> same)
    {
        var roc = Roc(scores, same);
        for (int i = 1; i < roc.Count; i++)
        {
            double before = roc[i - 1].FalseAcceptRate - (1 - roc[i - 1].TrueAcceptRate);
            double after = roc[i].FalseAcceptRate - (1 - roc[i].TrueAcceptRate);
            if (after >= 0)
            {
                // before < 0 ≤ after: the difference FAR − FRR crosses zero on this segment.
                double t = before == after ? 0 : -before / (after - before);
                return roc[i - 1].FalseAcceptRate + t * (roc[i].FalseAcceptRate - roc[i - 1].FalseAcceptRate);
            }
        }
        return roc[^1].FalseAcceptRate;
    }

    /// <summary>Fraction of pairs classified correctly at <paramref name="threshold"/>.</summary>
    public static double Accuracy(IReadOnlyList<double> scores, IReadOnlyList<bool> same, double threshold)
    {
        Count(scores, same);
        if (scores.Count == 0)
            throw new ArgumentException("No pairs to score.");
        int correct = 0;
        for (int i = 0; i < scores.Count; i++)
            if ((scores[i] >= threshold) == same[i])
                correct++;
        return (double)correct / scores.Count;
    }

    /// <summary>
    /// The threshold with the highest accuracy on these pairs: candidates are the midpoints between
    /// consecutive distinct scores (plus one below the lowest and one above the highest); ties go to
    /// the lowest such threshold.
    /// </summary>
    public static (double Threshold, double Accuracy) BestThreshold(IReadOnlyList<double> scores, IReadOnlyList<bool> same)
    {
        var (positives, _) = Count(scores, same);
        if (scores.Count == 0)
            throw new ArgumentException("No pairs to choose a threshold on.");
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        // Threshold below everything: all accepted, correct = positives.
        int correct = positives;
        int bestCorrect = correct;
        double bestThreshold = scores[order[0]] - 1;
        for (int k = 0; k < order.Length; k++)
        {
            // Raising the threshold past this score rejects the pair.
            correct += same[order[k]] ? -1 : 1;
            bool lastOfTie = k + 1 == order.Length || scores[order[k + 1]] != scores[order[k]];
            if (!lastOfTie)
                continue;
            if (correct > bestCorrect)
            {
                bestCorrect = correct;
                bestThreshold = k + 1 == order.Length ? scores[order[k]] + 1 : (scores[order[k]] + scores[order[k + 1]]) / 2;
            }
        }
        return (bestThreshold, (double)bestCorrect / scores.Count);
    }

    /// <summary>Threshold chosen on the training pairs (e.g. LFW pairsDevTrain), accuracy on the test pairs (pairsDevTest).</summary>
    public static ThresholdAccuracy TrainTest(
        IReadOnlyList<double> trainScores, IReadOnlyList<bool> trainSame,
        IReadOnlyList<double> testScores, IReadOnlyList<bool> testSame)
    {
        var (threshold, trainAccuracy) = BestThreshold(trainScores, trainSame);
        return new ThresholdAccuracy(threshold, trainAccuracy, Accuracy(testScores, testSame, threshold));
    }

    /// <summary>
    /// k-fold accuracy with folds of consecutive pairs, as in LFW's pairs.txt (10 folds of 300 same
    /// + 300 different pairs): for each fold the threshold is chosen on the other k − 1 folds.
    /// </summary>
    public static KFoldAccuracy KFold(IReadOnlyList<double> scores, IReadOnlyList<bool> same, int folds = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        if (scores.Count < folds)
            throw new ArgumentException($"{scores.Count} pairs cannot form {folds} folds.");
        var foldOf = new int[scores.Count];
        for (int i = 0; i < scores.Count; i++)
            foldOf[i] = (int)((long)i * folds / scores.Count);
        return KFold(scores, same, foldOf);
    }

    /// <summary>k-fold accuracy with an explicit fold number per pair.</summary>
    public static KFoldAccuracy KFold(IReadOnlyList<double> scores, IReadOnlyList<bool> same, IReadOnlyList<int> foldOf)
    {
        Count(scores, same);
        if (foldOf.Count != scores.Count)
            throw new ArgumentException($"{foldOf.Count} fold numbers for {scores.Count} pairs.");
        var results = new List<ThresholdAccuracy>();
        foreach (var fold in foldOf.Distinct().Order())
        {
            var train = Enumerable.Range(0, scores.Count).Where(i => foldOf[i] != fold).ToArray();
            var test = Enumerable.Range(0, scores.Count).Where(i => foldOf[i] == fold).ToArray();
            if (train.Length == 0)
                throw new ArgumentException("k-fold accuracy needs at least two folds.");
            results.Add(TrainTest(
                train.Select(i => scores[i]).ToArray(), train.Select(i => same[i]).ToArray(),
                test.Select(i => scores[i]).ToArray(), test.Select(i => same[i]).ToArray()));
        }
        return new KFoldAccuracy(results);
    }

    private static (int Positives, int Negatives) Count(IReadOnlyList<double> scores, IReadOnlyList<bool> same)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(same);
        if (scores.Count != same.Count)
            throw new ArgumentException($"{scores.Count} scores but {same.Count} labels.");
        foreach (var s in scores)
            if (double.IsNaN(s))
                throw new ArgumentException("A score is NaN.");
        int positives = same.Count(s => s);
        return (positives, same.Count - positives);
    }
}
