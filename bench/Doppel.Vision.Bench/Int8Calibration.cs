using System.Text.Json;
using Doppel.Models;
using Doppel.Models.Onnx;
using Doppel.Models.Onnx.Proto;
using Doppel.Vision.Alignment;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Inference;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace Doppel.Vision.Bench;

/// <summary>
/// 8-bit graph of any catalogue embedder: activation ranges measured on faces NOT in LFW (the WIDER
/// subset's), aligned and normalised exactly as the pipeline does for that model
/// (<see cref="EmbedderSpec.FromCatalog"/>); writes <c>MODEL.ranges.json</c> (the file to ship under
/// src/Doppel.Models/Calibration/) and the quantised graph, reports which operators ONNX Runtime left
/// in float after its QDQ fusions, and compares int8 with float vectors on LFW dev faces (cosine).
/// Speed is the <c>models</c> subcommand's job once the catalogue lists the 8-bit file.
/// </summary>
internal static class Int8Calibration
{
    public static int Run(string modelName, string lfwRoot, string calibrationImages, string outDir, int calibrationFaces)
    {
        Directory.CreateDirectory(outDir);
        var spec = EmbedderSpec.FromCatalog(modelName);
        var model = OnnxGraphEdits.Load(spec.ResolveModelPath());
        using var detector = DetectorRegistry.Create(DetectorRegistry.Default);

        var ranges = Measure(spec, model, detector, calibrationImages, calibrationFaces);
        var rangesPath = Path.Combine(outDir, $"{modelName}.ranges.json");
        WriteRanges(rangesPath, ranges);
        var int8Path = Path.Combine(outDir, $"{modelName}.int8.onnx");
        File.WriteAllBytes(int8Path, OnnxGraphEdits.ToBytes(OnnxQdqQuantizer.Quantize(model, CalibrationRanges.Parse(File.OpenRead(rangesPath)))));
        Console.WriteLine($"{rangesPath}, {int8Path}");

        // What ONNX Runtime made of the Q/DQ pairs (the session the embedder opens optimises the same way).
        var optimised = Path.Combine(outDir, $"{modelName}.int8.optimised.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = optimised })
        using (new InferenceSession(int8Path, options)) { }
        var ops = OnnxGraphEdits.Load(optimised).Graph.Node.GroupBy(n => n.OpType).OrderByDescending(g => g.Count())
            .Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine($"optimised int8 graph: {string.Join(", ", ops)}");

        // Float vs int8 vectors of the same LFW faces (every 5th dev image, central face).
        var crops = new List<FaceCrop>();
        var mats = new List<Mat>();
        foreach (var path in BenchImages.List(Path.Combine(lfwRoot, "images"), 0).Where((_, i) => i % 5 == 0))
        {
            var image = BenchImages.Read(path);
            mats.Add(image);
            if (LfwDump.Central(detector.Detect(image), image) is { } face)
                crops.Add(new FaceCrop(image, face.Landmarks!));
        }
        using (var fp32 = new OnnxFaceEmbedder(spec, new EmbedderOptions { BatchSize = 16, Precision = ModelPrecision.Float32 }))
        using (var int8 = new OnnxFaceEmbedder(spec with { ModelPath = int8Path }, new EmbedderOptions { BatchSize = 16 }))
        {
            var a = fp32.Embed(crops);
            var b = int8.Embed(crops);
            var cos = a.Zip(b, (x, y) => x.Zip(y, (u, v) => u * v).Sum()).ToList();
            Console.WriteLine($"{modelName} float vs int8 on {crops.Count} LFW dev faces: cosine mean {cos.Average():0.0000}, " +
                              $"min {cos.Min():0.0000}, 1st percentile {cos.Order().ElementAt(cos.Count / 100):0.0000}");
        }
        mats.ForEach(m => m.Dispose());
        return 0;
    }

    /// <summary>Ranges of every tensor of <paramref name="model"/> over the faces (at least 40 px wide, with
    /// landmarks) of <paramref name="images"/>, cropped as the pipeline crops, image by image until at
    /// least <paramref name="faces"/> (the last image's faces all count, as when dlib's ranges were measured).</summary>
    public static IReadOnlyDictionary<string, TensorRange> Measure(EmbedderSpec spec, ModelProto model, IFaceDetector detector, string images, int faces)
    {
        using var collector = new OnnxRangeCollector(model);
        var tensor = new float[3 * spec.InputWidth * spec.InputHeight];
        foreach (var path in BenchImages.List(images, 0))
        {
            using var image = BenchImages.Read(path);
            foreach (var face in detector.Detect(image).Where(f => f.Landmarks is not null && f.Box.Width >= 40))
            {
                using var aligned = FaceAligner.Align(image, face.Landmarks!, spec.Template);
                PixelTensor.Write(aligned, spec, tensor);
                collector.Observe(tensor, [1, 3, spec.InputHeight, spec.InputWidth]);
            }
            if (collector.Observed >= faces)
                break;
        }
        Console.WriteLine($"calibration: {collector.Observed} faces from {images}");
        return collector.Ranges.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
    }

    /// <summary>The shipped form: tensor name → [min, max], sorted by name.</summary>
    public static void WriteRanges(string path, IReadOnlyDictionary<string, TensorRange> ranges) =>
        File.WriteAllText(path, JsonSerializer.Serialize(ranges.OrderBy(r => r.Key, StringComparer.Ordinal)
            .ToDictionary(r => r.Key, r => new[] { r.Value.Min, r.Value.Max })));
}
