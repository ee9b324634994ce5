using System.Diagnostics;
using Doppel.Vision.Detection;
using Doppel.Vision.Detection.Evaluation;

namespace Doppel.Vision.Bench;

/// <summary>What YuNet's working resolution (long side, default 320 for LFW alignment) costs on
/// WIDER's small faces: AP at score 0.05 for each side given.</summary>
internal static class YuNetInputSide
{
    public static int Run(string widerRoot, int[] sides)
    {
        if (sides.Length == 0)
            sides = [320, 640];
        var set = WiderAnnotations.Load(Path.Combine(widerRoot, "annotations.json"));
        foreach (var side in sides)
        {
            using var detector = YuNetDetector.FromModelStore(new YuNetOptions { ScoreThreshold = 0.05f, InputSide = side });
            var clock = Stopwatch.StartNew();
            var evaluator = DetectionBenchmarkRun.Evaluate(detector, set, widerRoot);
            clock.Stop();
            var ap = evaluator.EvaluateAll();
            Console.WriteLine($"yunet side={side} " + string.Join(' ', ap.Select(r => $"ap_{r.Difficulty.ToString().ToLowerInvariant()}={r.AveragePrecision:0.0000}")) +
                              $" seconds={clock.Elapsed.TotalSeconds:0.0}");
        }
        return 0;
    }
}
