using Doppel.Models.Onnx;
using Doppel.Vision.Alignment;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Inference;
using OpenCvSharp;

namespace Doppel.Vision.Bench;

/// <summary>
/// 8-bit dlib ResNet-29: calibrate activation ranges on faces NOT in LFW (the WIDER subset's faces),
/// quantise (<see cref="OnnxQdqQuantizer"/>), then compare speed with the float model on the same
/// crops and write the int8 vectors of every LFW dev-pairs image beside an lfw-dump (variant
/// <c>dlib_fa_int8</c>, default landmarks) for bench/peers/lfw_variants.py.
/// </summary>
internal static class Int8Embedder
{
    public static int Run(string lfwRoot, string calibrationImages, string outDir, int calibrationFaces)
    {
        Directory.CreateDirectory(outDir);
        var spec = EmbedderSpec.DlibResNet29;
        var floatPath = spec.ResolveModelPath();
        var model = OnnxGraphEdits.Load(floatPath);
        using var detector = DetectorRegistry.Create(DetectorRegistry.Default);

        // 1. Calibration on WIDER faces, aligned exactly as the pipeline aligns them.
        var ranges = Int8Calibration.Measure(spec, model, detector, calibrationImages, calibrationFaces);
        Int8Calibration.WriteRanges(Path.Combine(outDir, "dlib-resnet29.ranges.json"), ranges);
        File.WriteAllBytes(Path.Combine(outDir, "dlib-resnet29.int8.onnx"), OnnxGraphEdits.ToBytes(OnnxQdqQuantizer.Quantize(model, ranges)));
        var int8Spec = spec with { ModelPath = Path.Combine(outDir, "dlib-resnet29.int8.onnx") };

        // 2. Speed, float vs int8, same LFW crops, batch 16, alternated.
        var lfwImages = BenchImages.List(Path.Combine(lfwRoot, "images"), 400);
        var crops = new List<FaceCrop>();
        var mats = new List<Mat>();
        foreach (var path in lfwImages)
        {
            var image = BenchImages.Read(path);
            mats.Add(image);
            if (LfwDump.Central(detector.Detect(image), image) is { } face)
                crops.Add(new FaceCrop(image, face.Landmarks!));
        }
        using (var fp32 = new OnnxFaceEmbedder(spec, new EmbedderOptions { BatchSize = 16 }))
        using (var int8 = new OnnxFaceEmbedder(int8Spec, new EmbedderOptions { BatchSize = 16 }))
        {
            fp32.Embed(crops.Take(32).ToList());
            int8.Embed(crops.Take(32).ToList());
            double f = 0, q = 0;
            for (int round = 0; round < 3; round++)
            {
                f += StageCosts.CpuMs(() => fp32.Embed(crops));
                q += StageCosts.CpuMs(() => int8.Embed(crops));
            }
            var a = fp32.Embed(crops);
            var b = int8.Embed(crops);
            var cos = a.Zip(b, (x, y) => x.Zip(y, (u, v) => u * v).Sum()).ToList();
            Console.WriteLine($"dlib-resnet29 batch 16, {crops.Count} faces x3: float {f / 3 / crops.Count:0.00} ms/face CPU, int8 {q / 3 / crops.Count:0.00} ms/face CPU ({f / q:0.00}x); " +
                              $"cosine float vs int8: mean {cos.Average():0.0000}, min {cos.Min():0.0000}  load {BenchMachine.Load}");
        }
        mats.ForEach(m => m.Dispose());

        // 3. LFW vectors for lfw_variants.py.
        var names = File.ReadAllLines(Path.Combine(outDir, "images.txt")).Where(l => l.Length > 0).ToList();
        using var embedder = new OnnxFaceEmbedder(int8Spec, new EmbedderOptions { BatchSize = 1 });
        using var file = File.Create(Path.Combine(outDir, "dlib_fa_int8.f32"));
        foreach (var name in names)
        {
            using var bgr = BenchImages.Read(Path.Combine(lfwRoot, "images", name));
            var row = new float[128];
            if (LfwDump.Central(detector.Detect(bgr), bgr) is { } face)
            {
                var r = embedder.EmbedWithNorms([new FaceCrop(bgr, face.Landmarks!)]);
                row = r.Vectors[0].Select(x => x * r.RawNorms[0]).ToArray();
            }
            file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
        }
        Console.WriteLine($"{names.Count} LFW vectors → {outDir}/dlib_fa_int8.f32");
        return 0;
    }
}
