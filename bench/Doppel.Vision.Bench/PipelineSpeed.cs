using System.Diagnostics;
using Doppel.Vision.Pipeline;

namespace Doppel.Vision.Bench;

/// <summary>
/// The whole face pipeline as <c>doppel dedup</c> runs it (decode + detect + align + embed, default
/// models, all cores), over image files in sorted order: images/s and ms per face. Model loading and
/// one warm-up image are not timed; decoding is.
/// </summary>
internal static class PipelineSpeed
{
    public static int Run(string directory, int limit)
    {
        var paths = BenchImages.List(directory, limit);
        using var pipeline = FacePipeline.CreateDefault();
        pipeline.Analyze(paths[0]);
        int faces = 0;
        var clock = Stopwatch.StartNew();
        foreach (var result in pipeline.AnalyzeManyAsync(paths).ToBlockingEnumerable())
            faces += result.Faces.Count;
        clock.Stop();
        double s = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"csharp pipeline (blazeface-back + dlib-resnet29) images={paths.Count} faces={faces} seconds={s:0.000} " +
                          $"images_per_s={paths.Count / s:0.0} ms_per_face={1000 * s / Math.Max(1, faces):0.00} cores={Environment.ProcessorCount}");
        return 0;
    }
}
