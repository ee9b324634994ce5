using System.Diagnostics;
using Doppel.Vision.Detection;
using OpenCvSharp;

namespace Doppel.Vision.Bench;

/// <summary>
/// The C# half of the peer benchmark against bench/peers/res10_detect.py: same images (sorted),
/// decoded first, then the res10 SSD detection stage alone (blob, forward, decode, NMS) at the
/// seed's settings, one warm-up image, single pass.
/// </summary>
internal static class Res10Speed
{
    public static int Run(string directory, int limit)
    {
        var paths = BenchImages.List(directory, limit);
        var images = paths.Select(BenchImages.Read).ToList();
        using var detector = Res10SsdDetector.FromModelStore();
        detector.Detect(images[0]);
        int faces = 0;
        var clock = Stopwatch.StartNew();
        foreach (var image in images)
            faces += detector.Detect(image).Count;
        clock.Stop();
        Console.WriteLine($"csharp res10-ssd images={images.Count} faces={faces} seconds={clock.Elapsed.TotalSeconds:0.000} " +
                          $"images_per_s={images.Count / clock.Elapsed.TotalSeconds:0.0} opencv_threads={Cv2.GetNumThreads()}");
        images.ForEach(i => i.Dispose());
        return 0;
    }
}
