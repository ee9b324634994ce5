using System.Diagnostics;
using Doppel.Vision.Detection;
using Doppel.Vision.Detection.Evaluation;

namespace Doppel.Application.Evaluation;

/// <summary><c>eval detect</c>: a detector (registry name, optional score threshold) on a WIDER-style annotated set.</summary>
public sealed record EvaluateDetectionCommand(string ImagesDir, string AnnotationsFile, string Detector, float? MinScore = null);

/// <summary>AP per difficulty, and how long detection took (decode included).</summary>
public sealed record DetectionOutcome(string Detector, int Images, TimeSpan Elapsed, IReadOnlyList<DetectionApResult> Results)
{
    public DetectionApResult this[WiderDifficulty difficulty] => Results.Single(r => r.Difficulty == difficulty);
}

/// <summary>WIDER-style average precision at IoU 0.5 (easy, medium, hard) of one detector.</summary>
public sealed class EvaluateDetectionHandler
{
    public DetectionOutcome Handle(EvaluateDetectionCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var set = WiderAnnotations.Load(command.AnnotationsFile);
        using var detector = DetectorRegistry.Create(command.Detector, command.MinScore);
        var clock = Stopwatch.StartNew();
        var evaluator = DetectionBenchmarkRun.Evaluate(detector, set, command.ImagesDir);
        clock.Stop();
        return new DetectionOutcome(detector.Name, set.Count, clock.Elapsed, evaluator.EvaluateAll());
    }
}
