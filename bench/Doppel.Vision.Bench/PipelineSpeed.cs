using System.Diagnostics;
using Doppel.Vision.Pipeline;

namespace Doppel.Vision.Bench;

/// <summary>
/// The whole face pipeline as <c>doppel dedup</c> runs it (decode + detect + align + embed, default
/// models, all cores), over image files in sorted order: images/s, ms per face and CPU ms per image
/// (the figure that other work on a shared machine distorts least). Model loading and one warm-up
/// image are not timed; decoding is.
/// </summary>
internal static class PipelineSpeed
{
    /// <param name="precision">"int8" (default) or "float": which dlib graph runs.</param>
    /// <param name="detector">Detector name; null = <see cref="Detection.DetectorRegistry.Default"/>.</param>
    public static int Run(string directory, int limit, string precision = "int8", string? detector = null)
    {
        var paths = BenchImages.List(directory, limit);
        var embedderOptions = new Embedding.EmbedderOptions
        {
            Precision = precision == "float" ? Embedding.ModelPrecision.Float32 : Embedding.ModelPrecision.Int8,
        };
        using var pipeline = detector is null
            ? FacePipeline.CreateDlib(embedderOptions: embedderOptions)
            : new FacePipeline(Detection.DetectorRegistry.Create(detector),
                [new Embedding.OnnxFaceEmbedder(Embedding.EmbedderSpec.DlibResNet29, embedderOptions)]);
        var embedder = (Embedding.OnnxFaceEmbedder)pipeline.Embedders[0];
        pipeline.Analyze(paths[0]);
        int faces = 0;
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        foreach (var result in pipeline.AnalyzeManyAsync(paths).ToBlockingEnumerable())
            faces += result.Faces.Count;
        clock.Stop();
        process.Refresh();
        double cpuMs = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
        double s = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"csharp pipeline ({pipeline.Detector.Name} + {embedder.Name} {embedder.ModelFileName}) images={paths.Count} faces={faces} seconds={s:0.000} " +
                          $"images_per_s={paths.Count / s:0.0} ms_per_face={1000 * s / Math.Max(1, faces):0.00} " +
                          $"cpu_ms_per_image={cpuMs / paths.Count:0.00} cores={Environment.ProcessorCount} load={BenchMachine.Load.Replace(' ', '/')}");
        return 0;
    }
}
