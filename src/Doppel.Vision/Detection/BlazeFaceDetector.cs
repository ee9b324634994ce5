using Doppel.Models;
using Doppel.Vision.Inference;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace Doppel.Vision.Detection;

/// <summary>
/// One of MediaPipe's two BlazeFace graphs. Both give 896 anchors (16x16x2 + 8x8x6) over a square
/// input and the same outputs; they differ in input side and in the face sizes they were trained on.
/// </summary>
/// <param name="Name">Catalogue name of the installed model.</param>
/// <param name="InputSize">Square input side in pixels.</param>
/// <param name="Preparable">Whether <see cref="BlazeFaceGraph"/> knows how to rewrite this graph
/// (channel padding, planar input, any batch); otherwise it runs as shipped, batch 1.</param>
public sealed record BlazeFaceModel(string Name, int InputSize, bool Preparable)
{
    /// <summary>Back camera, 256x256: faces from about a tenth of the frame up (portraits, photos).</summary>
    public static BlazeFaceModel Back256 { get; } = new(ModelNames.BlazeFaceBack, 256, Preparable: true);

    /// <summary>Front camera, 128x128: faces filling much of the frame (ID and registration photos,
    /// selfies, LFW), for a quarter of back-256's work (1.4 vs 6.1 ms of CPU per image, stage bench).</summary>
    public static BlazeFaceModel Front128 { get; } = new(ModelNames.BlazeFaceFront, 128, Preparable: false);
}

public sealed record BlazeFaceOptions
{
    /// <summary>Which graph runs.</summary>
    public BlazeFaceModel Model { get; init; } = BlazeFaceModel.Back256;

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

    /// <summary>Model file; null means the installed file of <see cref="Model"/>.</summary>
    public string? ModelPath { get; init; }

    public OnnxSessionOptions Session { get; init; } = OnnxSessionOptions.Default;

    /// <summary>Regions (images, tiles, padded retries) per ONNX Runtime run in
    /// <see cref="BlazeFaceDetector.DetectMany"/>. On CPU one at a time is as fast per region as any
    /// batch measured (see docs/benchmarks.md); larger batches are for accelerators.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Run the model file as shipped (NHWC input, batch 1) instead of the graph
    /// <see cref="BlazeFaceGraph"/> prepares from it; for checking that the preparation changes nothing.</summary>
    public bool UseShippedGraph { get; init; }
}

/// <summary>
/// MediaPipe BlazeFace (<see cref="BlazeFaceModel"/>: back-camera 256 or front-camera 128): box, score
/// and eyes/nose/mouth-centre per face. Runs back-256 as prepared by <see cref="BlazeFaceGraph"/> (same outputs, faster, any batch);
/// <see cref="DetectMany"/> puts the regions of several images (whole images, tiles, padded retries)
/// into batched runs. Thread-safe: concurrent calls share one ONNX Runtime session.
/// </summary>
public sealed class BlazeFaceDetector : IFaceDetector
{
    private readonly int _size;
    private readonly int _pixelsPerRegion;
    private readonly BlazeFaceDecoder _decoder;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly string[] _outputNames;
    private readonly bool _planar;
    private readonly int _maxBatch;
    private readonly ThreadLocal<float[]> _inputBuffer = new(() => []);

    /// <summary>Model input value of each 8-bit sample: v / 127.5 − 1, as OpenCV's convertTo computes it.</summary>
    private static readonly float[] SampleToInput = Enumerable.Range(0, 256).Select(v => MathF.FusedMultiplyAdd(v, (float)(1 / 127.5), -1f)).ToArray();

    public BlazeFaceOptions Options { get; }
    public string Name => Options.Model.Name;

