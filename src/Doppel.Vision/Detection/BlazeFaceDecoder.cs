namespace Doppel.Vision.Detection;

/// <summary>One BlazeFace candidate in model-input pixels: box centre/size and six keypoints
/// (right eye, left eye, nose tip, mouth centre, right ear, left ear — the subject's sides).</summary>
internal readonly record struct BlazeCandidate(float Score, float CenterX, float CenterY, float Width, float Height, float[] Keypoints)
{
    public BoxF Box => new(CenterX - Width / 2, CenterY - Height / 2, Width, Height);
}

/// <summary>
/// Turns the raw outputs of a BlazeFace model into candidates: fixed-size anchors on a 16x16 grid
/// (2 per cell) and an 8x8 grid (6 per cell) over the square input (strides 16 and 32 for back-256,
/// 8 and 16 for front-128), regressors in input pixels relative to the anchor centre, sigmoid
/// scores, then MediaPipe's weighted NMS.
/// </summary>
internal sealed class BlazeFaceDecoder
{
    private const int Keypoints = 6;
    private const int Values = 4 + 2 * Keypoints;

    private readonly (float X, float Y)[] _anchors16;
    private readonly (float X, float Y)[] _anchors8;

    /// <param name="inputSize">The model's square input side in pixels.</param>
    public BlazeFaceDecoder(int inputSize)
    {
        InputSize = inputSize;
        _anchors16 = MakeAnchors(16, 2, inputSize);
        _anchors8 = MakeAnchors(8, 6, inputSize);
    }

    public int InputSize { get; }

    private static (float, float)[] MakeAnchors(int grid, int perCell, int inputSize)
    {
        var anchors = new (float, float)[grid * grid * perCell];
        int i = 0;
        for (int y = 0; y < grid; y++)
            for (int x = 0; x < grid; x++)
                for (int k = 0; k < perCell; k++)
                    anchors[i++] = ((x + 0.5f) / grid * inputSize, (y + 0.5f) / grid * inputSize);
        return anchors;
    }

    public List<BlazeCandidate> Decode(
        ReadOnlySpan<float> logits16, ReadOnlySpan<float> regressors16,
        ReadOnlySpan<float> logits8, ReadOnlySpan<float> regressors8,
        float scoreThreshold)
    {
        var candidates = new List<BlazeCandidate>();
        Collect(logits16, regressors16, _anchors16, scoreThreshold, candidates);
        Collect(logits8, regressors8, _anchors8, scoreThreshold, candidates);
        return candidates;
    }

    private static void Collect(ReadOnlySpan<float> logits, ReadOnlySpan<float> regressors, (float X, float Y)[] anchors, float threshold, List<BlazeCandidate> into)
    {
        if (logits.Length != anchors.Length || regressors.Length != anchors.Length * Values)
            throw new InvalidOperationException($"BlazeFace output has {logits.Length} scores/{regressors.Length} regressors, expected {anchors.Length}/{anchors.Length * Values}: not a BlazeFace model?");
        // Comparing logits avoids a sigmoid per anchor: sigmoid is monotonic.
        float logitThreshold = MathF.Log(threshold / (1 - threshold));
        for (int i = 0; i < anchors.Length; i++)
        {
            float logit = logits[i];
            if (logit < logitThreshold) continue;
            var r = regressors.Slice(i * Values, Values);
            var (ax, ay) = anchors[i];
            var keypoints = new float[2 * Keypoints];
            for (int k = 0; k < Keypoints; k++)
            {
                keypoints[2 * k] = ax + r[4 + 2 * k];
                keypoints[2 * k + 1] = ay + r[5 + 2 * k];
            }
            float score = 1f / (1f + MathF.Exp(-Math.Clamp(logit, -100f, 100f)));
            into.Add(new BlazeCandidate(score, ax + r[0], ay + r[1], r[2], r[3], keypoints));
        }
    }

    /// <summary>MediaPipe's weighted non-maximum suppression: each kept face is the score-weighted
    /// blend of all candidates overlapping the best one, which steadies box and keypoints.</summary>
    public static List<BlazeCandidate> WeightedNms(List<BlazeCandidate> candidates, float iouThreshold)
    {
        var remaining = candidates.OrderByDescending(c => c.Score).ToList();
        var kept = new List<BlazeCandidate>();
        while (remaining.Count > 0)
        {
            var top = remaining[0];
            var topBox = top.Box;
            var cluster = remaining.Where(c => c.Box.IoU(topBox) > iouThreshold).ToList();
            if (cluster.Count == 0) cluster.Add(top); // a degenerate box has IoU 0 with itself
            remaining.RemoveAll(c => cluster.Contains(c) || ReferenceEquals(c.Keypoints, top.Keypoints));
            float total = 0, cx = 0, cy = 0, w = 0, h = 0;
            var kps = new float[top.Keypoints.Length];
            foreach (var c in cluster)
            {
                total += c.Score;
                cx += c.CenterX * c.Score;
                cy += c.CenterY * c.Score;
                w += c.Width * c.Score;
                h += c.Height * c.Score;
                for (int k = 0; k < kps.Length; k++) kps[k] += c.Keypoints[k] * c.Score;
            }
            for (int k = 0; k < kps.Length; k++) kps[k] /= total;
            kept.Add(new BlazeCandidate(top.Score, cx / total, cy / total, w / total, h / total, kps));
        }
        return kept;
    }
}
