using Doppel.Models;
using OpenCvSharp;

namespace Doppel.Vision.Detection;

/// <summary>Settings of <see cref="SizedYuNetDetector"/>.</summary>
public sealed record SizedYuNetOptions
{
    /// <summary>The cascade's YuNet threshold. Lower than <see cref="YuNetOptions"/>' 0.6 so that
    /// evaluation traces more of the precision–recall curve; the pipeline's own
    /// <c>FacePipelineOptions.MinConfidence</c> (0.6) still decides which faces are used.</summary>
    public float ScoreThreshold { get; init; } = 0.3f;

    public float NmsThreshold { get; init; } = 0.3f;

    public int TopK { get; init; } = 5000;

    /// <summary>Images whose long side is shorter are enlarged to it: YuNet's largest anchors want
    /// faces of at most ~60 % of a 320 px input (models.md: 320 beat LFW's native 250).</summary>
    public int MinSide { get; init; } = 320;

    /// <summary>The whole-image pass runs at the image's own size up to this long side, and above it
    /// downscaled to it. 1024 (WIDER's width) reproduces YuNet's published full-size AP
    /// (docs/benchmarks-detection.md); 1280 leaves a little room for 1280 px photos.</summary>
    public int MaxSide { get; init; } = 1280;

    /// <summary>When the whole-image pass had to shrink the image well below this scale (to 0.8 of
    /// it or less: images over 3,200 px), overlapping tiles are searched at this scale too: a face of
    /// the pipeline's 24 px minimum is then 12 px, about YuNet's smallest stride-8 face.
    /// Extreme-aspect strips (6000x300) and big photos get tiles.</summary>
    public float TileScale { get; init; } = 0.5f;

    /// <summary>Most tiles per image; beyond, tiles grow (and their scale drops) until they fit.</summary>
    public int MaxTiles { get; init; } = 16;

    /// <summary>YuNet networks kept open, one per input size (inputs are padded to multiples of 32).
    /// Each holds OpenCV's activation buffers for its size (tens of MB at 1280 px), so few are kept;
    /// a new size costs re-reading the 230 KB model, small next to a full-size pass.</summary>
    public int CachedSizes { get; init; } = 4;

    public DnnDevice Device { get; init; } = DnnDevice.Cpu;
}

/// <summary>What <see cref="SizedYuNetDetector"/> will run on an image: the whole image at
/// <see cref="FullScale"/>, then each tile at <see cref="TileScale"/>.</summary>
public sealed record YuNetPlan(float FullScale, float TileScale, IReadOnlyList<Rect> Tiles);

/// <summary>
/// YuNet 2023mar (OpenCV's <see cref="FaceDetectorYN"/>) at an input size chosen from the image,
/// not one fixed square: the image at its own size (enlarged to <see cref="SizedYuNetOptions.MinSide"/>,
/// shrunk to <see cref="SizedYuNetOptions.MaxSide"/>), padded to multiples of 32; big and
/// extreme-aspect images also get overlapping tiles (<see cref="Plan"/>). Faces cut by a tile's inner
/// edge are dropped (a neighbour or the whole pass holds them), the rest merged by NMS.
/// OpenCvSharp does not wrap <c>setInputSize</c>, so one network per input size is kept in a small
/// pool; concurrent calls each rent their own network.
/// </summary>
public sealed class SizedYuNetDetector : IFaceDetector
{
    private const int Stride = 32;
    private readonly string _modelPath;
    private readonly LinkedList<(Size Size, FaceDetectorYN Net)> _free = new();
    private readonly Lock _gate = new();
    private bool _disposed;

    public SizedYuNetOptions Options { get; }

