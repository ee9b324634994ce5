using System.Runtime.InteropServices;
using Doppel.Models;
using Doppel.Vision.Inference;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace Doppel.Vision.Detection;

public sealed record BlazeFaceOptions
{
    /// <summary>Minimum sigmoid score of a face.</summary>
    public float ScoreThreshold { get; init; } = 0.5f;

    /// <summary>Candidates overlapping more than this are merged (weighted NMS).</summary>
    public float NmsIoU { get; init; } = 0.3f;

    /// <summary>Faces whose box is narrower than this many image pixels are dropped.</summary>
    public float MinFaceSize { get; init; } = 8f;

    /// <summary>When nothing is found, detect again on a copy padded by 50 %: the model misses faces
    /// that fill the frame (tight crops).</summary>
    public bool RetryPadded { get; init; } = true;

    /// <summary>Images whose longer side exceeds this get a second pass over overlapping tiles of half
    /// the longer side, so that small faces in big photos are seen at twice the resolution.</summary>
    public int TileAboveSide { get; init; } = 1024;

    /// <summary>Model file; null means the installed <see cref="ModelNames.BlazeFaceBack"/>.</summary>
    public string? ModelPath { get; init; }

    public OnnxSessionOptions Session { get; init; } = OnnxSessionOptions.Default;
}

/// <summary>
/// MediaPipe BlazeFace, back-camera (256x256) model: box, score and eyes/nose/mouth-centre per face.
/// Thread-safe: concurrent calls share one ONNX Runtime session.
/// </summary>
public sealed class BlazeFaceDetector : IFaceDetector
{
    private const int Size = BlazeFaceDecoder.InputSize;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly string[] _outputNames;
    private readonly ThreadLocal<float[]> _inputBuffer = new(() => new float[Size * Size * 3]);

    public BlazeFaceOptions Options { get; }
    public string Name => ModelNames.BlazeFaceBack;

    public BlazeFaceDetector(BlazeFaceOptions? options = null)
    {
        Options = options ?? new BlazeFaceOptions();
        var path = Options.ModelPath ?? ModelStore.RequireFile(ModelNames.BlazeFaceBack, ModelNames.OnnxFile);
        _session = OnnxSessionFactory.Create(path, Options.Session);
        _inputName = _session.InputMetadata.Keys.Single();
        // Outputs by shape: [1,512,1] and [1,384,1] logits, [1,512,16] and [1,384,16] regressors.
        var outputs = _session.OutputMetadata;
        string Find(int anchors, int values) => outputs.First(o => o.Value.Dimensions.Length == 3 && o.Value.Dimensions[1] == anchors && o.Value.Dimensions[2] == values).Key;
        try
        {
            _outputNames = [Find(512, 1), Find(512, 16), Find(384, 1), Find(384, 16)];
        }
        catch (InvalidOperationException)
        {
            throw new InvalidOperationException($"{path} does not have the outputs of the BlazeFace back-256 model ([1,512,1], [1,512,16], [1,384,1], [1,384,16]).");
        }
    }

    public IReadOnlyList<DetectedFace> Detect(Mat bgr)
    {
        if (bgr is null || bgr.Empty())
            throw new ArgumentException("Image is empty.", nameof(bgr));
        if (bgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"Expected an 8-bit BGR image (CV_8UC3), got {bgr.Type()}.", nameof(bgr));

        var faces = DetectInRegion(bgr, new Rect(0, 0, bgr.Width, bgr.Height));
        int longSide = Math.Max(bgr.Width, bgr.Height);
        if (longSide > Options.TileAboveSide)
        {
            faces.AddRange(DetectInTiles(bgr, longSide / 2));
            faces = SuppressOverlaps(faces);
        }
        if (faces.Count == 0 && Options.RetryPadded)
            faces = DetectPadded(bgr);
        return faces
            .Where(f => f.Box.Width >= Options.MinFaceSize)
            .OrderByDescending(f => f.Score)
            .ToList();
    }

