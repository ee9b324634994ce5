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
    /// <summary>Where landmarks with mouth corners go when their eye and nose points mean something
    /// else than this template's (a template learned for a four-point detector); null: this one.</summary>
    public AlignmentTemplate? FivePoint { get; init; }

    /// <summary>dlib's 51-point mean face (the 68-point shape without the jaw) in this crop, for
    /// landmarks that carry a whole 68-point shape; null when the template has no such definition.</summary>
    public IReadOnlyList<PointF>? Shape51 { get; init; }

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
    /// dlib's 150x150 face chip (<c>get_face_chip_details(shape, 150, 0.25)</c>) as seen by a four-point
    /// detector. dlib defines the chip by a least-squares fit of 51 points of its 68-point shape to its
    /// mean face; BlazeFace's eye, nose-tip and mouth-centre keypoints are not those points' centroids,
    /// so the template holds where BlazeFace's keypoints land on average in that chip: measured on the
    /// 3,443 LFW pairsDevTrain faces by fitting each face's 68 points (faceplugin landmark model) to
    /// dlib's mean face and mapping BlazeFace's keypoints through that fit
    /// (<c>bench/Doppel.Vision.Bench lfw-template</c>). Against the mean-shape centroids
    /// (<see cref="DlibChip(int, float)"/>) it raised LFW dev 10-fold accuracy from 98.66 % to 99.03 % and
    /// dedup pair F1 from 0.744 to 0.761. Mouth corners, for five-point detectors, are dlib's mean-shape
    /// points 48 and 54.
    /// </summary>
    public static AlignmentTemplate DlibChip150 { get; } = DlibChip(150, 0.25f) with
    {
        Name = "dlib-chip-150/blazeface",
        FivePoint = DlibChip(150, 0.25f),
        LeftEye = new(46.5096f, 45.8848f),
        RightEye = new(101.5330f, 46.6397f),
        Nose = new(73.6026f, 77.9760f),
        MouthCenter = new(73.2515f, 106.9367f),
    };

    /// <summary>dlib's chip with the mean-shape centroids: eye = centroid of the six eye-contour points
    /// (36–41, 42–47), nose tip = point 30, mouth centre = centroid of the inner lip (60–67), corners =
    /// 48, 54; dlib maps its mean face p (coordinates in [0,1]) to ((p + padding) / (1 + 2·padding))·size.</summary>
    public static AlignmentTemplate DlibChip(int size, float padding)
    {
        float k = size / (1 + 2 * padding);
        PointF Map(PointF p) => new((p.X + padding) * k, (p.Y + padding) * k);
        var shape = DlibMeanFace.Points.Select(Map).ToArray();
        PointF Mean(int from, int count) => new(shape.Skip(from).Take(count).Average(p => p.X), shape.Skip(from).Take(count).Average(p => p.Y));
        // Indices into the 51-point shape: iBUG point i is at i − 17.
        return new AlignmentTemplate($"dlib-chip-{size}", size, size,
            LeftEye: Mean(36 - 17, 6), RightEye: Mean(42 - 17, 6), Nose: shape[30 - 17], MouthCenter: Mean(60 - 17, 8),
            MouthLeft: shape[48 - 17], MouthRight: shape[54 - 17]) { Shape51 = shape };
    }

    /// <summary>dlib's mean face shape (<c>get_face_chip_details</c>' mean_face_shape_x/y), iBUG points
    /// 17–67 in [0,1].</summary>
    // A class of its own so that it is initialised before the static templates above that use it.
    private static class DlibMeanFace
    {
        public static readonly PointF[] Points = Zip(
            [0.000213256f, 0.0752622f, 0.18113f, 0.29077f, 0.393397f, 0.586856f, 0.689483f, 0.799124f, 0.904991f, 0.98004f,
             0.490127f, 0.490127f, 0.490127f, 0.490127f, 0.36688f, 0.426036f, 0.490127f, 0.554217f, 0.613373f,
             0.121737f, 0.187122f, 0.265825f, 0.334606f, 0.260918f, 0.182743f, 0.645647f, 0.714428f, 0.793132f, 0.858516f, 0.79751f, 0.719335f,
             0.254149f, 0.340985f, 0.428858f, 0.490127f, 0.551395f, 0.639268f, 0.726104f, 0.642159f, 0.556721f, 0.490127f, 0.423532f, 0.338094f,
             0.290379f, 0.428096f, 0.490127f, 0.552157f, 0.689874f, 0.553364f, 0.490127f, 0.42689f],
            [0.106454f, 0.038915f, 0.0187482f, 0.0344891f, 0.0773906f, 0.0773906f, 0.0344891f, 0.0187482f, 0.038915f, 0.106454f,
             0.203352f, 0.307009f, 0.409805f, 0.515625f, 0.587326f, 0.609345f, 0.628106f, 0.609345f, 0.587326f,
             0.216423f, 0.178758f, 0.179852f, 0.231733f, 0.245099f, 0.244077f, 0.231733f, 0.179852f, 0.178758f, 0.216423f, 0.244077f, 0.245099f,
             0.780233f, 0.745405f, 0.727388f, 0.742578f, 0.727388f, 0.745405f, 0.780233f, 0.864805f, 0.902192f, 0.909281f, 0.902192f, 0.864805f,
             0.784792f, 0.778746f, 0.785343f, 0.778746f, 0.784792f, 0.824182f, 0.831803f, 0.824182f]);

        private static PointF[] Zip(float[] x, float[] y) => x.Select((xi, i) => new PointF(xi, y[i])).ToArray();
    }
}
