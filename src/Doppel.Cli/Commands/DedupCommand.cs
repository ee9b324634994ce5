using System.CommandLine;
using Doppel.Application;
using Doppel.Application.Dedup;
using Doppel.Cli.Infrastructure;
using Doppel.Jobs;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Jobs.Reporting;
using Doppel.Matching;
using Doppel.Reports.Dedup;
using Doppel.Storage;
using Doppel.Vision.Embedding;
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
        var dirs = new Argument<string[]>("DIR")
        {
            Description = "Folders (or files) of images to deduplicate, or blob container prefixes (az://CONTAINER/PREFIX or https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX[?SAS]).",
            Arity = ArgumentArity.OneOrMore,
        };
        var db = new Option<string>("--db")
        {
            Description = "Catalog: a SQLite file, or postgres://... when that engine is built in (default $DOPPEL_DB, else doppel.db).",
            DefaultValueFactory = _ => CatalogDatabases.Setting(null, "doppel.db"),
        };
        // On the profile's scale; at or below 0 nearly every pair near its faces' neighbourhood levels would match, above 1 none can.
        var threshold = new Option<float?>("--threshold") { Description = "Score at or above which two faces match, in (0, 1], on the recognition profile's scale (dlib: cosine minus the two faces' neighbourhood levels; default: the profile's dedup threshold)." }.Between(0, 1, minExclusive: true);
        var report = new Option<string?>("--report") { Description = "Folder to write the HTML report, findings.csv and summary.json into." };
        var pageSize = new Option<int>("--report-page-size")
        {
            Description = "Duplicate groups (and persons) per report page. A report that fits on one page is one self-contained index.html; a larger one is paged, with thumbnails as files.",
            DefaultValueFactory = _ => DedupReportPaging.Default.GroupsPerPage,
        };
        pageSize.AtLeast(1);
        var grouping = new Option<string>("--grouping") { Description = "average (default: every member matches its group on average, no chains), connected (chains join) or core (every member matches the group's core).", DefaultValueFactory = _ => "average" };
        grouping.AcceptOnlyFromAmong("average", "connected", "core");
        var groupProbability = new Option<double?>("--group-probability")
        {
            Description = "With average grouping: the match probability at which groups join, in (0, 1) (default: the profile's, 0.8, odds of 4 to 1; " +
                "in a set larger than the profile's calibration set, after the prior shift). Lower: more and larger groups, more of them mixing people. " +
                "The pairs found do not change.",
        };
        groupProbability.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is double p && !RecognitionProfiles.IsGroupProbability(p))
                r.AddError($"--group-probability must lie between 0 and 1 (exclusive); got {p.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        });
        var search = SearchMethodOption.Create("face pairs");
        var distributed = new Option<bool>("--distributed") { Description = "Queue the work for doppel worker processes (Hangfire on PostgreSQL) and follow it; same findings as a single-process run." };
        var jobsDb = Distributed.JobsOption();
        var chunkSize = new Option<int>("--chunk-size") { Description = "With --distributed: images per analysis job.", DefaultValueFactory = _ => 64 };
        var blockSize = new Option<int>("--block-size") { Description = "With --distributed: faces per matching block (a job joins two blocks); with --search ivf, face probes per job (a job joins a range of cells).", DefaultValueFactory = _ => 16384 };
        var pipeline = PipelineOptions.Create();
        var quality = new QualityOptions();

        var command = new Command("dedup", "Find duplicate enrolments: every pair of images showing the same person, grouped.")
        {
            dirs, db, threshold, report, pageSize, grouping, groupProbability, search, distributed, jobsDb, chunkSize, blockSize,
        };
        pipeline.AddTo(command);
        quality.AddTo(command);
        command.SetAction(parse =>
        {
            Logging.Configure("dedup");
            var reportDir = parse.GetValue(report);
            if (reportDir is not null)
            {
                ReportFolder.RequireReplaceable(reportDir);
                OutputFolders.RequireWritable(reportDir, "report");
            }
            if (parse.GetValue(distributed))
            {
                // An HNSW graph is built by inserting every vector in turn, each insert searching what is in already: it
                // has no partition whose pairs are the single graph's, so it stays a single-process search.
                if (parse.GetValue(search) == "hnsw")
                    throw new ArgumentException("--distributed partitions the exact join (row x column blocks) or --search ivf (ranges of cells); --search hnsw builds one graph in a single process: run it without --distributed.");
                if (parse.GetValue(chunkSize) < 1 || parse.GetValue(blockSize) < 1)
                    throw new ArgumentException("--chunk-size and --block-size must be at least 1.");
                var catalog = parse.GetValue(db)!;
                DistributedDedup.RunAsync(new DistributedDedup.Settings(parse.GetValue(dirs)!, catalog,
                        Distributed.JobsAddress(parse.GetValue(jobsDb), catalog), parse.GetValue(threshold),
                        Enum.Parse<GroupingMode>(parse.GetValue(grouping)!, ignoreCase: true), parse.GetValue(chunkSize), parse.GetValue(blockSize),
                        parse.GetValue(search)!, parse.GetValue(quality.MinQuality), parse.GetValue(groupProbability)),
                    new FacePipelineAnalyzer(pipeline.Build(parse)), reportDir, parse.GetValue(pageSize), PrintSummary, CancellationToken.None).GetAwaiter().GetResult();
                return;
            }
            Run(parse, parse.GetValue(db)!, pipeline, quality, reportDir, parse.GetValue(pageSize), new DedupSetCommand
            {
                Roots = parse.GetValue(dirs)!,
                Threshold = parse.GetValue(threshold),
                Grouping = Enum.Parse<GroupingMode>(parse.GetValue(grouping)!, ignoreCase: true),
                GroupMinProbability = parse.GetValue(groupProbability),
                Search = SearchMethodOption.Of(parse, search),
                MinQuality = parse.GetValue(quality.MinQuality),
            }).GetAwaiter().GetResult();
        });
        return command;
    }

    /// <summary>Parse → one use-case handler → print: every rule of the job lives in <see cref="DedupSetHandler"/>.</summary>
    private static async Task Run(ParseResult parse, string dbSetting, PipelineOptions pipeline, QualityOptions quality, string? reportDir, int pageSize, DedupSetCommand request)
    {
        var (media, roots) = Engines.MediaFor(request.Roots);
        request = request with { Roots = roots };
        await using var db = await CatalogDatabases.OpenAsync(dbSetting);
        using var analyzer = new FacePipelineAnalyzer(quality.Apply(parse, pipeline.Recipe(parse)));
        // Dedup needs the recogniser's profile and models before it records a run: a missing model is one error, before any work.
        analyzer.Load();
        ConsoleProgress? progress = null;
        var handler = new DedupSetHandler(db, TenantId.Default, media, analyzer)
        {
            OnMessage = m => { Console.Error.WriteLine(m); Log.Information("{Message}", m); },
            OnProgress = (done, total) => (progress ??= new ConsoleProgress("images", total)).Report(done),
        };
        var outcome = await handler.HandleAsync(request);
        progress?.Dispose();
        PrintSummary(outcome);
        if (reportDir is not null)
            await WriteReportAsync(db, outcome, reportDir, analyzer.DetectorName, pageSize);
        Log.Information("dedup finished: {Images} images, {Pairs} pairs, {Groups} groups in {Seconds:0.0}s",
            outcome.Images.Count, outcome.Pairs.Count, outcome.Groups.Count, outcome.Elapsed.TotalSeconds);
    }

    /// <summary>The report of an outcome (its vectors, or the catalog's when it has none), as both dedup modes write it.</summary>
    internal static async Task WriteReportAsync(IDoppelDatabase db, DedupOutcome outcome, string reportDir, string detector, int pageSize)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var persons = await db.For(TenantId.Default).Persons.ListAsync(Page.All);
        var files = DedupReportBuilder.Write(outcome, persons, () => outcome.Vectors ?? [], reportDir, detector,
            DedupReportPaging.Default with { GroupsPerPage = pageSize, PersonsPerPage = pageSize });
        Console.WriteLine($"Report: {files.IndexHtml} ({(files.IsSingleFile ? "one self-contained page" : $"{files.Pages.Count} pages")}; {started.Elapsed.TotalSeconds:0.0} s)");
    }

    internal static void PrintSummary(DedupOutcome outcome)
    {
        var reasons = outcome.Images.GroupBy(i => outcome.LowQuality.ContainsKey(i.Media.Id) ? "low_quality" : i.Media.ReasonCode ?? "pending").OrderBy(g => g.Key)
            .Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine($"Images: {outcome.Images.Count} ({string.Join(", ", reasons)}); processed this run: {outcome.ProcessedThisRun}{(outcome.Resumed ? " (resumed)" : "")}");
        if (outcome.Skipped.Count > 0)
            Console.WriteLine($"Not read: {Skipped.Describe(outcome.Skipped)}; the report lists each with its reason");
        Console.WriteLine($"Faces: {outcome.Faces.Count}; model {outcome.Model}, threshold {outcome.Threshold:0.####}");
        Console.WriteLine($"Duplicate pairs: {outcome.Pairs.Count}; groups: {outcome.Groups.Count}; {outcome.Elapsed.TotalSeconds:0.0} s");
    }
}
