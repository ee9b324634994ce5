using Doppel.Models;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace Doppel.Vision.Detection;

/// <summary>Settings of UltraFace RFB-320; defaults are upstream's (Linzaer/Ultra-Light-Fast-Generic-Face-Detector-1MB).</summary>
public sealed record UltraFaceOptions
{
    public float ScoreThreshold { get; init; } = 0.7f;
    public float NmsThreshold { get; init; } = 0.3f;
    public int IntraOpThreads { get; init; } = 1;
}

/// <summary>
/// UltraFace RFB-320 (faceplugin's <c>fr_detect.onnx</c>, byte-identical to the MIT upstream
/// model) through ONNX Runtime. The whole image is stretched to 320x240 (as upstream does),
/// RGB, (v − 127) / 128, NCHW; priors and box decoding are inside the graph, so the outputs are
/// softmaxed (background, face) scores [1,4420,2] and corner boxes [1,4420,4] in [0,1].
/// Boxes only — pair it with an <see cref="Landmarks.ILandmarkRefiner"/> for alignment.
/// </summary>
public sealed class UltraFaceDetector : IFaceDetector
{
    public const int InputWidth = 320;
    public const int InputHeight = 240;
    private const string InputName = "input";
    private const string ScoresName = "scores";
    private const string BoxesName = "boxes";

    private static readonly RunOptions RunOptions = new();
    private readonly InferenceSession _session;
    private readonly UltraFaceOptions _options;

    public UltraFaceDetector(string modelPath, UltraFaceOptions? options = null)
    {
        _options = options ?? new UltraFaceOptions();
        _session = DetectorOnnxSession.Open(modelPath, _options.IntraOpThreads);
        DetectorOnnxSession.RequireNames(_session, Name, [InputName], [ScoresName, BoxesName]);
    }

    public static UltraFaceDetector FromModelStore(UltraFaceOptions? options = null) =>
        new(ModelStore.RequireFile(ModelNames.UltraFace, ModelNames.OnnxFile), options);

    public string Name => ModelNames.UltraFace;

    public IReadOnlyList<DetectedFace> Detect(Mat bgr)
    {
        DetectorInput.RequireBgr(bgr, Name);
        var input = new float[3 * InputHeight * InputWidth];
        using (var resized = new Mat())
        {
            Cv2.Resize(bgr, resized, new Size(InputWidth, InputHeight), interpolation: InterpolationFlags.Linear);
            FillRgbPlanes(resized, input);
        }

        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, 3, InputHeight, InputWidth]);
        using var outputs = _session.Run(RunOptions, [InputName], [inputValue], [ScoresName, BoxesName]);
        var scores = outputs[0].GetTensorDataAsSpan<float>();
        var boxes = outputs[1].GetTensorDataAsSpan<float>();
        int anchors = scores.Length / 2;
        if (boxes.Length != anchors * 4)
            throw new InvalidDataException($"{Name}: {anchors} scores but {boxes.Length / 4} boxes.");

        float width = bgr.Width, height = bgr.Height;
        var candidates = new List<DetectedFace>();
        for (int i = 0; i < anchors; i++)
        {
            float score = scores[2 * i + 1];
            if (score < _options.ScoreThreshold)
                continue;
            float x1 = Math.Clamp(boxes[4 * i] * width, 0, width);
            float y1 = Math.Clamp(boxes[4 * i + 1] * height, 0, height);
            float x2 = Math.Clamp(boxes[4 * i + 2] * width, 0, width);
            float y2 = Math.Clamp(boxes[4 * i + 3] * height, 0, height);
            if (x2 > x1 && y2 > y1)
                candidates.Add(new DetectedFace(new BoxF(x1, y1, x2 - x1, y2 - y1), score, null));
        }
        return DetectorInput.SuppressOverlaps(candidates, _options.ScoreThreshold, _options.NmsThreshold);
    }

    /// <summary>BGR interleaved bytes → planar RGB floats, (v − 127) / 128.</summary>
    private static unsafe void FillRgbPlanes(Mat bgr, float[] planes)
    {
        int rows = bgr.Rows, cols = bgr.Cols;
        int plane = rows * cols;
        for (int y = 0; y < rows; y++)
        {
            byte* row = (byte*)bgr.Ptr(y);
            int offset = y * cols;
            for (int x = 0; x < cols; x++)
            {
                planes[offset + x] = (row[3 * x + 2] - 127f) / 128f;
                planes[plane + offset + x] = (row[3 * x + 1] - 127f) / 128f;
                planes[2 * plane + offset + x] = (row[3 * x] - 127f) / 128f;
            }
        }
    }

    public void Dispose() => _session.Dispose();
}
