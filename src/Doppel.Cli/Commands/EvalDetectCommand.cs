using System.CommandLine;
using System.Text.Json;
using Doppel.Application.Evaluation;
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
            var outcome = new EvaluateDetectionHandler().Handle(new EvaluateDetectionCommand(
                parse.GetValue(images)!.FullName, parse.GetValue(annotations)!.FullName, parse.GetValue(detector)!, parse.GetValue(minScore)));
            string? plotPath = null;
            if (parse.GetValue(report) is { } reportDir)
            {
                plotPath = Path.Combine(reportDir.FullName, "pr-curve.png");
                PrCurvePlot.Write(plotPath, $"{outcome.Detector} on {outcome.Images} images (IoU 0.5)", outcome.Results);
            }
            Print(parse.GetValue(json), outcome, plotPath);
            return 0;
        });
        return command;
    }

    private static void Print(bool asJson, DetectionOutcome outcome, string? plotPath)
    {
        var (detector, imageCount, elapsed, results) = (outcome.Detector, outcome.Images, outcome.Elapsed, outcome.Results);
        double Ap(WiderDifficulty d) => Math.Round(outcome[d].AveragePrecision, 4);
        if (asJson)
        {
            var payload = new Dictionary<string, object?>
            {
                ["detector"] = detector,
                ["images"] = imageCount,
                ["ap_easy"] = Ap(WiderDifficulty.Easy),
                ["ap_medium"] = Ap(WiderDifficulty.Medium),
                ["ap_hard"] = Ap(WiderDifficulty.Hard),
                ["faces_easy"] = outcome[WiderDifficulty.Easy].FaceCount,
                ["faces_medium"] = outcome[WiderDifficulty.Medium].FaceCount,
                ["faces_hard"] = outcome[WiderDifficulty.Hard].FaceCount,
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
