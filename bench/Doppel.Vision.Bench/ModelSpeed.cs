using System.Diagnostics;
using Doppel.Models;
using Doppel.Vision.Decoding;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;

namespace Doppel.Vision.Bench;

/// <summary>
/// Every installed model alone, on real LFW images, one thread for the ONNX Runtime models:
/// embedders in ms per face at batch 1 and batch 16 (alignment, tensor, run, normalisation: what
/// <see cref="OnnxFaceEmbedder.Embed"/> does), detectors in ms per image (their whole
/// <c>Detect</c>). Images are decoded first; each model gets one untimed warm-up call. Wall and
/// process CPU time are both printed: CPU time is the steadier figure on a shared machine.
/// </summary>
internal static class ModelSpeed
{
    private static readonly string[] Embedders = [ModelNames.DlibResNet29, ModelNames.MobileFaceNet192, ModelNames.FacepluginFeature512, ModelNames.SFace, ModelNames.FaceRes];
    private static readonly string[] Detectors =
    [
        ModelNames.BlazeFaceBack, $"{ModelNames.BlazeFaceBack}+{ModelNames.FaceApiLandmark68}", $"{ModelNames.BlazeFaceBack}+{ModelNames.FacepluginLandmark68}",
        DetectorRegistry.Default, CascadeDetector.RegistryName, SizedYuNetDetector.RegistryName,
        ModelNames.YuNet, ModelNames.UltraFace, ModelNames.Res10Ssd,
    ];

    /// <param name="only">Embedders to time (float and, where the catalogue lists one, 8-bit graph); none: every
    /// embedder and detector.</param>
    public static int Run(string directory, int limit, IReadOnlyList<string> only)
    {
        var paths = BenchImages.List(directory, limit > 0 ? limit : 320);
        var decoder = new ImageDecoder();
        var images = paths.Select(p => decoder.Decode(p)).Where(d => d.IsOk).ToList();
        try
        {
            Console.WriteLine($"{images.Count} images, load before {BenchMachine.Load}");
            Console.WriteLine("| model | batch | ms/face wall | ms/face CPU |");
            Console.WriteLine("|---|---|---|---|");
            List<FaceCrop> faces;
            using (var blaze = new BlazeFaceDetector())
                faces = images.Select(i => (Image: i.Image!, Faces: blaze.Detect(i.Image!)))
                    .Where(x => x.Faces.Count > 0)
                    .Select(x => new FaceCrop(x.Image, x.Faces[0].Landmarks!))
                    .ToList();
            foreach (var name in only.Count > 0 ? only : Embedders)
                MeasureEmbedder(name, faces);
            if (only.Count > 0)
            {
                Console.WriteLine($"load after {BenchMachine.Load}");
                return 0;
            }

            Console.WriteLine();
            Console.WriteLine("| detector | ms/image wall | ms/image CPU | faces |");
            Console.WriteLine("|---|---|---|---|");
            foreach (var name in Detectors)
                MeasureDetector(name, () => DetectorRegistry.Create(name), images);
            MeasureDetector($"{ModelNames.BlazeFaceBack} (graph as shipped)",
                () => new BlazeFaceDetector(new BlazeFaceOptions { UseShippedGraph = true }), images);
            foreach (var batch in new[] { 4, 16 })
                MeasureBatchedBlazeFace(batch, images);
            Console.WriteLine($"load after {BenchMachine.Load}");
        }
        finally
        {
            images.ForEach(i => i.Dispose());
        }
        return 0;
    }

    private static void MeasureEmbedder(string name, List<FaceCrop> faces)
    {
        var spec = EmbedderSpec.FromCatalog(name);
        foreach (var precision in new[] { ModelPrecision.Float32, ModelPrecision.Int8 })
        {
            var file = spec.ModelFileFor(precision);
            if (precision == ModelPrecision.Int8 && file == ModelNames.OnnxFile)
                continue; // no 8-bit graph: the float rows already cover it
            foreach (var batch in new[] { 1, 16 })
                if (!MeasureEmbedder($"{name} ({file})", spec, new EmbedderOptions { BatchSize = batch, Precision = precision }, faces))
                    return;
        }
    }

    /// <summary>One row; false when the model is not installed.</summary>
    private static bool MeasureEmbedder(string name, EmbedderSpec spec, EmbedderOptions options, List<FaceCrop> faces)
    {
        int batch = options.BatchSize;
        OnnxFaceEmbedder embedder;
        try
        {
            embedder = new OnnxFaceEmbedder(spec, options);
        }
        catch (ModelNotInstalledException)
        {
            Console.WriteLine($"| {name} | {batch} | not installed | |");
            return false;
        }
        using (embedder)
        {
            embedder.Embed(faces.Take(batch).ToList());
            var (wall, cpu) = Time(() =>
            {
                foreach (var chunk in faces.Chunk(batch))
                    embedder.Embed(chunk);
            });
            Console.WriteLine($"| {name} | {batch} | {wall / faces.Count:0.00} | {cpu / faces.Count:0.00} |");
        }
        return true;
    }

    private static void MeasureDetector(string label, Func<IFaceDetector> create, List<DecodedImage> images)
    {
        IFaceDetector detector;
        try
        {
            detector = create();
        }
        catch (ModelNotInstalledException)
        {
            Console.WriteLine($"| {label} | not installed | | |");
            return;
        }
        using (detector)
        {
            detector.Detect(images[0].Image!);
            int faces = 0;
            var (wall, cpu) = Time(() =>
            {
                foreach (var image in images)
                    faces += detector.Detect(image.Image!).Count;
            });
            Console.WriteLine($"| {label} | {wall / images.Count:0.00} | {cpu / images.Count:0.00} | {faces} |");
        }
    }

    /// <summary>BlazeFace with <paramref name="batch"/> images per ONNX Runtime run (<see cref="BlazeFaceDetector.DetectMany"/>).</summary>
    private static void MeasureBatchedBlazeFace(int batch, List<DecodedImage> images)
    {
        using var detector = new BlazeFaceDetector(new BlazeFaceOptions { BatchSize = batch });
        var mats = images.Select(i => i.Image!).ToList();
        detector.DetectMany(mats.Take(batch).ToList());
        int faces = 0;
        var (wall, cpu) = Time(() =>
        {
            foreach (var chunk in mats.Chunk(batch))
                faces += detector.DetectMany(chunk).Sum(f => f.Count);
        });
        Console.WriteLine($"| {ModelNames.BlazeFaceBack} (batch {batch}) | {wall / images.Count:0.00} | {cpu / images.Count:0.00} | {faces} |");
    }

    /// <summary>Wall and process CPU milliseconds of <paramref name="work"/>.</summary>
    private static (double Wall, double Cpu) Time(Action work)
    {
        var clock = Stopwatch.StartNew();
        double cpu = StageCosts.CpuMs(work);
        return (clock.Elapsed.TotalMilliseconds, cpu);
    }
}
