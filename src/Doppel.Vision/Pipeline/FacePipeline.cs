using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Doppel.Vision.Alignment;
using Doppel.Vision.Decoding;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Quality;
using OpenCvSharp;

namespace Doppel.Vision.Pipeline;

/// <summary>
/// Image file → decode → detect → select → align and embed → <see cref="ImageAnalysis"/>. One image
/// at a time with <see cref="Analyze(string)"/>, or many with <see cref="AnalyzeManyAsync"/>, which
/// runs one worker per core, each embedding the faces of many images in one batch.
/// </summary>
public sealed class FacePipeline : IDisposable
{
    private readonly IFaceDetector _detector;
    private readonly IReadOnlyList<IFaceEmbedder> _embedders;
    private readonly bool _ownsModels;
    private readonly ImageDecoder _decoder;

    public FacePipelineOptions Options { get; }
    public IFaceDetector Detector => _detector;
    public IReadOnlyList<IFaceEmbedder> Embedders => _embedders;

    /// <summary>Quality assessors run on every kept face (disposed with the pipeline when it owns its
    /// models); the first one's score is <see cref="FaceAnalysis.Quality"/>, all are in
    /// <see cref="FaceAnalysis.Qualities"/>. Empty: the quality is the mapped embedding norm of a
    /// recogniser or ensemble member whose norm carries it (MobileFaceNet-192), else none.</summary>
    public IReadOnlyList<IFaceQuality> Qualities { get; init; } = [];

    /// <param name="ownsModels">Dispose detector and embedders with the pipeline.</param>
    public FacePipeline(IFaceDetector detector, IReadOnlyList<IFaceEmbedder> embedders, FacePipelineOptions? options = null, bool ownsModels = true)
    {
        _detector = detector;
        _embedders = embedders;
        _ownsModels = ownsModels;
        Options = options ?? new FacePipelineOptions();
        _decoder = new ImageDecoder(Options.Decoder);
    }

    /// <summary>The default detector (<see cref="DetectorRegistry.Default"/>, the cascade with face-api's 68 landmarks) with
    /// dlib ResNet-29 alone: what tests and benches about dlib's vectors build. The product's recogniser is the selected
    /// model profile's (<see cref="ModelProfiles.Default"/>: the licence-clean fusion), built from a recipe; throws
    /// <see cref="Doppel.Models.ModelNotInstalledException"/> when a model is missing.</summary>
    public static FacePipeline CreateDlib(FacePipelineOptions? options = null, EmbedderOptions? embedderOptions = null)
    {
        var detector = DetectorRegistry.Create(DetectorRegistry.Default);
        try
        {
            return new FacePipeline(detector, [new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, embedderOptions)], options);
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }

    public ImageAnalysis Analyze(string path)
    {
        var found = DetectOne(path, () => (_decoder.Decode(path), null));
        return Embed([found])[0];
    }

    public ImageAnalysis Analyze(byte[] bytes, string name)
    {
        var found = DetectOne(name, () => (_decoder.Decode(bytes), null));
        return Embed([found])[0];
    }

    /// <summary>One image for the workers: its name and how to get its pixels (and what was read, for a source).</summary>
    private sealed record Work(string Name, Func<CancellationToken, (DecodedImage Image, SourceBytes? Read)> Decode);

    /// <summary>Analyses many files; results stream out in completion order (match them by
    /// <see cref="ImageAnalysis.Path"/>). Progress is reported after every image.</summary>
    /// <remarks>Each of <see cref="FacePipelineOptions.Workers"/> threads runs the whole pipeline on
    /// its share of the images: decode and detect until it holds <see cref="FacePipelineOptions.EmbedBatchSize"/>
    /// faces (or the images run out), then embed them in one batch. With one worker per core and
    /// single-threaded sessions no core waits on another and none is oversubscribed; a separate
    /// embedding thread, or intra-op threads, cost more CPU per image on 2 cores (docs/benchmarks.md).</remarks>
    public IAsyncEnumerable<ImageAnalysis> AnalyzeManyAsync(
        IEnumerable<string> paths,
        IProgress<PipelineProgress>? progress = null,
        CancellationToken cancellation = default) =>
        AnalyzeAllAsync(paths.Select(path => new Work(path, _ => (_decoder.Decode(path), null))).ToList(), progress, cancellation);

    /// <summary>Analyses images the caller's store reads (a folder, a blob container): each source is opened once,
    /// on a worker, and its bytes are hashed as they are read and decoded as they are, so the image is read once and
    /// each result's <see cref="ImageAnalysis.ContentHash"/> is that of exactly the bytes analysed. The budgets of
    /// <see cref="FacePipelineOptions.Decoder"/> hold as for files: at most the file budget is held per image in
    /// flight (a bigger one is only hashed, <see cref="ImageStatus.TooLarge"/>), then the decode rules.</summary>
    public IAsyncEnumerable<ImageAnalysis> AnalyzeManyAsync(
        IEnumerable<ImageSource> sources,
        IProgress<PipelineProgress>? progress = null,
        CancellationToken cancellation = default) =>
        AnalyzeAllAsync(sources.Select(source => new Work(source.Name, token =>
        {
            var image = _decoder.Decode(source, token, out var read);
            return (image, read);
        })).ToList(), progress, cancellation);

