using Doppel.Vision.Decoding;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Inference;
using Doppel.Vision.Quality;

namespace Doppel.Vision.Bench;

/// <summary>
/// What each face-quality assessor adds to the default pipeline: CPU milliseconds per face (one thread,
/// batches of 16) of the dlib embedding itself and of each assessor given the faces as the pipeline passes
/// them (with the plain dlib vector already computed), over the first LIMIT images' largest faces. The
/// inference counts these should follow: signals and face-size none, flip-stability one more dlib run,
/// stability four, mobilefacenet-norm one MobileFaceNet run (none when the pipeline fuses it).
/// </summary>
internal static class QualityCosts
{
    public static int Run(string directory, int limit)
    {
        var paths = BenchImages.List(directory, limit > 0 ? limit : 300);
        var decoder = new ImageDecoder();
        using var detector = DetectorRegistry.Create(DetectorRegistry.Default);
        var options = new EmbedderOptions { BatchSize = 16, Session = new OnnxSessionOptions { IntraOpThreads = 1 } };
        using var dlib = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, options);
        var decoded = paths.Select(p => decoder.Decode(p)).Where(d => d.IsOk).ToList();
        var faces = new List<QualityInput>();
        foreach (var d in decoded)
            if (detector.Detect(d.Image!).OrderByDescending(f => f.Box.Area).FirstOrDefault() is { Landmarks: not null } face)
                faces.Add(new QualityInput(new FaceCrop(d.Image!, face.Landmarks), face));
        var batches = faces.Chunk(16).ToList();
        dlib.Embed([faces[0].Crop]);
        float[][]? vectors = null;
        double embed = StageCosts.CpuMs(() => vectors = batches.SelectMany(b => dlib.Embed(b.Select(f => f.Crop).ToList())).ToArray());
        var withVectors = faces.Select((f, i) => f with { Vectors = new Dictionary<string, float[]> { [dlib.Name] = vectors![i] } }).ToList();
        Console.WriteLine($"quality assessors, CPU ms per face, one thread, {faces.Count} faces of {paths.Count} images, load {BenchMachine.Load}:");
        Console.WriteLine($"  {"dlib-resnet29 embedding (reference)",-40} {embed / faces.Count,7:0.00}");
        foreach (var name in QualityRegistry.Names.Where(n => n != QualityRegistry.EDifFiqa))
        {
            using var quality = QualityRegistry.Create(name, dlib, options);
            quality.Assess([withVectors[0]]);
            double ms = StageCosts.CpuMs(() => { foreach (var b in withVectors.Chunk(16)) quality.Assess(b); });
            Console.WriteLine($"  {name,-40} {ms / faces.Count,7:0.00}");
        }
        decoded.ForEach(d => d.Dispose());
        return 0;
    }
}
