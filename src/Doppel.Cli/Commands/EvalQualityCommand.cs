using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Doppel.Application.Evaluation;
using Doppel.Cli.Infrastructure;
using Doppel.Jobs.Evaluation;
using Doppel.Reports.Charts;
using Doppel.Reports.Eval;
using Doppel.Vision.Quality;

namespace Doppel.Cli.Commands;

/// <summary>
/// <c>doppel eval quality</c>: does a face-quality score find the faces the recogniser fails on? The
/// error-versus-reject curve (FNMR at FMR 1e-3 after rejecting the lowest 0–50 % of genuine
/// comparisons by pair quality) of each assessor, against random rejection and face size alone
/// (<see cref="QualityEvaluation"/>).
/// </summary>
public static class EvalQualityCommand
{
    public static Command Create()
    {
        var images = new Option<DirectoryInfo>("--images") { Description = "Folder the pairs or labels refer to.", Required = true };
        var pairs = new Option<FileInfo[]>("--pairs")
        {
            Description = "LFW pairs file(s) (View 1 or View 2 layout); their same-person pairs are the genuine comparisons, an image's identity is its folder.",
            AllowMultipleArgumentsPerToken = true,
        };
        var labels = new Option<FileInfo?>("--labels") { Description = "CSV 'path,identity': every same-identity pair is a genuine comparison." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (fnmr_at_fmr_1e-3, fnmr_drop_at_10pct, erc, ...)." };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Write erc.png, metrics.csv and index.html here." };
        var signals = new Option<FileInfo?>("--signals") { Description = "Also write every face's cheap signals (the features the 'signals' assessor is fitted on), qualities and vector to this CSV." };
        var quality = new QualityOptions(withMinimum: false);
        quality.Quality.Description = $"Assessor(s) to evaluate, comma-separated: {string.Join(", ", QualityRegistry.Names)}. The first is the headline. Default: the recogniser profile's.";
        var pipeline = PipelineOptions.Create(severalFaces: "central");
        var command = new Command("quality", "Error-versus-reject curve of face-quality assessors (FNMR at FMR 1e-3), against random and face-size rejection.")
        {
            images, pairs, labels, json, report, signals,
        };
        quality.AddTo(command);
        pipeline.AddTo(command);
        command.Validators.Add(result =>
        {
            bool hasPairs = result.GetValue(pairs) is { Length: > 0 }, hasLabels = result.GetValue(labels) is not null;
            if (hasPairs == hasLabels)
                result.AddError("Give either --pairs FILE... or --labels CSV.");
        });
        command.SetAction(parse =>
        {
            Logging.Configure("eval-quality");
            var dir = parse.GetValue(images)!.FullName;
            if (parse.GetValue(report) is { } r)
                OutputFolders.RequireWritable(r.FullName, "report");
            ConsoleProgress? progress = null;
            var outcome = new EvaluateQualityHandler(quality.Apply(parse, pipeline.Recipe(parse)))
            {
                OnProgress = (done, total) => (progress ??= new ConsoleProgress("images", total)).Report(done),
            }.Handle(new EvaluateQualityCommand(dir)
            {
                PairsFiles = [.. (parse.GetValue(pairs) ?? []).Select(f => f.FullName)],
                LabelsFile = parse.GetValue(labels)?.FullName,
                SignalsFile = parse.GetValue(signals)?.FullName,
            });
            progress?.Dispose();
            var (model, result) = (outcome.Model, outcome.Result);
            var head = result.Curves[0];
            var byName = result.Curves.ToDictionary(c => c.Name);
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["model"] = model,
                    ["detector"] = outcome.Detector,
                    ["quality"] = head.Name,
                    ["fnmr_at_fmr_1e-3"] = result.FnmrAtFmr,
                    ["fnmr_drop_at_10pct"] = head.DropAt10Percent,
                    ["random_drop_at_10pct"] = byName[QualityEvaluation.RandomCurve].DropAt10Percent,
                    ["face_size_drop_at_10pct"] = byName[QualityEvaluation.FaceSizeCurve].DropAt10Percent,
                    ["threshold"] = result.Threshold,
                    ["genuine_pairs"] = result.GenuinePairs,
                    ["impostor_pairs"] = result.ImpostorPairs,
                    ["images"] = result.Images,
                    ["failed_images"] = result.FailedImages,
                    ["erc"] = result.Curves.ToDictionary(c => c.Name, c => new Dictionary<string, object>
                    {
                        ["rejected"] = c.Points.Select(p => p.Rejected).ToArray(),
                        ["fnmr"] = c.Points.Select(p => p.Fnmr).ToArray(),
                        ["drop_at_10pct"] = c.DropAt10Percent,
                    }),
                }));
            else
            {
                Console.WriteLine($"{model} ({outcome.Detector}): {result.Images} images ({result.FailedImages} without a face), {result.GenuinePairs} genuine pairs, {result.ImpostorPairs} impostor pairs");
                Console.WriteLine($"threshold at FMR 1e-3: {result.Threshold:0.0000}; FNMR {result.FnmrAtFmr:P2} with nothing rejected");
                foreach (var c in result.Curves)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {c.Name,-20} FNMR after rejecting 10 %: {c.Points[10].Fnmr:P2} ({c.DropAt10Percent:P0} fewer), 20 %: {c.Points[20].Fnmr:P2}, 50 %: {c.Points[50].Fnmr:P2}"));
            }
            if (parse.GetValue(report) is { } reportDir)
            {
                var index = QualityReportWriter.Write(new QualityReport("Doppel face quality", dir, model, result.Threshold, result.FnmrAtFmr,
                    result.GenuinePairs, result.ImpostorPairs,
                    result.Curves.Select(c => new ErcSeries(c.Name, c.Points.Select(p => new ChartPoint(p.Rejected, p.Fnmr)).ToList(), c.DropAt10Percent)).ToList()),
                    reportDir.FullName);
                Console.Error.WriteLine($"Report: {index}");
            }
            return 0;
        });
        return command;
    }
}
