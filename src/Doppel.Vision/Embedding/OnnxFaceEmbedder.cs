using System.Numerics.Tensors;
using Doppel.Models.Catalog;
using Doppel.Vision.Alignment;
using Doppel.Vision.Inference;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace Doppel.Vision.Embedding;

/// <summary>
/// Any ONNX face recogniser described by an <see cref="EmbedderSpec"/>: aligns each face to the
/// spec's template, normalises pixels, runs batches, optionally averages flipped/jittered views,
/// and L2-normalises. Thread-safe.
/// </summary>
public sealed class OnnxFaceEmbedder : IFaceEmbedder
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly int _maxBatch;
    // Reused per thread: a batch of 16 dlib crops is 4.3 MB, which would otherwise be a fresh
    // large-object-heap array (and eventually a full GC) per batch. Every slot is overwritten.
    private readonly ThreadLocal<float[]> _tensorBuffer = new(() => []);

    public EmbedderSpec Spec { get; }
    public EmbedderOptions Options { get; }
    public string Name => Spec.Name;

    /// <summary>The file the session runs (<c>model.onnx</c>, <c>model.int8.onnx</c>, or a custom path's name).</summary>
    public string ModelFileName { get; }
    public int Dimension => Spec.Dimension;
    public float DefaultThreshold => Spec.DefaultThreshold;

    public OnnxFaceEmbedder(EmbedderSpec spec, EmbedderOptions? options = null)
    {
        Spec = spec;
        Options = (options ?? new EmbedderOptions()).ResolvedFor(spec.Name);
        if (Options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1.");
        if (Options.Jitters < 0) throw new ArgumentOutOfRangeException(nameof(options), "Jitters cannot be negative.");
        var modelPath = spec.ResolveModelPath(Options.Precision);
        ModelFileName = spec.ModelPath is null ? spec.ModelFileFor(Options.Precision) : Path.GetFileName(spec.ModelPath);
        _session = SubnormalWeights.Flush(modelPath, out _) is { } flushed
            ? OnnxSessionFactory.Create(flushed, Options.Session)
            : OnnxSessionFactory.Create(modelPath, Options.Session);
        var input = _session.InputMetadata.Single();
        _inputName = input.Key;
        _outputName = _session.OutputMetadata.Keys.First();
        // A graph with a fixed batch of 1 must be fed one crop per run.
        _maxBatch = input.Value.Dimensions[0] == 1 ? 1 : Options.BatchSize;
        int outDim = _session.OutputMetadata.Values.First().Dimensions[^1];
        if (outDim > 0 && outDim != spec.Dimension)
            throw new ArgumentException($"{spec.Name}: model outputs {outDim} values, spec says {spec.Dimension}.", nameof(spec));
    }

    public float[][] Embed(IReadOnlyList<FaceCrop> faces) => EmbedWithNorms(faces).Vectors;

    public EmbeddingBatch EmbedWithNorms(IReadOnlyList<FaceCrop> faces) => Run(faces, ViewsPerFace, View, mirrorPairs: Flips && Options.Jitters <= 1);

    /// <summary>One view per face whatever the options' flip and jitters: the plain alignment, or its
    /// mirror image. What a flip-stability check compares (a face the network sees clearly embeds alike
    /// mirrored).</summary>
    public float[][] EmbedSingleView(IReadOnlyList<FaceCrop> faces, bool mirrored) => Run(faces, 1, (face, _) =>
    {
        var crop = FaceAligner.Align(face.Bgr, face.Landmarks, Spec.Template);
        if (mirrored) Cv2.Flip(crop, crop, FlipMode.Y);
        return crop;
    }).Vectors;

    /// <summary>Embeds <paramref name="views"/> crops per face (made by <paramref name="view"/>), averages
    /// each face's raw outputs, keeps the norm of the average and L2-normalises it. With <paramref name="mirrorPairs"/>
    /// (two views: the plain alignment, then its mirror image) it also keeps the cosine of the two, the flip-stability
    /// signal, which then costs no inference of its own.</summary>
    private EmbeddingBatch Run(IReadOnlyList<FaceCrop> faces, int views, Func<FaceCrop, int, Mat> view, bool mirrorPairs = false)
    {
        if (faces.Count == 0) return new EmbeddingBatch([], []) { MirrorCosines = mirrorPairs ? [] : null };
        int dim = Spec.Dimension;
        var sums = new float[faces.Count][];
        for (int i = 0; i < faces.Count; i++) sums[i] = new float[dim];
        var plainViews = mirrorPairs ? new float[faces.Count][] : null;
        var mirrorCosines = mirrorPairs ? new float[faces.Count] : null;

        int perTensor = Spec.InputWidth * Spec.InputHeight * 3;
        int total = faces.Count * views;
        for (int start = 0; start < total; start += _maxBatch)
        {
            int count = Math.Min(_maxBatch, total - start);
            var tensor = _tensorBuffer.Value!;
            if (tensor.Length < count * perTensor)
                _tensorBuffer.Value = tensor = new float[count * perTensor];
            for (int j = 0; j < count; j++)
            {
                int item = start + j;
                using var crop = view(faces[item / views], item % views);
                PixelTensor.Write(crop, Spec, tensor.AsSpan(j * perTensor, perTensor));
            }
            long[] shape = Spec.Layout == TensorLayout.Nchw
                ? [count, 3, Spec.InputHeight, Spec.InputWidth]
                : [count, Spec.InputHeight, Spec.InputWidth, 3];
            using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, tensor.AsMemory(0, count * perTensor), shape);
            using var outputs = _session.Run(_runOptions, [_inputName], [value], [_outputName]);
            var result = outputs[0].GetTensorDataAsSpan<float>();
            if (result.Length != count * dim)
                throw new InvalidOperationException($"{Spec.Name} returned {result.Length} values for {count} crops, expected {count * dim}.");
            for (int j = 0; j < count; j++)
            {
                int face = (start + j) / views;
                var sum = sums[face];
                var row = result.Slice(j * dim, dim);
                for (int d = 0; d < dim; d++) sum[d] += row[d];
                if (plainViews is not null)
                {
                    // View 0 is the plain alignment, view 1 its mirror image (View), possibly in the next run.
                    if ((start + j) % views == 0) plainViews[face] = row.ToArray();
                    else mirrorCosines![face] = TensorPrimitives.CosineSimilarity(plainViews[face], row);
                }
            }
        }

        var norms = new float[faces.Count];
        for (int i = 0; i < faces.Count; i++)
        {
            var v = sums[i];
            for (int d = 0; d < dim; d++) v[d] /= views;
            float n = norms[i] = Norm(v);
            if (n > 0)
                for (int d = 0; d < dim; d++) v[d] /= n;
        }
        return new EmbeddingBatch(sums, norms) { MirrorCosines = mirrorCosines };
    }

    /// <summary>Whether each face is embedded mirrored too (<see cref="Options"/> is resolved: never null here).</summary>
    public bool Flips => Options.FlipTta == true;

    private int ViewsPerFace => (Options.Jitters > 1 ? Options.Jitters : 1) * (Flips ? 2 : 1);

    /// <summary>View <paramref name="index"/> of a face: jitter index × flip.</summary>
    private Mat View(FaceCrop face, int index)
    {
        bool flip = Flips && index % 2 == 1;
        int jitter = Flips ? index / 2 : index;
        SimilarityTransform? perturbation = null;
        if (Options.Jitters > 1)
        {
            perturbation = Jitter(jitter, out bool mirror);
            if (mirror) flip = !flip;
        }
        var crop = FaceAligner.Align(face.Bgr, face.Landmarks, Spec.Template, perturbation);
        if (flip) Cv2.Flip(crop, crop, FlipMode.Y);
        return crop;
    }

    /// <summary>The <paramref name="index"/>-th perturbation about the crop centre; the sequence is fixed
    /// so that results are reproducible.</summary>
    private SimilarityTransform Jitter(int index, out bool mirror)
    {
        var rng = new Random(7919 * (index + 1));
        double angle = (rng.NextDouble() * 2 - 1) * 3 * Math.PI / 180;
        double scale = 0.97 + rng.NextDouble() * 0.03;
        double dx = (rng.NextDouble() * 2 - 1) * 0.02 * Spec.InputWidth;
        double dy = (rng.NextDouble() * 2 - 1) * 0.02 * Spec.InputHeight;
        mirror = rng.NextDouble() < 0.5;
        double cx = Spec.InputWidth / 2.0, cy = Spec.InputHeight / 2.0;
        var toOrigin = new SimilarityTransform(1, 0, -cx, -cy);
        var rotateScale = SimilarityTransform.FromScaleRotation(scale, angle, cx + dx, cy + dy);
        return rotateScale.After(toOrigin);
    }

    private static float Norm(float[] v)
    {
        double s = 0;
        foreach (var x in v) s += (double)x * x;
        return (float)Math.Sqrt(s);
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
        _tensorBuffer.Dispose();
    }
}
