using Doppel.Models;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace Doppel.Vision.Detection.Landmarks;

/// <summary>
/// faceplugin's 68-point landmark net (<c>fr_landmark.onnx</c>, opt-in: weights of unknown
/// origin). As the package's own JavaScript runs it: the detector's box (moved inside the
/// image, never resized) is cut out, stretched to 64x64 grey, scaled by 1/256; the output is
/// 68 (x, y) pairs as fractions of that crop, in the iBUG 300-W order.
/// </summary>
public sealed class FacepluginLandmark68 : ILandmarkRefiner
{
    public const int InputSide = 64;
    public const int PointCount = Ibug68.PointCount;
    private const string InputName = "input";
    private const string OutputName = "output";

    private static readonly RunOptions RunOptions = new();
    private readonly InferenceSession _session;

    public FacepluginLandmark68(string modelPath, int intraOpThreads = 1)
    {
        _session = Detection.DetectorOnnxSession.Open(modelPath, intraOpThreads);
        Detection.DetectorOnnxSession.RequireNames(_session, Name, [InputName], [OutputName]);
    }

    public static FacepluginLandmark68 FromModelStore(int intraOpThreads = 1) =>
        new(ModelStore.RequireFile(ModelNames.FacepluginLandmark68, ModelNames.OnnxFile), intraOpThreads);

    public string Name => ModelNames.FacepluginLandmark68;

    public FaceLandmarks Locate(Mat bgr, BoxF box) => Ibug68.ToFivePoints(Locate68(bgr, box));

    /// <summary>All 68 points in image pixels.</summary>
    public PointF[] Locate68(Mat bgr, BoxF box)
    {
        Detection.DetectorInput.RequireBgr(bgr, Name);
        var crop = CropInside(box, bgr.Width, bgr.Height);
        var input = new float[InputSide * InputSide];
        using (var face = new Mat(bgr, crop))
        using (var small = new Mat())
        using (var grey = new Mat())
        {
            Cv2.Resize(face, small, new Size(InputSide, InputSide), interpolation: InterpolationFlags.Linear);
            Cv2.CvtColor(small, grey, ColorConversionCodes.BGR2GRAY);
            for (int y = 0; y < InputSide; y++)
                for (int x = 0; x < InputSide; x++)
                    input[y * InputSide + x] = grey.At<byte>(y, x) / 256f;
        }

        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, 1, InputSide, InputSide]);
        using var outputs = _session.Run(RunOptions, [InputName], [inputValue], [OutputName]);
        return Ibug68.FromCropFractions(outputs[0].GetTensorDataAsSpan<float>(), crop.X, crop.Y, crop.Width, crop.Height, Name);
    }

    /// <summary>The box in whole pixels, shifted (not shrunk) to lie inside the image where it
    /// fits, clipped where it is larger than the image.</summary>
    public static Rect CropInside(BoxF box, int imageWidth, int imageHeight)
    {
        int width = Math.Clamp((int)MathF.Round(box.Width), 1, imageWidth);
        int height = Math.Clamp((int)MathF.Round(box.Height), 1, imageHeight);
        int x = Math.Clamp((int)MathF.Round(box.X), 0, imageWidth - width);
        int y = Math.Clamp((int)MathF.Round(box.Y), 0, imageHeight - height);
        return new Rect(x, y, width, height);
    }

    public void Dispose() => _session.Dispose();
}