    public BlazeFaceDetector(BlazeFaceOptions? options = null)
    {
        Options = options ?? new BlazeFaceOptions();
        if (Options.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), Options.BatchSize, "BatchSize must be at least 1.");
        var path = Options.ModelPath ?? ModelStore.RequireFile(Options.Model.Name, ModelNames.OnnxFile);
        _size = Options.Model.InputSize;
        _pixelsPerRegion = _size * _size * 3;
        _decoder = new BlazeFaceDecoder(_size);
        _planar = Options.Model.Preparable && !Options.UseShippedGraph;
        _session = _planar
            ? OnnxSessionFactory.Create(BlazeFaceGraph.Prepare(path), Options.Session)
            : OnnxSessionFactory.Create(path, Options.Session);
        _inputName = _session.InputMetadata.Keys.Single();
        // The shipped graph has a fixed batch of 1.
        _maxBatch = _planar ? Options.BatchSize : 1;
        // Outputs by shape: [N,512,1] and [N,384,1] logits, [N,512,16] and [N,384,16] regressors.
        var outputs = _session.OutputMetadata;
        string Find(int anchors, int values) => outputs.First(o => o.Value.Dimensions.Length == 3 && o.Value.Dimensions[1] == anchors && o.Value.Dimensions[2] == values).Key;
        try
        {
            _outputNames = [Find(512, 1), Find(512, 16), Find(384, 1), Find(384, 16)];
        }
        catch (InvalidOperationException)
        {
            throw new InvalidOperationException($"{path} does not have the outputs of a BlazeFace model ([1,512,1], [1,512,16], [1,384,1], [1,384,16]).");
        }
    }

    public IReadOnlyList<DetectedFace> Detect(Mat bgr) => DetectMany([bgr])[0];

    /// <summary>Faces of each image, in order; the same as <see cref="Detect"/> on each image alone.</summary>
    public IReadOnlyList<IReadOnlyList<DetectedFace>> DetectMany(IReadOnlyList<Mat> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        foreach (var bgr in images)
            DetectorInput.RequireBgr(bgr, Name);

        var faces = RunRegions(images.Select(i => (i, new Rect(0, 0, i.Width, i.Height))).ToList());

        // Second pass over tiles of the big images, all tiles of all images in the same runs.
        var tiles = new List<(int Image, Rect Tile)>();
        for (int i = 0; i < images.Count; i++)
        {
            int longSide = Math.Max(images[i].Width, images[i].Height);
            if (longSide > Options.TileAboveSide)
                tiles.AddRange(ImageTiling.Tiles(images[i].Width, images[i].Height, longSide / 2, longSide / 2).Select(t => (i, t)));
        }
        if (tiles.Count > 0)
        {
            var tileFaces = RunRegions(tiles.Select(t => (images[t.Image], t.Tile)).ToList());
            for (int t = 0; t < tiles.Count; t++)
                faces[tiles[t].Image].AddRange(tileFaces[t].Where(f => !ImageTiling.CutByInnerEdge(f.Box, tiles[t].Tile, images[tiles[t].Image].Width, images[tiles[t].Image].Height)));
            foreach (var i in tiles.Select(t => t.Image).Distinct())
                faces[i] = ImageTiling.SuppressOverlaps(faces[i], Options.NmsIoU);
        }

        if (Options.RetryPadded)
        {
            var empty = Enumerable.Range(0, images.Count).Where(i => faces[i].Count == 0).ToList();
            if (empty.Count > 0)
            {
                var retried = DetectPadded(empty.Select(i => images[i]).ToList());
                for (int k = 0; k < empty.Count; k++)
                    faces[empty[k]] = retried[k];
            }
        }
        return faces
            .Select(f => (IReadOnlyList<DetectedFace>)f
                .Where(face => face.Box.Width >= Options.MinFaceSize)
                .OrderByDescending(face => face.Score)
                .ToList())
            .ToList();
    }

    /// <summary>Runs the model on each region, letterboxed to the model's square input, up to <see cref="BlazeFaceOptions.BatchSize"/>
    /// regions per run; returns each region's faces in its image's pixels.</summary>
    private List<List<DetectedFace>> RunRegions(IReadOnlyList<(Mat Image, Rect Region)> regions)
    {
        var found = new List<List<DetectedFace>>(regions.Count);
        var letterboxes = new Letterbox[Math.Min(_maxBatch, regions.Count)];
        for (int start = 0; start < regions.Count; start += _maxBatch)
        {
            int count = Math.Min(_maxBatch, regions.Count - start);
            var input = _inputBuffer.Value!;
            if (input.Length < count * _pixelsPerRegion)
                _inputBuffer.Value = input = new float[count * _pixelsPerRegion];
            for (int j = 0; j < count; j++)
            {
                var (image, region) = regions[start + j];
                letterboxes[j] = WriteLetterboxed(image, region, _size, input.AsSpan(j * _pixelsPerRegion, _pixelsPerRegion), _planar);
            }
            long[] shape = _planar ? [count, 3, _size, _size] : [count, _size, _size, 3];
            using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(0, count * _pixelsPerRegion), shape);
            using var outputs = _session.Run(_runOptions, [_inputName], [inputValue], _outputNames);
            for (int j = 0; j < count; j++)
            {
                var candidates = _decoder.Decode(
                    Item(outputs[0], j, count), Item(outputs[1], j, count),
                    Item(outputs[2], j, count), Item(outputs[3], j, count),
                    Options.ScoreThreshold);
                var merged = BlazeFaceDecoder.WeightedNms(candidates, Options.NmsIoU);
                var (image, _) = regions[start + j];
                found.Add(ToImageFaces(merged, letterboxes[j], image.Width, image.Height));
            }
        }
        return found;
    }

    /// <summary>Item <paramref name="index"/> of a batched output.</summary>
    private static ReadOnlySpan<float> Item(OrtValue output, int index, int count)
    {
        var all = output.GetTensorDataAsSpan<float>();
        int per = all.Length / count;
        return all.Slice(index * per, per);
    }

    /// <summary>Where a region landed in the model's square input: its offset in the image, the scale per
    /// axis and the black border.</summary>
    private readonly record struct Letterbox(Rect Region, float ScaleX, float ScaleY, int PadX, int PadY)
    {
        public PointF ToImage(float x, float y) => new((x - PadX) / ScaleX + Region.X, (y - PadY) / ScaleY + Region.Y);
    }

    /// <summary>Resizes the region to fit the square input (aspect kept) and writes it centred, black border
    /// around it, as RGB scaled to [-1, 1]: planar (prepared graph) or interleaved (shipped graph).</summary>
    private static unsafe Letterbox WriteLetterboxed(Mat bgr, Rect region, int size, Span<float> into, bool planar)
    {
        float scale = (float)size / Math.Max(region.Width, region.Height);
        int w = Math.Clamp((int)MathF.Round(region.Width * scale), 1, size);
        int h = Math.Clamp((int)MathF.Round(region.Height * scale), 1, size);
        int padX = (size - w) / 2, padY = (size - h) / 2;
        using var view = new Mat(bgr, region);
        using var resized = new Mat();
        Cv2.Resize(view, resized, new Size(w, h), interpolation: scale < 0.5f ? InterpolationFlags.Area : InterpolationFlags.Linear);
        if (w < size || h < size)
            into.Fill(SampleToInput[0]);
        int plane = size * size;
        var lut = SampleToInput;
        fixed (float* dst = into)
        {
            for (int y = 0; y < h; y++)
            {
                byte* row = (byte*)resized.Ptr(y);
                int at = (y + padY) * size + padX;
                if (planar)
                {
                    float* r = dst + at, g = dst + plane + at, b = dst + 2 * plane + at;
                    for (int x = 0; x < w; x++, row += 3)
                    {
                        b[x] = lut[row[0]];
                        g[x] = lut[row[1]];
                        r[x] = lut[row[2]];
                    }
                }
                else
                {
                    float* px = dst + 3 * at;
                    for (int x = 0; x < w; x++, row += 3, px += 3)
                    {
                        px[0] = lut[row[2]];
                        px[1] = lut[row[1]];
                        px[2] = lut[row[0]];
                    }
                }
            }
        }
        return new Letterbox(region, (float)w / region.Width, (float)h / region.Height, padX, padY);
    }

    private static List<DetectedFace> ToImageFaces(List<BlazeCandidate> merged, Letterbox letterbox, int imageWidth, int imageHeight)
    {
        var faces = new List<DetectedFace>(merged.Count);
        foreach (var c in merged)
        {
            var topLeft = letterbox.ToImage(c.CenterX - c.Width / 2, c.CenterY - c.Height / 2);
            var bottomRight = letterbox.ToImage(c.CenterX + c.Width / 2, c.CenterY + c.Height / 2);
            var box = ImageTiling.Clip(new BoxF(topLeft.X, topLeft.Y, bottomRight.X - topLeft.X, bottomRight.Y - topLeft.Y), imageWidth, imageHeight);
            if (box.Area <= 0) continue;
            var k = c.Keypoints;
            // The model's first eye is the subject's right eye, which is image-left in a photo.
            var landmarks = new FaceLandmarks(
                LeftEye: letterbox.ToImage(k[0], k[1]),
                RightEye: letterbox.ToImage(k[2], k[3]),
                Nose: letterbox.ToImage(k[4], k[5]),
                MouthCenter: letterbox.ToImage(k[6], k[7]));
            faces.Add(new DetectedFace(box, c.Score, landmarks));
        }
        return faces;
    }

    /// <summary>Tight crops: the face fills the frame and the model (trained on faces with context)
    /// misses it; shrinking it inside a black border brings it back into range.</summary>
    private List<List<DetectedFace>> DetectPadded(IReadOnlyList<Mat> images)
    {
        var padded = new List<Mat>(images.Count);
        try
        {
            foreach (var bgr in images)
            {
                var copy = new Mat();
                padded.Add(copy);
                Cv2.CopyMakeBorder(bgr, copy, bgr.Height / 4, bgr.Height / 4, bgr.Width / 4, bgr.Width / 4, BorderTypes.Constant, Scalar.All(0));
            }
            var found = RunRegions(padded.Select(p => (p, new Rect(0, 0, p.Width, p.Height))).ToList());
            return found.Select((faces, i) => faces
                .Select(f => ImageTiling.Unpad(f, images[i].Width / 4, images[i].Height / 4, images[i].Width, images[i].Height))
                .Where(f => f.Box.Area > 0)
                .ToList()).ToList();
        }
        finally
        {
            padded.ForEach(p => p.Dispose());
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
        _inputBuffer.Dispose();
    }
}