    private async IAsyncEnumerable<ImageAnalysis> AnalyzeAllAsync(
        IReadOnlyList<Work> list,
        IProgress<PipelineProgress>? progress,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        // Cancelled when the caller stops enumerating early, so that no worker waits forever on a full channel.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var analysed = Channel.CreateBounded<ImageAnalysis>(new BoundedChannelOptions(Math.Max(8, Options.EmbedBatchSize * 2))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var queue = new System.Collections.Concurrent.ConcurrentQueue<Work>(list);
        var workers = Enumerable.Range(0, Math.Max(1, Options.Workers))
            .Select(_ => Task.Run(() => AnalyzeQueueAsync(queue, analysed.Writer, stop.Token), stop.Token))
            .ToArray();
        var closer = Task.WhenAll(workers).ContinueWith(t => analysed.Writer.TryComplete(t.Exception), TaskScheduler.Default);

        int done = 0, faces = 0, failed = 0;
        try
        {
            await foreach (var result in analysed.Reader.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                done++;
                faces += result.Faces.Count;
                if (result.Status is not (ImageStatus.Ok or ImageStatus.SeveralFaces)) failed++;
                progress?.Report(new PipelineProgress(done, list.Count, faces, failed, clock.Elapsed));
                yield return result;
            }
            await closer.ConfigureAwait(false);
        }
        finally
        {
            stop.Cancel();
            // Workers may be inside the detector: wait for them, or disposing the pipeline next would
            // free a session still in use.
            try
            {
                await closer.ConfigureAwait(false);
                await Task.WhenAll(workers).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>One worker: takes images off the shared queue, detects, embeds a batch's worth of faces
    /// at a time and writes the results (scheduling in <see cref="BatchingWorker"/>).</summary>
    private Task AnalyzeQueueAsync(System.Collections.Concurrent.ConcurrentQueue<Work> queue, ChannelWriter<ImageAnalysis> results, CancellationToken stop) =>
        BatchingWorker.RunAsync<Work, DetectedImage>(
            queue.TryDequeue, () => queue.IsEmpty,
            work => DetectOne(work.Name, () => work.Decode(stop)),
            image => image.Faces.Count,
            Options.EmbedBatchSize,
            async (batch, token) =>
            {
                foreach (var result in Embed(batch))
                    await results.WriteAsync(result, token).ConfigureAwait(false);
            },
            image =>
            {
                foreach (var (_, crop) in image.Faces) crop.Bgr.Dispose();
            },
            stop);

    /// <summary>Blocking form of <see cref="AnalyzeManyAsync"/>, results in input order.</summary>
    public IReadOnlyList<ImageAnalysis> AnalyzeMany(IReadOnlyList<string> paths, IProgress<PipelineProgress>? progress = null)
    {
        var results = new ImageAnalysis[paths.Count];
        var index = new Dictionary<string, Queue<int>>();
        for (int i = 0; i < paths.Count; i++)
        {
            if (!index.TryGetValue(paths[i], out var q)) index[paths[i]] = q = new Queue<int>();
            q.Enqueue(i);
        }
        var task = Task.Run(async () =>
        {
            await foreach (var r in AnalyzeManyAsync(paths, progress).ConfigureAwait(false))
                results[index[r.Path].Dequeue()] = r;
        });
        task.GetAwaiter().GetResult();
        return results;
    }

    /// <summary>A decoded-and-detected image waiting for embedding. Kept faces carry a small copy of
    /// the region around them, so the full decoded image can be freed at once.</summary>
    private sealed record DetectedImage(string Path, ImageStatus Status, string? Detail, string? Format, int Width, int Height, IReadOnlyList<(DetectedFace Face, FaceCrop Crop)> Faces)
    {
        public SourceBytes? Read { get; init; }
    }

    private DetectedImage DetectOne(string path, Func<(DecodedImage Image, SourceBytes? Read)> decode)
    {
        var (image, read) = decode();
        using var decoded = image;
        return DetectOne(path, decoded) with { Read = read is null ? null : read with { Bytes = null } };
    }

    private DetectedImage DetectOne(string path, DecodedImage decoded)
    {
        if (!decoded.IsOk)
            return new DetectedImage(path, decoded.Status, decoded.Detail, decoded.Format, decoded.Width, decoded.Height, []);
        var pixels = decoded.Image!;
        IReadOnlyList<DetectedFace> detections;
        try
        {
            detections = _detector.Detect(pixels);
        }
        catch (Exception e) when (e is OpenCVException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            return new DetectedImage(path, ImageStatus.Unreadable, $"detector failed: {e.Message}", decoded.Format, decoded.Width, decoded.Height, []);
        }
        var (status, detail, kept) = FaceSelector.Select(detections, Options, pixels.Width, pixels.Height);
        var faces = kept.Select(face =>
        {
            var withLandmarks = face.Landmarks is null ? face with { Landmarks = FaceSelector.LandmarksFromBox(face.Box) } : face;
            return (withLandmarks, CropAround(pixels, withLandmarks));
        }).ToList();
        return new DetectedImage(path, status, detail, decoded.Format, decoded.Width, decoded.Height, faces);
    }

    /// <summary>The face's box grown by its size on every side (room for any template's margins and
    /// for jitter), copied out, with landmarks moved into the copy's coordinates.</summary>
    private static FaceCrop CropAround(Mat image, DetectedFace face)
    {
        var b = face.Box;
        float margin = MathF.Max(b.Width, b.Height);
        int x0 = Math.Max(0, (int)MathF.Floor(b.X - margin)), y0 = Math.Max(0, (int)MathF.Floor(b.Y - margin));
        int x1 = Math.Min(image.Width, (int)MathF.Ceiling(b.Right + margin)), y1 = Math.Min(image.Height, (int)MathF.Ceiling(b.Bottom + margin));
        using var view = new Mat(image, new Rect(x0, y0, Math.Max(1, x1 - x0), Math.Max(1, y1 - y0)));
        return new FaceCrop(view.Clone(), face.Landmarks!.Map(p => new PointF(p.X - x0, p.Y - y0)));
    }

    private List<ImageAnalysis> Embed(IReadOnlyList<DetectedImage> images)
    {
        var crops = images.SelectMany(i => i.Faces.Select(f => f.Crop)).ToList();
        try
        {
            var vectors = new List<(string Name, float[][] Vectors)>();
            // Raw norms of every recogniser (or ensemble member) whose norm carries quality.
            var norms = new List<(string Name, float[] Norms)>();
            // Mirror-view cosines of recognisers that flip (the flip-stability signal, free).
            var mirrors = new List<(string Name, float[] Cosines)>();
            foreach (var embedder in _embedders)
            {
                switch (embedder)
                {
                    case OnnxFaceEmbedder onnx:
                        var batch = onnx.EmbedWithNorms(crops);
                        vectors.Add((embedder.Name, batch.Vectors));
                        if (onnx.Spec.NormIsQuality) norms.Add((onnx.Name, batch.RawNorms));
                        if (batch.MirrorCosines is { } cosines) mirrors.Add((onnx.Name, cosines));
                        break;
                    case EnsembleEmbedder ensemble:
                        var (fused, memberNorms) = ensemble.EmbedWithNorms(crops);
                        vectors.Add((embedder.Name, fused));
                        norms.AddRange(memberNorms.Select(kv => (kv.Key, kv.Value)));
                        break;
                    default:
                        vectors.Add((embedder.Name, embedder.Embed(crops)));
                        break;
                }
            }
            var embeddings = Enumerable.Range(0, crops.Count)
                .Select(i => (IReadOnlyDictionary<string, float[]>)vectors.ToDictionary(v => v.Name, v => v.Vectors[i])).ToArray();
            var rawNorms = norms.Count == 0 ? null : Enumerable.Range(0, crops.Count)
                .Select(i => (IReadOnlyDictionary<string, float>)norms.ToDictionary(n => n.Name, n => n.Norms[i])).ToArray();
            var inputs = images.SelectMany(i => i.Faces).Select((f, i) => new QualityInput(f.Crop, f.Face)
            {
                Vectors = embeddings[i],
                RawNorms = rawNorms?[i],
                MirrorCosines = mirrors.Count == 0 ? null : mirrors.ToDictionary(m => m.Name, m => m.Cosines[i]),
            }).ToList();
            var assessed = Qualities.Select(q => (q.Name, Scores: q.Assess(inputs))).ToList();
            var results = new List<ImageAnalysis>(images.Count);
            int at = 0;
            foreach (var image in images)
            {
                var faces = new List<FaceAnalysis>(image.Faces.Count);
                for (int f = 0; f < image.Faces.Count; f++, at++)
                {
                    float? quality = assessed.Count > 0 ? assessed[0].Scores[at]
                        : norms.Count > 0 ? EmbeddingNormQuality.Map(norms[0].Norms[at]) : null;
                    faces.Add(new FaceAnalysis(image.Faces[f].Face, embeddings[at], quality)
                    {
                        Qualities = assessed.ToDictionary(a => a.Name, a => a.Scores[at]),
                    });
                    if (Options.ThumbnailDirectory is { } dir)
                    {
                        var crop = image.Faces[f].Crop;
                        FaceAligner.WriteThumbnail(crop.Bgr, crop.Landmarks, System.IO.Path.Combine(dir, $"{System.IO.Path.GetFileNameWithoutExtension(image.Path)}_{f}.jpg"));
                    }
                }
                results.Add(new ImageAnalysis(image.Path, image.Status, image.Detail, image.Format, image.Width, image.Height, faces)
                {
                    ContentHash = image.Read?.Sha256,
                    SizeBytes = image.Read?.Length,
                });
            }
            return results;
        }
        finally
        {
            foreach (var crop in crops) crop.Bgr.Dispose();
        }
    }

    public void Dispose()
    {
        if (!_ownsModels) return;
        _detector.Dispose();
        foreach (var q in Qualities) q.Dispose();
        foreach (var e in _embedders) e.Dispose();
    }
}