    /// <summary>Runs the model on <paramref name="region"/> of the image, letterboxed to 256x256,
    /// and returns faces in full-image pixels.</summary>
    private List<DetectedFace> DetectInRegion(Mat bgr, Rect region)
    {
        using var view = new Mat(bgr, region);
        float scale = (float)Size / Math.Max(region.Width, region.Height);
        int w = Math.Clamp((int)MathF.Round(region.Width * scale), 1, Size);
        int h = Math.Clamp((int)MathF.Round(region.Height * scale), 1, Size);
        int padX = (Size - w) / 2, padY = (Size - h) / 2;
        var input = _inputBuffer.Value!;
        using (var resized = new Mat())
        using (var letterboxed = new Mat())
        using (var rgb = new Mat())
        using (var floats = new Mat())
        {
            Cv2.Resize(view, resized, new Size(w, h), interpolation: scale < 0.5f ? InterpolationFlags.Area : InterpolationFlags.Linear);
            Cv2.CopyMakeBorder(resized, letterboxed, padY, Size - h - padY, padX, Size - w - padX, BorderTypes.Constant, Scalar.All(0));
            Cv2.CvtColor(letterboxed, rgb, ColorConversionCodes.BGR2RGB);
            rgb.ConvertTo(floats, MatType.CV_32FC3, 1 / 127.5, -1);
            Marshal.Copy(floats.Data, input, 0, input.Length);
        }

        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, Size, Size, 3]);
        using var outputs = _session.Run(_runOptions, [_inputName], [inputValue], _outputNames);
        var candidates = BlazeFaceDecoder.Decode(
            outputs[0].GetTensorDataAsSpan<float>(), outputs[1].GetTensorDataAsSpan<float>(),
            outputs[2].GetTensorDataAsSpan<float>(), outputs[3].GetTensorDataAsSpan<float>(),
            Options.ScoreThreshold);
        var merged = BlazeFaceDecoder.WeightedNms(candidates, Options.NmsIoU);

        float sx = (float)w / region.Width, sy = (float)h / region.Height;
        PointF Map(float x, float y) => new((x - padX) / sx + region.X, (y - padY) / sy + region.Y);
        var faces = new List<DetectedFace>(merged.Count);
        foreach (var c in merged)
        {
            var topLeft = Map(c.CenterX - c.Width / 2, c.CenterY - c.Height / 2);
            var bottomRight = Map(c.CenterX + c.Width / 2, c.CenterY + c.Height / 2);
            var box = Clip(new BoxF(topLeft.X, topLeft.Y, bottomRight.X - topLeft.X, bottomRight.Y - topLeft.Y), bgr.Width, bgr.Height);
            if (box.Area <= 0) continue;
            var k = c.Keypoints;
            // The model's first eye is the subject's right eye, which is image-left in a photo.
            var landmarks = new FaceLandmarks(
                LeftEye: Map(k[0], k[1]),
                RightEye: Map(k[2], k[3]),
                Nose: Map(k[4], k[5]),
                MouthCenter: Map(k[6], k[7]));
            faces.Add(new DetectedFace(box, c.Score, landmarks));
        }
        return faces;
    }

    /// <summary>Overlapping square-ish tiles of side <paramref name="tile"/> (half overlap); faces cut by
    /// a tile's inner edge are dropped because a neighbouring tile holds them whole.</summary>
    private IEnumerable<DetectedFace> DetectInTiles(Mat bgr, int tile)
    {
        var found = new List<DetectedFace>();
        foreach (var x in TileStarts(bgr.Width, tile))
            foreach (var y in TileStarts(bgr.Height, tile))
            {
                var rect = new Rect(x, y, Math.Min(tile, bgr.Width - x), Math.Min(tile, bgr.Height - y));
                float margin = tile * 0.01f;
                foreach (var face in DetectInRegion(bgr, rect))
                {
                    var b = face.Box;
                    bool cutLeft = rect.X > 0 && b.X <= rect.X + margin;
                    bool cutTop = rect.Y > 0 && b.Y <= rect.Y + margin;
                    bool cutRight = rect.Right < bgr.Width && b.Right >= rect.Right - margin;
                    bool cutBottom = rect.Bottom < bgr.Height && b.Bottom >= rect.Bottom - margin;
                    if (!(cutLeft || cutTop || cutRight || cutBottom))
                        found.Add(face);
                }
            }
        return found;
    }

    private static IEnumerable<int> TileStarts(int length, int tile)
    {
        if (length <= tile) { yield return 0; yield break; }
        int count = (int)Math.Ceiling((length - tile) / (tile / 2.0)) + 1;
        for (int i = 0; i < count; i++)
            yield return (int)Math.Round((double)(length - tile) * i / (count - 1));
    }

    /// <summary>Tight crops: the face fills the frame and the model (trained on faces with context)
    /// misses it; shrinking it inside a black border brings it back into range.</summary>
    private List<DetectedFace> DetectPadded(Mat bgr)
    {
        int padX = bgr.Width / 4, padY = bgr.Height / 4;
        using var padded = new Mat();
        Cv2.CopyMakeBorder(bgr, padded, padY, padY, padX, padX, BorderTypes.Constant, Scalar.All(0));
        var faces = DetectInRegion(padded, new Rect(0, 0, padded.Width, padded.Height));
        PointF Shift(PointF p) => new(p.X - padX, p.Y - padY);
        return faces
            .Select(f => f with
            {
                Box = Clip(f.Box with { X = f.Box.X - padX, Y = f.Box.Y - padY }, bgr.Width, bgr.Height),
                Landmarks = f.Landmarks is { } l ? new FaceLandmarks(Shift(l.LeftEye), Shift(l.RightEye), Shift(l.Nose), Shift(l.MouthCenter)) : null,
            })
            .Where(f => f.Box.Area > 0)
            .ToList();
    }

    private List<DetectedFace> SuppressOverlaps(List<DetectedFace> faces)
    {
        var kept = new List<DetectedFace>();
        foreach (var face in faces.OrderByDescending(f => f.Score))
            if (kept.All(k => k.Box.IoU(face.Box) <= Options.NmsIoU && !Contains(k.Box, face.Box) && !Contains(face.Box, k.Box)))
                kept.Add(face);
        return kept;
    }

    /// <summary>True when most of <paramref name="inner"/> lies inside <paramref name="outer"/>: a
    /// tile can see a face's part that the full pass saw whole.</summary>
    private static bool Contains(BoxF outer, BoxF inner)
    {
        float ix = MathF.Max(0, MathF.Min(outer.Right, inner.Right) - MathF.Max(outer.X, inner.X));
        float iy = MathF.Max(0, MathF.Min(outer.Bottom, inner.Bottom) - MathF.Max(outer.Y, inner.Y));
        return inner.Area > 0 && ix * iy / inner.Area > 0.7f;
    }

    private static BoxF Clip(BoxF box, int width, int height)
    {
        float x0 = Math.Clamp(box.X, 0, width), y0 = Math.Clamp(box.Y, 0, height);
        float x1 = Math.Clamp(box.Right, 0, width), y1 = Math.Clamp(box.Bottom, 0, height);
        return new BoxF(x0, y0, x1 - x0, y1 - y0);
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
        _inputBuffer.Dispose();
    }
}
