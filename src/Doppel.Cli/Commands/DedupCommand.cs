using System.CommandLine;
using Doppel.Cli.Infrastructure;
using Doppel.Jobs;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Reporting;
using Doppel.Matching;
using Doppel.Reports.Dedup;
using Doppel.Storage;
using Doppel.Storage.Sqlite;
using Serilog;

namespace Doppel.Cli.Commands;

/// <summary>
/// <c>doppel dedup DIR...</c>: the main job. Ingests every image under the folders into the catalog
/// (each file once: unchanged files are never processed again), finds every pair of images whose
/// best face pair matches, groups them, stores the findings and writes a report.
/// </summary>
public static class DedupCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("DIR") { Description = "Folders (or files) of images to deduplicate.", Arity = ArgumentArity.OneOrMore };
        var db = new Option<string>("--db") { Description = "Catalog database file (SQLite).", DefaultValueFactory = _ => "doppel.db" };
        var threshold = new Option<float?>("--threshold") { Description = "Score at or above which two faces match, on the recognition profile's scale (dlib: cosine minus the two faces' neighbourhood levels; default: the profile's dedup threshold)." };
        var report = new Option<string?>("--report") { Description = "Folder to write the HTML report, findings.csv and summary.json into." };
        var pageSize = new Option<int>("--report-page-size")
        {
            Description = "Duplicate groups (and persons) per report page. A report that fits on one page is one self-contained index.html; a larger one is paged, with thumbnails as files.",
            DefaultValueFactory = _ => DedupReportPaging.Default.GroupsPerPage,
        };
        pageSize.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
                result.AddError("--report-page-size must be at least 1.");
        });
        var grouping = new Option<string>("--grouping") { Description = "average (default: every member matches its group on average, no chains), connected (chains join) or core (every member matches the group's core).", DefaultValueFactory = _ => "average" };
        grouping.AcceptOnlyFromAmong("average", "connected", "core");
        var search = new Option<string>("--search")
        {
            Description = "How face pairs are found: exact (every pair compared), hnsw or ivf (approximate, for millions of faces; see docs/benchmarks-matching-search.md).",
            DefaultValueFactory = _ => "exact",
        };
        search.AcceptOnlyFromAmong("exact", "hnsw", "ivf");
        var pipeline = PipelineOptions.Create();

        var command = new Command("dedup", "Find duplicate enrolments: every pair of images showing the same person, grouped.")
        {
            dirs, db, threshold, report, pageSize, grouping, search,
        };
        pipeline.AddTo(command);
        command.SetAction(parse =>
        {
            Logging.Configure("dedup");
            var reportDir = parse.GetValue(report);
            if (reportDir is not null)
                OutputFolders.RequireWritable(reportDir, "report");
            using var catalog = SqliteCatalog.Open(parse.GetValue(db)!);
            using var analyzer = new FacePipelineAnalyzer(pipeline.Build(parse));
            ConsoleProgress? progress = null;
            var job = new DedupJob(catalog, analyzer)
            {
                OnMessage = m => { Console.Error.WriteLine(m); Log.Information("{Message}", m); },
                OnProgress = (done, total) => (progress ??= new ConsoleProgress("images", total)).Report(done),
            };
            var outcome = job.Run(new DedupJobOptions
            {
                Roots = parse.GetValue(dirs)!,
                Threshold = parse.GetValue(threshold),
                Grouping = Enum.Parse<GroupingMode>(parse.GetValue(grouping)!, ignoreCase: true),
                Search = new SearchConfig { Method = Enum.Parse<SearchMethod>(parse.GetValue(search)!, ignoreCase: true) },
            });
            progress?.Dispose();
            PrintSummary(outcome);
            if (reportDir is not null)
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                var size = parse.GetValue(pageSize);
                var files = DedupReportBuilder.Write(outcome, catalog, reportDir, analyzer.DetectorName,
                    DedupReportPaging.Default with { GroupsPerPage = size, PersonsPerPage = size });
                Console.WriteLine($"Report: {files.IndexHtml} ({(files.IsSingleFile ? "one self-contained page" : $"{files.Pages.Count} pages")}; {started.Elapsed.TotalSeconds:0.0} s)");
            }
            Log.Information("dedup finished: {Images} images, {Pairs} pairs, {Groups} groups in {Seconds:0.0}s",
                outcome.Images.Count, outcome.Pairs.Count, outcome.Groups.Count, outcome.Elapsed.TotalSeconds);
        });
        return command;
    }

    private static void PrintSummary(DedupOutcome outcome)
    {
        var reasons = outcome.Images.GroupBy(i => i.Media.ReasonCode ?? "pending").OrderBy(g => g.Key)
            .Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine($"Images: {outcome.Images.Count} ({string.Join(", ", reasons)}); processed this run: {outcome.ProcessedThisRun}{(outcome.Resumed ? " (resumed)" : "")}");
        Console.WriteLine($"Faces: {outcome.Faces.Count}; model {outcome.Model}, threshold {outcome.Threshold:0.####}");
        Console.WriteLine($"Duplicate pairs: {outcome.Pairs.Count}; groups: {outcome.Groups.Count}; {outcome.Elapsed.TotalSeconds:0.0} s");
    }
}
