using Doppel.Models;
using Doppel.Vision.Alignment;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace Doppel.Vision.Detection.Landmarks;

/// <summary>How <see cref="FaceApiLandmark68"/> frames a detector's box before the net sees it.</summary>
public sealed record FaceApiLandmarkOptions
{
    /// <summary>Side of the square crop as a multiple of the box's longer side. face-api feeds its
    /// own SSD's box; BlazeFace's boxes are tighter, so the crop is widened to frame the face the
    /// way the net was trained (measured on LFW, see docs/benchmarks.md).</summary>
    public float CropScale { get; init; } = 1.2f;

    /// <summary>Shift of the crop's centre below the box's centre, as a fraction of the box height.</summary>
    public float CentreShiftY { get; init; }
}

/// <summary>
/// face-api's 68-point landmark net (<c>faceapi-landmark68</c>, MIT, in the same package as the
/// default recogniser). The face is cut out as a square around the detector's box (outside the
/// image stays black, as face-api pads), resized to 112x112 RGB, normalised as face-api does
/// ((v − mean) / 255); the output is 68 (x, y) pairs as fractions of the square, iBUG 300-W order.
/// </summary>
public sealed class FaceApiLandmark68 : ILandmarkRefiner
{
    public const int InputSide = 112;
    public const int PointCount = Ibug68.PointCount;
    private const string InputName = "input";
    private const string OutputName = "landmarks";
    private static readonly float[] MeanRgb = [122.782f, 117.001f, 104.298f];

    private static readonly RunOptions RunOptions = new();
    private readonly InferenceSession _session;
    private readonly FaceApiLandmarkOptions _options;
    private readonly ThreadLocal<float[]> _inputBuffer = new(() => new float[3 * InputSide * InputSide]);

    public FaceApiLandmark68(string modelPath, FaceApiLandmarkOptions? options = null, int intraOpThreads = 1)
    {
        _options = options ?? new FaceApiLandmarkOptions();
        if (!(_options.CropScale > 0))
            throw new ArgumentOutOfRangeException(nameof(options), _options.CropScale, "CropScale must be positive.");
        _session = DetectorOnnxSession.Open(modelPath, intraOpThreads);
        DetectorOnnxSession.RequireNames(_session, Name, [InputName], [OutputName]);
    }

    public static FaceApiLandmark68 FromModelStore(FaceApiLandmarkOptions? options = null, int intraOpThreads = 1) =>
        new(ModelStore.RequireFile(ModelNames.FaceApiLandmark68, ModelNames.OnnxFile), options, intraOpThreads);

    public string Name => ModelNames.FaceApiLandmark68;

    public FaceLandmarks Locate(Mat bgr, BoxF box) => Ibug68.ToFivePoints(Locate68(bgr, box));

    /// <summary>All 68 points in image pixels.</summary>
    public PointF[] Locate68(Mat bgr, BoxF box)
    {
        DetectorInput.RequireBgr(bgr, Name);
        var (left, top, side) = Square(box);
        var input = _inputBuffer.Value!;
        // The square → 112x112 as one warp: crop, pad (black outside the image) and resize at once.
        var scale = InputSide / side;
        using (var face = FaceAligner.Warp(bgr, new SimilarityTransform(scale, 0, -left * scale, -top * scale), InputSide, InputSide))
            Fill(face, input);

        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, 3, InputSide, InputSide]);
        using var outputs = _session.Run(RunOptions, [InputName], [inputValue], [OutputName]);
        return Ibug68.FromCropFractions(outputs[0].GetTensorDataAsSpan<float>(), left, top, side, side, Name);
    }

    /// <summary>The square the net sees, in image pixels: left, top, side.</summary>
    public (float Left, float Top, float Side) Square(BoxF box)
    {
        var side = MathF.Max(MathF.Max(box.Width, box.Height) * _options.CropScale, 1f);
        var centreX = box.X + box.Width / 2;
        var centreY = box.Y + box.Height / 2 + _options.CentreShiftY * box.Height;
        return (centreX - side / 2, centreY - side / 2, side);
    }

    /// <summary>BGR bytes → RGB planes, (v − mean) / 255 with a true division, as face-api's own
    /// <c>normalize(...).div(255)</c> does (<see cref="Embedding.PixelTensor"/> multiplies by the
    /// reciprocal, which differs in the last bit and moves LFW results by a pair).</summary>
    private static unsafe void Fill(Mat bgr112, float[] input)
    {
        const int plane = InputSide * InputSide;
        for (int y = 0; y < InputSide; y++)
        {
            var row = (byte*)bgr112.Ptr(y);
            for (int x = 0; x < InputSide; x++)
            {
                int p = y * InputSide + x;
                input[p] = (row[3 * x + 2] - MeanRgb[0]) / 255f;
                input[plane + p] = (row[3 * x + 1] - MeanRgb[1]) / 255f;
                input[2 * plane + p] = (row[3 * x] - MeanRgb[2]) / 255f;
            }
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _inputBuffer.Dispose();
    }
}