    public SizedYuNetDetector(string modelPath, SizedYuNetOptions? options = null)
    {
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"YuNet model not found: {modelPath}", modelPath);
        _modelPath = modelPath;
        Options = options ?? new SizedYuNetOptions();
        if (Options.MinSide < Stride || Options.MaxSide < Options.MinSide)
            throw new ArgumentOutOfRangeException(nameof(options), $"YuNet sides must satisfy {Stride} <= MinSide <= MaxSide (got {Options.MinSide}, {Options.MaxSide}).");
        if (!(Options.TileScale > 0 && Options.TileScale <= 1) || Options.MaxTiles < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "TileScale must be in (0, 1] and MaxTiles at least 1.");
    }

    public static SizedYuNetDetector FromModelStore(SizedYuNetOptions? options = null) =>
        new(ModelStore.RequireFile(ModelNames.YuNet, ModelNames.OnnxFile), options);

    /// <summary>Registry name: YuNet at the image's full size (up to <see cref="SizedYuNetOptions.MaxSide"/>) with tiles.</summary>
    public const string RegistryName = "yunet-full";

    public string Name => RegistryName;

    /// <summary>The scales and tiles for a <paramref name="width"/> x <paramref name="height"/> image.</summary>
    public YuNetPlan Plan(int width, int height) => Plan(width, height, Options);

    /// <inheritdoc cref="Plan(int, int)"/>
    public static YuNetPlan Plan(int width, int height, SizedYuNetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int longSide = Math.Max(width, height);
        float full = longSide < options.MinSide ? (float)options.MinSide / longSide
            : longSide > options.MaxSide ? (float)options.MaxSide / longSide
            : 1f;
        // Tiles cost at least two more passes: only worth it when they see faces 25 % larger or more.
        if (full * 1.25f > options.TileScale)
            return new YuNetPlan(full, full, []);
        // Tiles whose long side is MaxSide once scaled; a quarter overlap keeps faces up to a quarter
        // tile whole in some tile, and bigger ones are big enough for the whole-image pass.
        float scale = options.TileScale;
        while (true)
        {
            int side = (int)MathF.Ceiling(options.MaxSide / scale);
            var tiles = ImageTiling.Tiles(width, height, Math.Min(side, width), Math.Min(side, height), overlap: 0.25).ToList();
            if (tiles.Count <= options.MaxTiles)
                return new YuNetPlan(full, scale, tiles);
            scale /= 1.25f;
            if (scale <= full * 1.25f)
                return new YuNetPlan(full, full, []);
        }
    }

    public IReadOnlyList<DetectedFace> Detect(Mat bgr)
    {
        DetectorInput.RequireBgr(bgr, Name);
        var plan = Plan(bgr.Width, bgr.Height);
        var faces = RunRegion(bgr, new Rect(0, 0, bgr.Width, bgr.Height), plan.FullScale);
        if (plan.Tiles.Count == 0)
            return faces;
        foreach (var tile in plan.Tiles)
            faces.AddRange(RunRegion(bgr, tile, plan.TileScale).Where(f => !ImageTiling.CutByInnerEdge(f.Box, tile, bgr.Width, bgr.Height)));
        return ImageTiling.SuppressOverlaps(faces, Options.NmsThreshold);
    }

    /// <summary>YuNet on one region resized by <paramref name="scale"/> and zero-padded right and
    /// bottom to multiples of 32; faces in image pixels.</summary>
    private List<DetectedFace> RunRegion(Mat bgr, Rect region, float scale)
    {
        int width = Math.Max(1, (int)MathF.Round(region.Width * scale));
        int height = Math.Max(1, (int)MathF.Round(region.Height * scale));
        var size = new Size(RoundUp(width), RoundUp(height));
        using var input = new Mat(size, MatType.CV_8UC3, Scalar.All(0));
        using (var view = new Mat(bgr, region))
        using (var into = new Mat(input, new Rect(0, 0, width, height)))
            Cv2.Resize(view, into, new Size(width, height), interpolation: scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear);

        using var rows = new Mat();
        var net = Rent(size);
        try
        {
            net.Detect(input, rows);
        }
        finally
        {
            Return(size, net);
        }
        return YuNetDetector.Decode(rows, (float)width / region.Width, (float)height / region.Height, region);
    }

    private static int RoundUp(int v) => (v + Stride - 1) / Stride * Stride;

    private FaceDetectorYN Rent(Size size)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (var node = _free.First; node is not null; node = node.Next)
                if (node.Value.Size == size)
                {
                    _free.Remove(node);
                    return node.Value.Net;
                }
        }
        return FaceDetectorYN.Create(_modelPath, "", size, Options.ScoreThreshold, Options.NmsThreshold, Options.TopK,
            Options.Device.Backend, Options.Device.Target);
    }

    /// <summary>Back to the pool, most recently used first; the least recently used beyond
    /// <see cref="SizedYuNetOptions.CachedSizes"/> are closed.</summary>
    private void Return(Size size, FaceDetectorYN net)
    {
        var closing = new List<FaceDetectorYN>();
        lock (_gate)
        {
            if (_disposed)
                closing.Add(net);
            else
            {
                _free.AddFirst((size, net));
                while (_free.Count > Math.Max(1, Options.CachedSizes))
                {
                    closing.Add(_free.Last!.Value.Net);
                    _free.RemoveLast();
                }
            }
        }
        closing.ForEach(n => n.Dispose());
    }

    public void Dispose()
    {
        List<FaceDetectorYN> nets;
        lock (_gate)
        {
            _disposed = true;
            nets = _free.Select(f => f.Net).ToList();
            _free.Clear();
        }
        nets.ForEach(n => n.Dispose());
    }
}
