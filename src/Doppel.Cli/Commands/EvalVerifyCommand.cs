using System.CommandLine;
using System.Text.Json;
using Doppel.Application.Evaluation;
using Doppel.Cli.Infrastructure;
using Doppel.Reports.Charts;
using Doppel.Reports.Eval;

namespace Doppel.Cli.Commands;

/// <summary>
/// <c>doppel eval verify</c>: face verification accuracy on LFW-style pairs. A View 2 pairs file runs
/// 10-fold (threshold chosen on nine folds, tested on the tenth); a train/test pair (LFW dev split)
/// picks the threshold on train and reports test.
/// </summary>
public static class EvalVerifyCommand
{
    public static Command Create()
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder holding NAME/NAME_000i.jpg images.", Required = true };
        var pairs = new Option<FileInfo?>("--pairs") { Description = "View 2 pairs file (header 'folds n'): 10-fold protocol." };
        var train = new Option<FileInfo?>("--train") { Description = "Pairs to choose the threshold on (e.g. pairsDevTrain.txt)." };
        var test = new Option<FileInfo?>("--test") { Description = "Pairs to report accuracy on (e.g. pairsDevTest.txt)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (accuracy, accuracy_std, auc, tar_at_far_1e-3, threshold, images, failed_images, ...)." };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Write an HTML report with the ROC curve (PNG) here." };
        // LFW's labelled person is the centred face; the largest one is a bystander in 27 of 4,992 dev images.
        var pipeline = PipelineOptions.Create(severalFaces: "central");
        var command = new Command("verify", "Verification accuracy on LFW-protocol pairs (accuracy ± std, AUC, TAR@FAR, threshold).")
        {
            images, pairs, train, test, json, report,
        };
        pipeline.AddTo(command);
        command.Validators.Add(result =>
        {
            bool view2 = result.GetValue(pairs) is not null, split = result.GetValue(train) is not null || result.GetValue(test) is not null;
            if (view2 == split || (split && (result.GetValue(train) is null || result.GetValue(test) is null)))
                result.AddError("Give either --pairs FILE, or both --train FILE and --test FILE.");
        });
        command.SetAction(parse =>
        {
            Logging.Configure("eval-verify");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var faces = pipeline.Build(parse);
            var dir = parse.GetValue(images)!.FullName;
            ConsoleProgress? progress = null;
            var outcome = new EvaluateVerificationHandler(faces)
            {
                OnProgress = (done, total) => (progress ??= new ConsoleProgress("images", total)).Report(done),
            }.Handle(new EvaluateVerificationCommand(dir, parse.GetValue(pairs)?.FullName, parse.GetValue(train)?.FullName, parse.GetValue(test)?.FullName));
            progress?.Dispose();
            var (model, summary) = (outcome.Model, outcome.Summary);
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["model"] = model,
                    ["detector"] = outcome.Detector,
                    ["protocol"] = summary.Protocol,
                    ["accuracy"] = summary.Accuracy,
                    ["accuracy_std"] = summary.AccuracyStd,
                    ["accuracy_10fold"] = summary.TenFoldAccuracy,
                    ["accuracy_10fold_std"] = summary.TenFoldStd,
                    ["auc"] = summary.Auc,
                    ["tar_at_far_1e-2"] = summary.TarAtFar1e2,
                    ["tar_at_far_1e-3"] = summary.TarAtFar1e3,
                    ["eer"] = summary.EqualErrorRate,
                    ["threshold"] = summary.Threshold,
                    ["pairs"] = summary.Pairs,
                    ["images"] = summary.Images,
                    ["failed_images"] = summary.FailedImages,
                    ["seconds"] = clock.Elapsed.TotalSeconds,
                }));
            else
            {
                Console.WriteLine($"{model} ({outcome.Detector}), {summary.Protocol}, {summary.Pairs} pairs, {summary.Images} images ({summary.FailedImages} without a face)");
                Console.WriteLine($"accuracy {summary.Accuracy:P2} ± {summary.AccuracyStd:P2}  AUC {summary.Auc:0.0000}  TAR@FAR=1e-2 {summary.TarAtFar1e2:P2}  TAR@FAR=1e-3 {summary.TarAtFar1e3:P2}  EER {summary.EqualErrorRate:P2}  threshold {summary.Threshold:0.0000}");
                if (summary.Protocol == "train/test")
                    Console.WriteLine($"10-fold over the train and test pairs together: {summary.TenFoldAccuracy:P2} ± {summary.TenFoldStd:P2}");
                foreach (var f in summary.FailedImagePaths.Take(10))
                    Console.WriteLine($"  no face: {f}");
            }
            if (parse.GetValue(report) is { } reportDir)
            {
                var result = new VerificationResult(model,
                    summary.Roc.Select(r => new ChartPoint(r.FalseAcceptRate, r.TrueAcceptRate)).ToList(),
                    summary.Pairs, summary.Accuracy, summary.Threshold, summary.Auc, summary.EqualErrorRate,
                    new Dictionary<double, double> { [1e-2] = summary.TarAtFar1e2, [1e-3] = summary.TarAtFar1e3 },
                    SameScores: outcome.SameScores, DifferentScores: outcome.DifferentScores);
                var files = VerificationReportWriter.Write(new VerificationReport("Doppel face verification", dir, [result], clock.Elapsed.TotalSeconds), reportDir.FullName);
                Console.Error.WriteLine($"Report: {files.IndexHtml}");
            }
            return 0;
        });
        return command;
    }
}
