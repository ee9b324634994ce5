namespace Doppel.Vision;

/// <summary>A point in image pixels (x right, y down).</summary>
public readonly record struct PointF(float X, float Y);

/// <summary>An axis-aligned box in image pixels.</summary>
public readonly record struct BoxF(float X, float Y, float Width, float Height)
{
    public float Right => X + Width;
    public float Bottom => Y + Height;
    public float Area => MathF.Max(0, Width) * MathF.Max(0, Height);

    public float IoU(BoxF other)
    {
        float ix = MathF.Max(0, MathF.Min(Right, other.Right) - MathF.Max(X, other.X));
        float iy = MathF.Max(0, MathF.Min(Bottom, other.Bottom) - MathF.Max(Y, other.Y));
        float inter = ix * iy;
        float union = Area + other.Area - inter;
        return union <= 0 ? 0 : inter / union;
    }
}

/// <summary>
/// Facial landmarks as seen in the image. "Left" means image-left (the subject's right), the
/// convention of the ArcFace template. Detectors that give mouth corners (YuNet, res10 + landmark
/// net) fill <see cref="MouthLeft"/>/<see cref="MouthRight"/>; BlazeFace gives only the mouth centre.
/// A 68-point landmark model also keeps its whole iBUG 300-W shape in <see cref="Shape68"/>, which
/// lets the dlib chip be fitted exactly as dlib fits it (51 points).
/// </summary>
public sealed record FaceLandmarks(
    PointF LeftEye,
    PointF RightEye,
    PointF Nose,
    PointF MouthCenter,
    PointF? MouthLeft = null,
    PointF? MouthRight = null,
    IReadOnlyList<PointF>? Shape68 = null)
{
    /// <summary>The same landmarks with every point mapped through <paramref name="map"/> (moving them
    /// into a crop's coordinates, mirroring).</summary>
    public FaceLandmarks Map(Func<PointF, PointF> map) => new(
        map(LeftEye), map(RightEye), map(Nose), map(MouthCenter),
        MouthLeft is { } ml ? map(ml) : null, MouthRight is { } mr ? map(mr) : null,
        Shape68?.Select(map).ToArray());

    public float InterocularDistance =>
        MathF.Sqrt((RightEye.X - LeftEye.X) * (RightEye.X - LeftEye.X) + (RightEye.Y - LeftEye.Y) * (RightEye.Y - LeftEye.Y));
}

/// <summary>One face found by a detector.</summary>
public sealed record DetectedFace(BoxF Box, float Score, FaceLandmarks? Landmarks);
