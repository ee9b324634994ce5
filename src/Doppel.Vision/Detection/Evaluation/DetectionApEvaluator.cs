namespace Doppel.Vision.Detection.Evaluation;

/// <summary>One point of a precision–recall curve, at a threshold on the normalised score.</summary>
public readonly record struct PrPoint(double Threshold, double Precision, double Recall);

/// <summary>Average precision of one difficulty setting, with the curve it came from.</summary>
public sealed record DetectionApResult(WiderDifficulty Difficulty, double AveragePrecision, int FaceCount, IReadOnlyList<PrPoint> Curve);

/// <summary>
/// WIDER FACE average precision, following the official evaluation (the MATLAB eval_tools and
/// their Python port) rule for rule:
/// <list type="bullet">
/// <item>scores are min–max normalised over all detections of all images, and the PR curve is
/// sampled at the 1000 thresholds 1 − k/1000, k = 1..1000;</item>
/// <item>in each image, detections are taken best score first; each goes to the ground-truth face
/// it overlaps most (IoU with the official +1 pixel convention); at IoU ≥ 0.5 a face outside the
/// difficulty makes the detection ignored (neither true nor false positive), an unclaimed face
/// in it is recalled, an already-recalled face leaves the detection a false positive;</item>
/// <item>AP is the area under the precision envelope (VOC-style interpolation).</item>
/// </list>
/// </summary>
public sealed class DetectionApEvaluator
{
    public const double IouThreshold = 0.5;
    public const int ThresholdCount = 1000;

    private readonly List<(AnnotatedImage Truth, DetectedFace[] Detections)> _images = [];

    public int ImageCount => _images.Count;

    /// <summary>Records one image's detections (any order, any scores) against its ground truth.</summary>
    public void Add(AnnotatedImage truth, IReadOnlyList<DetectedFace> detections)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(detections);
        _images.Add((truth, detections.OrderByDescending(d => d.Score).ToArray()));
    }

    public IReadOnlyList<DetectionApResult> EvaluateAll() =>
        Enum.GetValues<WiderDifficulty>().Select(Evaluate).ToList();

    public DetectionApResult Evaluate(WiderDifficulty difficulty)
    {
        var (minScore, maxScore) = ScoreRange();
        double range = maxScore - minScore;
        int faceCount = 0;
        var proposals = new long[ThresholdCount];
        var recalled = new long[ThresholdCount];
        foreach (var (truth, detections) in _images)
        {
            faceCount += truth.Faces.Count(f => f.IsIn(difficulty));
            if (detections.Length == 0)
                continue;
            var normalised = detections.Select(d => range > 0 ? (d.Score - minScore) / range : 1.0).ToArray();
            var (isProposal, recalledSoFar) = MatchImage(truth, detections, difficulty);
            var proposalsSoFar = new int[detections.Length];
            for (int i = 0, count = 0; i < detections.Length; i++)
                proposalsSoFar[i] = count += isProposal[i] ? 1 : 0;
            for (int t = 0; t < ThresholdCount; t++)
            {
                double threshold = Threshold(t);
                // Detections are sorted, so those above the threshold are a prefix.
                int last = Array.FindLastIndex(normalised, s => s >= threshold);
                if (last < 0)
                    continue;
                proposals[t] += proposalsSoFar[last];
                recalled[t] += recalledSoFar[last];
            }
        }

        var curve = new PrPoint[ThresholdCount];
        for (int t = 0; t < ThresholdCount; t++)
            curve[t] = new PrPoint(
                Threshold(t),
                proposals[t] == 0 ? 0 : (double)recalled[t] / proposals[t],
                faceCount == 0 ? 0 : (double)recalled[t] / faceCount);
        double ap = InterpolatedAveragePrecision(curve.Select(p => p.Recall).ToArray(), curve.Select(p => p.Precision).ToArray());
        return new DetectionApResult(difficulty, ap, faceCount, curve);
    }

    public static double Threshold(int index) => 1.0 - (index + 1) / (double)ThresholdCount;

    /// <summary>
    /// The official per-image pass: for each detection (best first) whether it still counts as a
    /// proposal, and how many faces of the setting have been recalled up to and including it.
    /// </summary>
    internal static (bool[] IsProposal, int[] RecalledSoFar) MatchImage(AnnotatedImage truth, DetectedFace[] detections, WiderDifficulty difficulty)
    {
        var isProposal = new bool[detections.Length];
        var recalledSoFar = new int[detections.Length];
        var faceRecalled = new bool[truth.Faces.Count];
        int recalled = 0;
        for (int d = 0; d < detections.Length; d++)
        {
            isProposal[d] = true;
            int best = -1;
            double bestIou = 0;
            for (int g = 0; g < truth.Faces.Count; g++)
            {
                double iou = OfficialIoU(detections[d].Box, truth.Faces[g].Box);
                if (iou > bestIou)
                {
                    bestIou = iou;
                    best = g;
                }
            }
            if (best >= 0 && bestIou >= IouThreshold)
            {
                if (!truth.Faces[best].IsIn(difficulty))
                {
                    isProposal[d] = false;
                }
                else if (!faceRecalled[best])
                {
                    faceRecalled[best] = true;
                    recalled++;
                }
            }
            recalledSoFar[d] = recalled;
        }
        return (isProposal, recalledSoFar);
    }

    /// <summary>IoU as the official <c>bbox_overlaps</c> computes it: corners x2 = x + w, and every
    /// extent counted inclusively (+1 pixel), which matters for the many tiny WIDER faces.</summary>
    public static double OfficialIoU(BoxF a, BoxF b)
    {
        double iw = Math.Min(a.Right, b.Right) - Math.Max(a.X, b.X) + 1;
        double ih = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Y, b.Y) + 1;
        if (iw <= 0 || ih <= 0)
            return 0;
        double inter = iw * ih;
        double union = (a.Width + 1.0) * (a.Height + 1.0) + (b.Width + 1.0) * (b.Height + 1.0) - inter;
        return inter / union;
    }

    /// <summary>VOC interpolation: pad the curve with (0, 0) and (1, 0), make precision
    /// non-increasing from the right, and sum precision × recall step where recall changes.</summary>
    public static double InterpolatedAveragePrecision(IReadOnlyList<double> recall, IReadOnlyList<double> precision)
    {
        if (recall.Count != precision.Count)
            throw new ArgumentException("Recall and precision must have the same length.");
        int n = recall.Count + 2;
        var mrec = new double[n];
        var mpre = new double[n];
        mrec[n - 1] = 1;
        for (int i = 0; i < recall.Count; i++)
        {
            mrec[i + 1] = recall[i];
            mpre[i + 1] = precision[i];
        }
        for (int i = n - 1; i > 0; i--)
            mpre[i - 1] = Math.Max(mpre[i - 1], mpre[i]);
        double ap = 0;
        for (int i = 0; i < n - 1; i++)
            if (mrec[i + 1] != mrec[i])
                ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
        return ap;
    }

    private (double Min, double Max) ScoreRange()
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var (_, detections) in _images)
            foreach (var d in detections)
            {
                min = Math.Min(min, d.Score);
                max = Math.Max(max, d.Score);
            }
        return double.IsInfinity(min) ? (0, 0) : (min, max);
    }
}
