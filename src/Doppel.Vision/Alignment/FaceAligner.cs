using OpenCvSharp;

namespace Doppel.Vision.Alignment;

/// <summary>Warps a face onto an <see cref="AlignmentTemplate"/> with the least-squares similarity
/// transform from its landmarks.</summary>
public static class FaceAligner
{
    /// <summary>Image → template transform for these landmarks: a 51-point fit when both carry a dlib
    /// shape (dlib's own chip definition), else eyes, nose and mouth corners when both have corners,
    /// else eyes, nose and mouth centre.</summary>
    public static SimilarityTransform Transform(FaceLandmarks landmarks, AlignmentTemplate template)
    {
        if (landmarks.Shape68 is { Count: 68 } shape && template.Shape51 is { Count: 51 } mean)
            return SimilarityTransform.Estimate(shape.Skip(17).ToArray(), mean.ToArray());
        bool corners = landmarks.MouthLeft is not null && landmarks.MouthRight is not null;
        if (corners && template.FivePoint is { } fivePoint)
            template = fivePoint;
        corners &= template.MouthLeft is not null && template.MouthRight is not null;
        Span<PointF> from = stackalloc PointF[corners ? 5 : 4];
        Span<PointF> to = stackalloc PointF[corners ? 5 : 4];
        from[0] = landmarks.LeftEye; to[0] = template.LeftEye;
        from[1] = landmarks.RightEye; to[1] = template.RightEye;
        from[2] = landmarks.Nose; to[2] = template.Nose;
        if (corners)
        {
            from[3] = landmarks.MouthLeft!.Value; to[3] = template.MouthLeft!.Value;
            from[4] = landmarks.MouthRight!.Value; to[4] = template.MouthRight!.Value;
        }
        else
        {
            from[3] = landmarks.MouthCenter; to[3] = template.MouthCenter;
        }
        return SimilarityTransform.Estimate(from, to);
    }

    /// <summary>The aligned face as a new 8-bit BGR Mat of the template's size. <paramref name="perturbation"/>
    /// is applied in template coordinates after alignment (jitter).</summary>
    public static Mat Align(Mat bgr, FaceLandmarks landmarks, AlignmentTemplate template, SimilarityTransform? perturbation = null)
    {
        var transform = Transform(landmarks, template);
        if (perturbation is { } p)
            transform = p.After(transform);
        return Warp(bgr, transform, template.Width, template.Height);
    }

    public static Mat Warp(Mat bgr, SimilarityTransform transform, int width, int height)
    {
        using var matrix = new Mat(2, 3, MatType.CV_64FC1);
        matrix.SetArray([transform.A, -transform.B, transform.Tx, transform.B, transform.A, transform.Ty]);
        var aligned = new Mat();
        // Shrinking a big face by bilinear sampling alone aliases; a large scale-down is rare in
        // practice (faces are usually within 4x of the template) so linear is the default.
        Cv2.WarpAffine(bgr, aligned, matrix, new Size(width, height), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.All(0));
        return aligned;
    }

    /// <summary>A 112x112 ArcFace-aligned thumbnail written as JPEG.</summary>
    public static void WriteThumbnail(Mat bgr, FaceLandmarks landmarks, string path, int quality = 90)
    {
        using var face = Align(bgr, landmarks, AlignmentTemplate.ArcFace112);
        var dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        Cv2.ImWrite(path, face, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
    }
}
