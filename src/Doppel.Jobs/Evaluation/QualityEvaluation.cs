using System.Numerics.Tensors;
using Doppel.Matching.Metrics;
using Doppel.Vision;

namespace Doppel.Jobs.Evaluation;

/// <summary>One named error-versus-reject curve and its headline number.</summary>
public sealed record QualityCurve(string Name, IReadOnlyList<ErcPoint> Points)
{
    /// <summary>Relative FNMR drop after rejecting 10 % (0.3 = 30 % fewer false non-matches).</summary>
    public double DropAt10Percent => ErrorRejectCurve.RelativeDrop(Points, 0.1);
}

/// <summary>What <c>doppel eval quality</c> reports. <see cref="Curves"/> holds each assessor asked
/// for, then "random" and "face-size".</summary>
public sealed record QualityEvaluationResult(
    double Threshold,
    double FnmrAtFmr,
    int GenuinePairs,
    long ImpostorPairs,
    int Images,
    int FailedImages,
    IReadOnlyList<QualityCurve> Curves);

/// <summary>
/// Face-quality evaluation: every image embedded once with its qualities; the threshold is set at
/// FMR 1e-3 over every comparison of two different people among the images (not only the listed
/// different pairs: 1,600 of those cannot resolve 1e-3), then genuine comparisons (the listed
/// same-person pairs, or every same-person pair of a labels file) are rejected by pair quality
/// (<see cref="ErrorRejectCurve"/>). An image without a face has quality 0 and score −1: rejected
/// first, a false non-match while kept, as the protocol counts a failure to acquire.
/// </summary>
public static class QualityEvaluation
{
    public const double TargetFmr = 1e-3;

    public const string RandomCurve = "random";
    public const string FaceSizeCurve = "face-size";

    /// <param name="identities">Identity of every image path (full paths).</param>
    /// <param name="genuinePairs">Same-person comparisons to score (full paths).</param>
    /// <param name="analyses">Each path's selected face (null: none).</param>
    /// <param name="assessors">Assessor names to read from <see cref="FaceAnalysis.Qualities"/>, in order.</param>
    public static QualityEvaluationResult Run(
        IReadOnlyDictionary<string, string> identities,
        IReadOnlyList<(string A, string B)> genuinePairs,
        IReadOnlyDictionary<string, FaceAnalysis?> analyses,
        string model,
        IReadOnlyList<string> assessors)
    {
        var paths = identities.Keys.OrderBy(p => p, StringComparer.Ordinal).ToList();
        var vectors = paths.Select(p => analyses.GetValueOrDefault(p) is { } f && f.Embeddings.TryGetValue(model, out var v) ? v : null).ToArray();
        var impostors = ImpostorScores(paths.Select(p => identities[p]).ToArray(), vectors);
        double threshold = ErrorRejectCurve.ThresholdAtFmr(impostors, TargetFmr);
        var index = paths.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i, StringComparer.Ordinal);

        var scores = genuinePairs.Select(pair =>
        {
            var (a, b) = (vectors[index[pair.A]], vectors[index[pair.B]]);
            return a is null || b is null ? -1.0 : TensorPrimitives.Dot(a, b);
        }).ToList();

        double PairQuality((string A, string B) pair, Func<FaceAnalysis, double> quality) =>
            Math.Min(analyses.GetValueOrDefault(pair.A) is { } a ? quality(a) : -1, analyses.GetValueOrDefault(pair.B) is { } b ? quality(b) : -1);

        var fractions = ErrorRejectCurve.DefaultFractions;
        var curves = assessors.Select(name => new QualityCurve(name, ErrorRejectCurve.Curve(scores,
                genuinePairs.Select(p => PairQuality(p, f => f.Qualities.TryGetValue(name, out var q) ? q : 0)).ToList(), threshold, fractions)))
            .ToList();
        curves.Add(new QualityCurve(RandomCurve, ErrorRejectCurve.RandomCurve(scores, threshold, fractions)));
        curves.Add(new QualityCurve(FaceSizeCurve, ErrorRejectCurve.Curve(scores, genuinePairs.Select(p => PairQuality(p, FaceSize)).ToList(), threshold, fractions)));
        return new QualityEvaluationResult(threshold, curves[^1].Points[0].Fnmr, genuinePairs.Count, impostors.LongLength,
            paths.Count, vectors.Count(v => v is null), curves);
    }

    /// <summary>Face size as the baseline measures it: interocular distance in image pixels, or the box
    /// width for a detector without landmarks.</summary>
    public static double FaceSize(FaceAnalysis face) =>
        face.Detection.Landmarks is { } lm ? lm.InterocularDistance : face.Detection.Box.Width;

    /// <summary>Cosine of every pair of images of different identities that both have a vector.</summary>
    private static float[] ImpostorScores(string[] identity, float[]?[] vectors)
    {
        int n = vectors.Length;
        var rows = new float[n][];
        Parallel.For(0, n, i =>
        {
            var v = vectors[i];
            if (v is null) { rows[i] = []; return; }
            var row = new List<float>(n - i);
            for (int j = i + 1; j < n; j++)
                if (vectors[j] is { } w && identity[j] != identity[i])
                    row.Add(TensorPrimitives.Dot(v, w));
            rows[i] = row.ToArray();
        });
        var all = new float[rows.Sum(r => (long)r.Length)];
        long at = 0;
        foreach (var r in rows)
        {
            r.CopyTo(all, at);
            at += r.Length;
        }
        return all;
    }

    /// <summary>Genuine comparisons of a labels file: every pair of images with the same identity.</summary>
    public static IReadOnlyList<(string A, string B)> AllGenuinePairs(IReadOnlyDictionary<string, string> identities) =>
        identities.GroupBy(kv => kv.Value)
            .SelectMany(g =>
            {
                var members = g.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
                return members.SelectMany((a, i) => members.Skip(i + 1).Select(b => (a, b)));
            })
            .ToList();
}
