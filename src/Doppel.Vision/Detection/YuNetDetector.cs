using Doppel.Models;
using OpenCvSharp;

namespace Doppel.Vision.Detection;

/// <summary>Settings of YuNet. <see cref="InputSide"/> 320 is what measured best for alignment on
/// LFW (models.md); raise it for small faces in large photos.</summary>
public sealed record YuNetOptions
{
    public float ScoreThreshold { get; init; } = 0.6f;
    public float NmsThreshold { get; init; } = 0.3f;
    public int TopK { get; init; } = 5000;

    /// <summary>The image is resized so its long side is this many pixels, then padded to a square.</summary>
    public int InputSide { get; init; } = 320;

    public DnnDevice Device { get; init; } = DnnDevice.Cpu;
}

/// <summary>
/// YuNet 2023mar through OpenCV's <see cref="FaceDetectorYN"/>, which owns the prior decoding.
/// OpenCvSharp does not wrap <c>setInputSize</c>, so every image goes in as one fixed square:
/// resized so its long side is <see cref="YuNetOptions.InputSide"/>, then zero-padded right and
/// bottom. Gives a box and five landmarks per face.
/// </summary>
public sealed class YuNetDetector : IFaceDetector
{
    private readonly FaceDetectorYN _detector;
    private readonly YuNetOptions _options;
    private readonly Lock _gate = new();

    public YuNetDetector(string modelPath, YuNetOptions? options = null)
    {
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"YuNet model not found: {modelPath}", modelPath);
        _options = options ?? new YuNetOptions();
        if (_options.InputSide < 32)
            throw new ArgumentOutOfRangeException(nameof(options), _options.InputSide, "YuNet input side must be at least 32 pixels.");
        _detector = FaceDetectorYN.Create(modelPath, "", new Size(_options.InputSide, _options.InputSide),
            _options.ScoreThreshold, _options.NmsThreshold, _options.TopK, _options.Device.Backend, _options.Device.Target);
    }

    public static YuNetDetector FromModelStore(YuNetOptions? options = null) =>
        new(ModelStore.RequireFile(ModelNames.YuNet, ModelNames.OnnxFile), options);

    public string Name => ModelNames.YuNet;

    public IReadOnlyList<DetectedFace> Detect(Mat bgr)
    {
        DetectorInput.RequireBgr(bgr, Name);
        int side = _options.InputSide;
        float scale = (float)side / Math.Max(bgr.Width, bgr.Height);
        int width = Math.Clamp((int)MathF.Round(bgr.Width * scale), 1, side);
        int height = Math.Clamp((int)MathF.Round(bgr.Height * scale), 1, side);

        using var square = new Mat(side, side, MatType.CV_8UC3, Scalar.All(0));
        using (var region = new Mat(square, new Rect(0, 0, width, height)))
            Cv2.Resize(bgr, region, new Size(width, height), interpolation: scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear);

        using var rows = new Mat();
        lock (_gate)
            _detector.Detect(square, rows);
        return Decode(rows, scale, scale, new Rect(0, 0, bgr.Width, bgr.Height));
    }

    /// <summary>Each row: x, y, w, h, then (x, y) of the image-left eye, image-right eye, nose
    /// tip, image-left and image-right mouth corner, then the score (OpenCV names the eyes from
    /// the subject's side: "right eye" is the one on the image's left). The rows are in the pixels of
    /// <paramref name="region"/> scaled by <paramref name="scaleX"/>, <paramref name="scaleY"/>; faces come
    /// back in image pixels, boxes clipped to the region, best first.</summary>
    internal static List<DetectedFace> Decode(Mat rows, float scaleX, float scaleY, Rect region)
    {
        int count = rows.Empty() ? 0 : rows.Rows;
        var faces = new List<DetectedFace>(count);
        float invX = 1f / scaleX, invY = 1f / scaleY;
        PointF Point(int r, int c) => new(rows.At<float>(r, c) * invX + region.X, rows.At<float>(r, c + 1) * invY + region.Y);
        for (int r = 0; r < count; r++)
        {
            float x1 = Math.Clamp(rows.At<float>(r, 0) * invX + region.X, region.X, region.Right);
            float y1 = Math.Clamp(rows.At<float>(r, 1) * invY + region.Y, region.Y, region.Bottom);
            float x2 = Math.Clamp((rows.At<float>(r, 0) + rows.At<float>(r, 2)) * invX + region.X, region.X, region.Right);
            float y2 = Math.Clamp((rows.At<float>(r, 1) + rows.At<float>(r, 3)) * invY + region.Y, region.Y, region.Bottom);
            if (x2 <= x1 || y2 <= y1)
                continue;
            var mouthLeft = Point(r, 10);
            var mouthRight = Point(r, 12);
            var landmarks = new FaceLandmarks(
                LeftEye: Point(r, 4),
                RightEye: Point(r, 6),
                Nose: Point(r, 8),
                MouthCenter: new PointF((mouthLeft.X + mouthRight.X) / 2, (mouthLeft.Y + mouthRight.Y) / 2),
                MouthLeft: mouthLeft,
                MouthRight: mouthRight);
            faces.Add(new DetectedFace(new BoxF(x1, y1, x2 - x1, y2 - y1), rows.At<float>(r, 14), landmarks));
        }
        faces.Sort((a, b) => b.Score.CompareTo(a.Score));
        return faces;
    }

    public void Dispose() => _detector.Dispose();
}
