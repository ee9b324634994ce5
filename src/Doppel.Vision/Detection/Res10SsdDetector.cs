using Doppel.Models;
using OpenCvSharp;
using OpenCvSharp.Dnn;

namespace Doppel.Vision.Detection;

/// <summary>The two published forms of the same res10 300x300 SSD network.</summary>
public enum Res10SsdFormat
{
    /// <summary>OpenCV's 8-bit TensorFlow graph: <c>model.pb</c> + <c>model.pbtxt</c> in <see cref="ModelNames.Res10Ssd"/>.</summary>
    TensorFlow8Bit,

    /// <summary>The original Caffe weights: <c>model.caffemodel</c> + <c>deploy.prototxt</c> in <see cref="ModelNames.Res10SsdCaffe"/>.</summary>
    Caffe,
}

/// <summary>Settings of the res10 SSD; the defaults are those of the HDE seed.</summary>
public sealed record Res10SsdOptions
{
    public float ScoreThreshold { get; init; } = 0.5f;
    public float NmsThreshold { get; init; } = 0.4f;
    public DnnDevice Device { get; init; } = DnnDevice.Cpu;
}

/// <summary>
/// The OpenCV res10 SSD face detector run through OpenCV DNN, exactly as the HDE seed runs it:
/// 300x300 blob of the whole image (no aspect kept), scale 1.0, BGR means (104, 177, 123), no
/// channel swap; keep detections above the threshold, then OpenCV's NMS. Boxes only — pair it
/// with an <see cref="Landmarks.ILandmarkRefiner"/> when alignment needs landmarks.
/// </summary>
public sealed class Res10SsdDetector : IFaceDetector
{
    public const string TensorFlowModelFile = "model.pb";
    public const string TensorFlowConfigFile = "model.pbtxt";
    public const string CaffeModelFile = "model.caffemodel";
    public const string CaffeConfigFile = "deploy.prototxt";

    private static readonly Size BlobSize = new(300, 300);
    private static readonly Scalar BgrMeans = new(104, 177, 123);

    private readonly Net _net;
    private readonly Res10SsdOptions _options;
    private readonly Lock _gate = new();

    public Res10SsdDetector(Res10SsdFormat format, string modelPath, string configPath, Res10SsdOptions? options = null)
    {
        foreach (var path in new[] { modelPath, configPath })
            if (!File.Exists(path))
                throw new FileNotFoundException($"res10 SSD file not found: {path}", path);
        _options = options ?? new Res10SsdOptions();
        Format = format;
        var net = format == Res10SsdFormat.TensorFlow8Bit
            ? CvDnn.ReadNetFromTensorflow(modelPath, configPath)
            : CvDnn.ReadNetFromCaffe(configPath, modelPath);
        _net = net is { } loaded && !loaded.Empty()
            ? loaded
            : throw new InvalidDataException($"OpenCV could not load the res10 SSD from {modelPath} + {configPath}.");
        _net.SetPreferableBackend(_options.Device.Backend);
        _net.SetPreferableTarget(_options.Device.Target);
    }

    /// <summary>Loads the installed model of the given format from <see cref="ModelStore"/>.</summary>
    public static Res10SsdDetector FromModelStore(Res10SsdFormat format = Res10SsdFormat.TensorFlow8Bit, Res10SsdOptions? options = null) =>
        format == Res10SsdFormat.TensorFlow8Bit
            ? new Res10SsdDetector(format,
                ModelStore.RequireFile(ModelNames.Res10Ssd, TensorFlowModelFile),
                ModelStore.RequireFile(ModelNames.Res10Ssd, TensorFlowConfigFile), options)
            : new Res10SsdDetector(format,
                ModelStore.RequireFile(ModelNames.Res10SsdCaffe, CaffeModelFile),
                ModelStore.RequireFile(ModelNames.Res10SsdCaffe, CaffeConfigFile), options);

    public Res10SsdFormat Format { get; }

    public string Name => Format == Res10SsdFormat.TensorFlow8Bit ? ModelNames.Res10Ssd : ModelNames.Res10SsdCaffe;

    public IReadOnlyList<DetectedFace> Detect(Mat bgr)
    {
        DetectorInput.RequireBgr(bgr, Name);
        using var blob = CvDnn.BlobFromImage(bgr, 1.0, BlobSize, BgrMeans, swapRB: false, crop: false);
        Mat output;
        lock (_gate)
        {
            _net.SetInput(blob);
            output = _net.Forward();
        }
        using (output)
            return Decode(output, bgr.Width, bgr.Height);
    }

    /// <summary>The SSD's DetectionOutput is (1, 1, N, 7): image id, class, score, then the box
    /// corners as fractions of the image.</summary>
    private List<DetectedFace> Decode(Mat output, int width, int height)
    {
        int rows = output.Size(2);
        using var table = Mat.FromPixelData(rows, output.Size(3), MatType.CV_32F, output.Ptr(0));
        var candidates = new List<DetectedFace>();
        for (int i = 0; i < rows; i++)
        {
            float score = table.At<float>(i, 2);
            if (score < _options.ScoreThreshold)
                continue;
            float x1 = Math.Clamp(table.At<float>(i, 3) * width, 0, width);
            float y1 = Math.Clamp(table.At<float>(i, 4) * height, 0, height);
            float x2 = Math.Clamp(table.At<float>(i, 5) * width, 0, width);
            float y2 = Math.Clamp(table.At<float>(i, 6) * height, 0, height);
            if (x2 <= x1 || y2 <= y1)
                continue;
            candidates.Add(new DetectedFace(new BoxF(x1, y1, x2 - x1, y2 - y1), score, null));
        }
        return DetectorInput.SuppressOverlaps(candidates, _options.ScoreThreshold, _options.NmsThreshold);
    }

    public void Dispose() => _net.Dispose();
}
