namespace Doppel.Vision.Detection.Landmarks;

/// <summary>
/// The iBUG 300-W 68-point layout that both 68-point landmark nets output: reading a net's output
/// into image points, and the five alignment points taken from it.
/// </summary>
public static class Ibug68
{
    public const int PointCount = 68;

    /// <summary>A net's 136 outputs, (x, y) pairs as fractions of the crop it saw, in image pixels.</summary>
    public static PointF[] FromCropFractions(ReadOnlySpan<float> xy, float left, float top, float width, float height, string model)
    {
        if (xy.Length != 2 * PointCount)
            throw new InvalidDataException($"{model}: expected {2 * PointCount} outputs, got {xy.Length}.");
        var points = new PointF[PointCount];
        for (int i = 0; i < PointCount; i++)
            points[i] = new PointF(left + xy[2 * i] * width, top + xy[2 * i + 1] * height);
        return points;
    }

    /// <summary>
    /// iBUG 68 → the five alignment points: eye centres are the means of points 36-41 (image-left
    /// eye) and 42-47; nose tip is point 30; mouth corners are points 48 and 54. The whole shape is
    /// kept too (<see cref="FaceLandmarks.Shape68"/>).
    /// </summary>
    public static FaceLandmarks ToFivePoints(IReadOnlyList<PointF> points)
    {
        if (points.Count != PointCount)
            throw new ArgumentException($"Expected {PointCount} points, got {points.Count}.", nameof(points));
        PointF Mean(int from, int count)
        {
            float x = 0, y = 0;
            for (int i = from; i < from + count; i++)
            {
                x += points[i].X;
                y += points[i].Y;
            }
            return new PointF(x / count, y / count);
        }
        var mouthLeft = points[48];
        var mouthRight = points[54];
        return new FaceLandmarks(
            LeftEye: Mean(36, 6),
            RightEye: Mean(42, 6),
            Nose: points[30],
            MouthCenter: new PointF((mouthLeft.X + mouthRight.X) / 2, (mouthLeft.Y + mouthRight.Y) / 2),
            MouthLeft: mouthLeft,
            MouthRight: mouthRight,
            Shape68: points.ToArray());
    }
}
