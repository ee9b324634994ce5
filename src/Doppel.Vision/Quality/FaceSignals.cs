using Doppel.Vision.Alignment;
using OpenCvSharp;

namespace Doppel.Vision.Quality;

/// <summary>
/// Cheap measurements of one face that predict how well it will be recognised, all from what the
/// pipeline already has (landmarks, detector score, the pixels around the face): no extra network.
/// </summary>
/// <param name="InterocularPixels">Distance between the eyes in image pixels (face size).</param>
/// <param name="Sharpness">Variance of the Laplacian of the 112x112 ArcFace-aligned grey face's
/// central 64x64 (eyes, nose, mouth): low for blur and for faces upscaled from few pixels.</param>
/// <param name="Brightness">Mean grey level of that region, 0–255.</param>
/// <param name="Contrast">Standard deviation of the grey level of that region.</param>
/// <param name="Yaw">Horizontal offset of the nose tip from the eyes' midpoint, along the eye line, in
/// interocular distances: 0 for a frontal face, about ±0.5 towards a profile.</param>
/// <param name="Roll">Angle of the eye line, radians.</param>
/// <param name="Pitch">Distance from the eye line to the nose over distance from the eye line to the
/// mouth: about 0.55 frontal, lower looking up, higher looking down.</param>
/// <param name="DetectorScore">The detector's confidence.</param>
public readonly record struct FaceSignals(
    float InterocularPixels, float Sharpness, float Brightness, float Contrast,
    float Yaw, float Roll, float Pitch, float DetectorScore)
{
    /// <summary>The signals of one face.</summary>
    public static FaceSignals Measure(QualityInput face)
    {
        var lm = face.Crop.Landmarks;
        float iod = MathF.Max(lm.InterocularDistance, 1e-3f);
        // Eye axis as a unit vector; the face's own frame measures yaw and pitch whatever its roll.
        float ex = (lm.RightEye.X - lm.LeftEye.X) / iod, ey = (lm.RightEye.Y - lm.LeftEye.Y) / iod;
        float mx = (lm.LeftEye.X + lm.RightEye.X) / 2, my = (lm.LeftEye.Y + lm.RightEye.Y) / 2;
        float nx = lm.Nose.X - mx, ny = lm.Nose.Y - my;
        float ox = lm.MouthCenter.X - mx, oy = lm.MouthCenter.Y - my;
        float yaw = (nx * ex + ny * ey) / iod;
        float noseDown = -nx * ey + ny * ex, mouthDown = -ox * ey + oy * ex;
        float pitch = mouthDown > 1e-3f ? noseDown / mouthDown : 0;
        float roll = MathF.Atan2(ey, ex);

        using var aligned = FaceAligner.Align(face.Crop.Bgr, lm, AlignmentTemplate.ArcFace112);
        using var grey = new Mat();
        Cv2.CvtColor(aligned, grey, ColorConversionCodes.BGR2GRAY);
        using var centre = new Mat(grey, new Rect(24, 32, 64, 64));
        using var laplacian = new Mat();
        Cv2.Laplacian(centre, laplacian, MatType.CV_32F);
        Cv2.MeanStdDev(laplacian, out _, out var lapStd);
        Cv2.MeanStdDev(centre, out var mean, out var std);
        return new FaceSignals(iod, (float)(lapStd.Val0 * lapStd.Val0), (float)mean.Val0, (float)std.Val0,
            yaw, roll, pitch, face.Detection.Score);
    }

    /// <summary>The features the fitted model reads, each shaped so that a linear score of them makes
    /// sense: log size, log sharpness, distance from the middle of the grey range, log contrast,
    /// |yaw|, |roll|, distance of pitch from frontal, detector score.</summary>
    public float[] Features() =>
    [
        MathF.Log(MathF.Max(InterocularPixels, 1)),
        MathF.Log(1 + Sharpness),
        MathF.Abs(Brightness - 128) / 128,
        MathF.Log(1 + Contrast),
        MathF.Abs(Yaw),
        MathF.Abs(Roll),
        MathF.Abs(Pitch - FrontalPitch),
        DetectorScore,
    ];

    /// <summary>Names of <see cref="Features"/>, in order (CSV headers, docs).</summary>
    public static IReadOnlyList<string> FeatureNames { get; } =
        ["log_iod", "log_sharpness", "exposure_offset", "log_contrast", "abs_yaw", "abs_roll", "pitch_offset", "detector_score"];

    /// <summary>The frontal <see cref="Pitch"/> the offset is measured from (nose about halfway down from
    /// the eyes to the mouth); over the LFW dev images the offset from it averages 0.083 (sd 0.067).</summary>
    public const float FrontalPitch = 0.55f;
}
