namespace Doppel.Vision.Alignment;

/// <summary>
/// Where the landmarks of an aligned face land in the output crop. Mouth corners are used when both
/// the template and the detector have them; otherwise the mouth centre.
/// </summary>
public sealed record AlignmentTemplate(
    string Name,
    int Width,
    int Height,
    PointF LeftEye,
    PointF RightEye,
    PointF Nose,
    PointF MouthCenter,
    PointF? MouthLeft = null,
    PointF? MouthRight = null)
{
    /// <summary>The ArcFace/InsightFace 112x112 five-point template; mouth centre = mean of the corners.</summary>
    public static AlignmentTemplate ArcFace112 { get; } = new(
        "arcface-112", 112, 112,
        LeftEye: new(38.2946f, 51.6963f),
        RightEye: new(73.5318f, 51.5014f),
        Nose: new(56.0252f, 71.7366f),
        MouthCenter: new((41.5493f + 70.7299f) / 2, (92.3655f + 92.2041f) / 2),
        MouthLeft: new(41.5493f, 92.3655f),
        MouthRight: new(70.7299f, 92.2041f));

    /// <summary>
    /// dlib's face chip, <c>get_face_chip_details(shape, size: 150, padding: 0.25)</c>. dlib maps its
    /// 68-point mean face (jaw excluded, coordinates in [0,1]) to ((p + padding) / (1 + 2·padding))·size
    /// = (p + 0.25)·100 here. Our points are the same functions of that mean shape as the detector's
    /// landmarks are of the face: eye = centroid of the six eye-contour points (36–41, 42–47), nose tip
    /// = point 30, mouth centre = centroid of the eight inner-lip points (60–67), mouth corners = 48, 54.
    /// </summary>
    public static AlignmentTemplate DlibChip150 { get; } = DlibChip(150, 0.25f);

    public static AlignmentTemplate DlibChip(int size, float padding)
    {
        // dlib mean face shape (shape_predictor training mean), image-left eye first.
        var leftEye = new PointF(0.2254920f, 0.2159903f);
        var rightEye = new PointF(0.7547613f, 0.2159903f);
        var nose = new PointF(0.490127f, 0.515625f);
        var mouth = new PointF(0.490127f, 0.7990733f);
        var mouthLeft = new PointF(0.254149f, 0.780233f);
        var mouthRight = new PointF(0.726104f, 0.780233f);
        float k = size / (1 + 2 * padding);
        PointF Map(PointF p) => new((p.X + padding) * k, (p.Y + padding) * k);
        return new AlignmentTemplate($"dlib-chip-{size}", size, size,
            Map(leftEye), Map(rightEye), Map(nose), Map(mouth), Map(mouthLeft), Map(mouthRight));
    }
}
