using System.Numerics.Tensors;
using Doppel.Matching.Metrics;

namespace Doppel.Jobs.Evaluation;

/// <summary>Scores of one pair list: cosine similarity per pair (−1 where an image yielded no
/// face, so the pair is predicted "different", as the LFW protocol counts a failure) and truth.</summary>
public sealed record PairScores(IReadOnlyList<double> Scores, IReadOnlyList<bool> Same, IReadOnlyList<int> Folds);

/// <summary>The numbers <c>doppel eval verify</c> prints.</summary>
public sealed record VerificationSummary(
    string Protocol,
    double Accuracy,
    double AccuracyStd,
    double Auc,
    double TarAtFar1e2,
    double TarAtFar1e3,
    double EqualErrorRate,
    double Threshold,
    int Pairs,
    int Images,
    int FailedImages,
    IReadOnlyList<string> FailedImagePaths,
    IReadOnlyList<RocPoint> Roc,
    PairScores Evaluated)
{
    /// <summary>The 10-fold protocol run over every pair given (train and test pooled, folds
    /// interleaved by class): the View 2-style number for a dev split; equal to <see cref="Accuracy"/>
    /// for View 2 itself.</summary>
    public double TenFoldAccuracy { get; init; } = Accuracy;

    public double TenFoldStd { get; init; } = AccuracyStd;
}

/// <summary>
/// The LFW verification protocol. View 2 (<c>pairs.txt</c>, 10 folds): the threshold for each fold is
/// chosen on the other nine and accuracy is the mean ± std over folds. View 1 (dev split): the
/// threshold is chosen on <c>pairsDevTrain.txt</c> and accuracy reported on <c>pairsDevTest.txt</c>;
/// the ± std there comes from ten interleaved folds of the test pairs, scored with the same threshold.
/// AUC, TAR@FAR and EER are computed over the evaluated pairs.
/// </summary>
public static class VerificationProtocol
{
    /// <summary>Embeds each distinct image once (<paramref name="embed"/> returns null for an image with
    /// no usable face) and scores the pairs.</summary>
    public static VerificationSummary Run(
        string imagesDir,
        LfwPairs.PairsFile? view2,
        LfwPairs.PairsFile? train,
        LfwPairs.PairsFile? test,
        Func<IReadOnlyList<string>, IReadOnlyDictionary<string, float[]?>> embed)
    {
        var files = new[] { view2, train, test }.Where(f => f is not null).SelectMany(f => f!.Pairs)
            .SelectMany(p => new[] { p.ImageA, p.ImageB }).Distinct(StringComparer.Ordinal).ToList();
        var missing = files.Where(f => !File.Exists(Path.Combine(imagesDir, f))).Take(3).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException($"Pair images not found under {imagesDir}, e.g. {string.Join(", ", missing)}.");
        var vectors = embed(files.Select(f => Path.Combine(imagesDir, f)).ToList());
        float[]? Vector(string relative) => vectors.TryGetValue(Path.Combine(imagesDir, relative), out var v) ? v : null;
        var failed = files.Where(f => Vector(f) is null).ToList();

        PairScores Score(LfwPairs.PairsFile file, bool interleavedFolds)
        {
            var scores = new double[file.Pairs.Count];
            var same = new bool[file.Pairs.Count];
            var folds = new int[file.Pairs.Count];
            int sameIndex = 0, differentIndex = 0;
            for (int i = 0; i < file.Pairs.Count; i++)
            {
                var p = file.Pairs[i];
                var a = Vector(p.ImageA);
                var b = Vector(p.ImageB);
                scores[i] = a is null || b is null ? -1 : TensorPrimitives.Dot(a, b);
                same[i] = p.Same;
                folds[i] = interleavedFolds ? (p.Same ? sameIndex++ : differentIndex++) % 10 : p.Fold;
            }
            return new PairScores(scores, same, folds);
        }

        if (view2 is not null)
        {
            var all = Score(view2, interleavedFolds: false);
            var kfold = VerificationMetrics.KFold(all.Scores, all.Same, all.Folds);
            var (threshold, _) = VerificationMetrics.BestThreshold(all.Scores, all.Same);
            return Summarise($"{view2.Folds}-fold", kfold.Mean, kfold.StandardDeviation, threshold, all, files.Count, failed);
        }
        if (train is null || test is null)
            throw new ArgumentException("Give either a View 2 pairs file, or both a train and a test pairs file.");
        var trainScores = Score(train, interleavedFolds: true);
        var testScores = Score(test, interleavedFolds: true);
        var split = VerificationMetrics.TrainTest(trainScores.Scores, trainScores.Same, testScores.Scores, testScores.Same);
        // Small pair lists have fewer than ten non-empty folds: only those count.
        var foldAccuracies = Enumerable.Range(0, testScores.Scores.Count).GroupBy(i => testScores.Folds[i])
            .Select(fold => VerificationMetrics.Accuracy(fold.Select(i => testScores.Scores[i]).ToList(), fold.Select(i => testScores.Same[i]).ToList(), split.Threshold))
            .ToList();
        double mean = foldAccuracies.Average();
        double std = Math.Sqrt(foldAccuracies.Sum(a => (a - mean) * (a - mean)) / foldAccuracies.Count);
        var pooled = Pool(trainScores, testScores);
        var tenFold = VerificationMetrics.KFold(pooled.Scores, pooled.Same, pooled.Folds);
        return Summarise("train/test", split.TestAccuracy, std, split.Threshold, testScores, files.Count, failed) with
        {
            TenFoldAccuracy = tenFold.Mean,
            TenFoldStd = tenFold.StandardDeviation,
        };
    }

    /// <summary>Both pair lists as one, folds re-interleaved per class over the whole.</summary>
    private static PairScores Pool(PairScores a, PairScores b)
    {
        var scores = a.Scores.Concat(b.Scores).ToList();
        var same = a.Same.Concat(b.Same).ToList();
        int sameIndex = 0, differentIndex = 0;
        var folds = same.Select(s => (s ? sameIndex++ : differentIndex++) % 10).ToList();
        return new PairScores(scores, same, folds);
    }

    private static VerificationSummary Summarise(string protocol, double accuracy, double std, double threshold, PairScores scores, int images, IReadOnlyList<string> failed) => new(
        protocol,
        accuracy,
        std,
        VerificationMetrics.Auc(scores.Scores, scores.Same),
        VerificationMetrics.TarAtFar(scores.Scores, scores.Same, 1e-2).TrueAcceptRate,
        VerificationMetrics.TarAtFar(scores.Scores, scores.Same, 1e-3).TrueAcceptRate,
        VerificationMetrics.EqualErrorRate(scores.Scores, scores.Same),
        threshold,
        scores.Scores.Count,
        images,
        failed.Count,
        failed,
        VerificationMetrics.Roc(scores.Scores, scores.Same),
        scores);
}
