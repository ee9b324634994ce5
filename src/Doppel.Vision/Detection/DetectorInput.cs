using OpenCvSharp;

namespace Doppel.Vision.Detection;

/// <summary>Checks and conversions shared by the detectors of this folder.</summary>
internal static class DetectorInput
{
    public const int MaxNmsCandidates = 750;

    /// <summary>Every detector takes the decoder's 8-bit, 3-channel BGR image; anything else is a caller bug.</summary>
    public static void RequireBgr(Mat bgr, string detector)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        if (bgr.Empty())
            throw new ArgumentException($"{detector}: the image is empty.", nameof(bgr));
        if (bgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"{detector}: expected an 8-bit BGR image (CV_8UC3), got {bgr.Type()}.", nameof(bgr));
    }

    /// <summary>OpenCV's NMS takes its own rectangle type; the double one keeps sub-pixel boxes exact.</summary>
    public static Rect2d ToRect(BoxF box) => new(box.X, box.Y, box.Width, box.Height);

    /// <summary>OpenCV's NMS (<see cref="OpenCvSharp.Dnn.CvDnn.NMSBoxes(IEnumerable{Rect2d}, IEnumerable{float}, float, float, out int[], float, int)"/>)
    /// over candidates already above the score threshold; the kept faces sorted by score, best first.</summary>
    public static List<DetectedFace> SuppressOverlaps(List<DetectedFace> candidates, float scoreThreshold, float nmsThreshold)
    {
        if (candidates.Count == 0)
            return candidates;
        // NMS is quadratic: at evaluation thresholds thousands of anchors pass, so keep the best
        // MaxNmsCandidates first, as upstream detectors do (faceplugin keeps 750).
        if (candidates.Count > MaxNmsCandidates)
            candidates = candidates.OrderByDescending(c => c.Score).Take(MaxNmsCandidates).ToList();
        OpenCvSharp.Dnn.CvDnn.NMSBoxes(candidates.Select(c => ToRect(c.Box)), candidates.Select(c => c.Score),
            scoreThreshold, nmsThreshold, out int[] kept);
        return kept.Select(k => candidates[k]).OrderByDescending(f => f.Score).ToList();
    }
}
