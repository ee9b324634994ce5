namespace Doppel.Vision.Alignment;

/// <summary>
/// x' = a·x − b·y + tx, y' = b·x + a·y + ty: rotation, uniform scale and translation, no reflection
/// or shear. <see cref="Scale"/> = √(a²+b²), <see cref="RotationRadians"/> = atan2(b, a).
/// </summary>
public readonly record struct SimilarityTransform(double A, double B, double Tx, double Ty)
{
    public static SimilarityTransform Identity => new(1, 0, 0, 0);

    public double Scale => Math.Sqrt(A * A + B * B);
    public double RotationRadians => Math.Atan2(B, A);

    public static SimilarityTransform FromScaleRotation(double scale, double radians, double tx, double ty) =>
        new(scale * Math.Cos(radians), scale * Math.Sin(radians), tx, ty);

    public PointF Apply(PointF p) => new((float)(A * p.X - B * p.Y + Tx), (float)(B * p.X + A * p.Y + Ty));

    /// <summary>This transform after <paramref name="first"/>: x ↦ this(first(x)).</summary>
    public SimilarityTransform After(SimilarityTransform first) => new(
        A * first.A - B * first.B,
        B * first.A + A * first.B,
        A * first.Tx - B * first.Ty + Tx,
        B * first.Tx + A * first.Ty + Ty);

    public SimilarityTransform Inverse()
    {
        double d = A * A + B * B;
        if (d == 0) throw new InvalidOperationException("Degenerate transform (zero scale) has no inverse.");
        double ia = A / d, ib = -B / d;
        return new(ia, ib, -(ia * Tx - ib * Ty), -(ib * Tx + ia * Ty));
    }

    /// <summary>2x3 row-major matrix as OpenCV's WarpAffine wants it.</summary>
    public double[,] ToMatrix() => new[,] { { A, -B, Tx }, { B, A, Ty } };

    /// <summary>
    /// Least-squares similarity mapping <paramref name="from"/> onto <paramref name="to"/> (Umeyama
    /// 1991, restricted to the plane: the rotation-scale is the complex ratio of the centred
    /// cross-covariance to the source variance, which excludes reflections by construction).
    /// </summary>
    public static SimilarityTransform Estimate(ReadOnlySpan<PointF> from, ReadOnlySpan<PointF> to)
    {
        if (from.Length != to.Length)
            throw new ArgumentException($"Point counts differ ({from.Length} vs {to.Length}).");
        if (from.Length < 2)
            throw new ArgumentException("A similarity transform needs at least 2 point pairs.");
        double fx = 0, fy = 0, tx = 0, ty = 0;
        for (int i = 0; i < from.Length; i++)
        {
            fx += from[i].X; fy += from[i].Y; tx += to[i].X; ty += to[i].Y;
        }
        int n = from.Length;
        fx /= n; fy /= n; tx /= n; ty /= n;
        double dot = 0, cross = 0, variance = 0;
        for (int i = 0; i < n; i++)
        {
            double sx = from[i].X - fx, sy = from[i].Y - fy;
            double dx = to[i].X - tx, dy = to[i].Y - ty;
            dot += sx * dx + sy * dy;
            cross += sx * dy - sy * dx;
            variance += sx * sx + sy * sy;
        }
        if (variance < 1e-12)
            throw new ArgumentException("Source points coincide: no transform can be fitted.");
        double a = dot / variance, b = cross / variance;
        return new SimilarityTransform(a, b, tx - (a * fx - b * fy), ty - (b * fx + a * fy));
    }
}
