using Doppel.Vision;

namespace Doppel.Jobs.Dedup;

/// <summary>
/// Landmarks as the catalog stores them: x,y pairs in the contract's order (left eye, right eye,
/// nose, mouth centre, then the mouth corners when the detector gives them), then the whole iBUG
/// 68-point shape when a 68-point landmark model found them. The shape is kept because dlib's chip
/// is fitted on its 51 inner points: re-embedding a stored face must align it as the first run did.
/// </summary>
public static class LandmarkCodec
{
    private const int ShapePoints = 68;

    public static float[]? Flatten(FaceLandmarks? l)
    {
        if (l is null)
            return null;
        var points = new List<PointF> { l.LeftEye, l.RightEye, l.Nose, l.MouthCenter };
        if (l.MouthLeft is { } ml && l.MouthRight is { } mr)
        {
            points.Add(ml);
            points.Add(mr);
            if (l.Shape68 is { Count: ShapePoints } shape)
                points.AddRange(shape);
        }
        return points.SelectMany(p => new[] { p.X, p.Y }).ToArray();
    }

    public static FaceLandmarks? Unflatten(float[]? v) => v switch
    {
        null => null,
        { Length: 8 } => new FaceLandmarks(new(v[0], v[1]), new(v[2], v[3]), new(v[4], v[5]), new(v[6], v[7])),
        { Length: 12 } => new FaceLandmarks(new(v[0], v[1]), new(v[2], v[3]), new(v[4], v[5]), new(v[6], v[7]), new(v[8], v[9]), new(v[10], v[11])),
        { Length: 12 + 2 * ShapePoints } => new FaceLandmarks(new(v[0], v[1]), new(v[2], v[3]), new(v[4], v[5]), new(v[6], v[7]), new(v[8], v[9]), new(v[10], v[11]),
            Enumerable.Range(0, ShapePoints).Select(i => new PointF(v[12 + 2 * i], v[13 + 2 * i])).ToArray()),
        _ => throw new FormatException($"Stored landmarks have {v.Length} values; expected 8, 12 or {12 + 2 * ShapePoints}."),
    };
}
