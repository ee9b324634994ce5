using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Doppel.Cli.Infrastructure;
using Doppel.Vision.Detection;
using Doppel.Vision.Detection.Evaluation;

namespace Doppel.Cli.Commands;

/// <summary>
/// <c>doppel eval detect</c>: WIDER-style average precision (IoU 0.5, easy/medium/hard) of one
/// detector on an annotated image set.
/// </summary>
public static class EvalDetectCommand
{
    public static Command Create()
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder the annotated image paths are relative to (the set's root or its images/ folder).", Required = true };
        var annotations = new Option<FileInfo>("--annotations") { Description = "WIDER-style annotations.json (boxes with easy/medium/hard flags).", Required = true };
        var detector = new Option<string>("--detector") { Description = $"Detector: {string.Join(", ", DetectorRegistry.DetectorNames)}.", DefaultValueFactory = _ => DetectorRegistry.Default };
        var minScore = new Option<float?>("--min-score") { Description = "Override the detector's score threshold (lower traces more of the PR curve)." }.Between(0, 1);
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (ap_easy, ap_medium, ap_hard, ...)." };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Folder to write the precision-recall plot (pr-curve.png) into." };

        var command = new Command("detect", "Average precision of a face detector at IoU 0.5 (WIDER FACE rules).")
        {
            images, annotations, detector, minScore, json, report,
        };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(detector)!;
            var threshold = parse.GetValue(minScore);
            {
                var set = WiderAnnotations.Load(parse.GetValue(annotations)!.FullName);
                using var faceDetector = DetectorRegistry.Create(name, threshold);
                var clock = Stopwatch.StartNew();
                var evaluator = DetectionBenchmarkRun.Evaluate(faceDetector, set, parse.GetValue(images)!.FullName);
                clock.Stop();
                var results = evaluator.EvaluateAll();

                string? plotPath = null;
                if (parse.GetValue(report) is { } reportDir)
                {
                    plotPath = Path.Combine(reportDir.FullName, "pr-curve.png");
                    PrCurvePlot.Write(plotPath, $"{faceDetector.Name} on {set.Count} images (IoU 0.5)", results);
                }
                Print(parse.GetValue(json), faceDetector.Name, set.Count, clock.Elapsed, results, plotPath);
                return 0;
            }
        });
        return command;
    }

    private static void Print(bool asJson, string detector, int imageCount, TimeSpan elapsed, IReadOnlyList<DetectionApResult> results, string? plotPath)
    {
        double Ap(WiderDifficulty d) => Math.Round(results.Single(r => r.Difficulty == d).AveragePrecision, 4);
        if (asJson)
        {
            var payload = new Dictionary<string, object?>
            {
                ["detector"] = detector,
                ["images"] = imageCount,
                ["ap_easy"] = Ap(WiderDifficulty.Easy),
                ["ap_medium"] = Ap(WiderDifficulty.Medium),
                ["ap_hard"] = Ap(WiderDifficulty.Hard),
                ["faces_easy"] = results.Single(r => r.Difficulty == WiderDifficulty.Easy).FaceCount,
                ["faces_medium"] = results.Single(r => r.Difficulty == WiderDifficulty.Medium).FaceCount,
                ["faces_hard"] = results.Single(r => r.Difficulty == WiderDifficulty.Hard).FaceCount,
                ["seconds"] = Math.Round(elapsed.TotalSeconds, 2),
                ["report"] = plotPath,
            };
            Console.WriteLine(JsonSerializer.Serialize(payload, new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        Console.WriteLine($"{detector} on {imageCount} images ({elapsed.TotalSeconds:0.0} s, decode included)");
        foreach (var r in results)
            Console.WriteLine($"  AP {r.Difficulty.ToString().ToLowerInvariant(),-6} {r.AveragePrecision:0.0000}  ({r.FaceCount} faces)");
        if (plotPath is not null)
            Console.WriteLine($"  PR curve: {plotPath}");
    }
}
