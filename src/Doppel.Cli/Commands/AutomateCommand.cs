using System.CommandLine;
using Doppel.Application.Automation;
using Doppel.Application;
using Doppel.Cli.Infrastructure;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Jobs.Persons;
using Doppel.Jobs.Reporting;
using Doppel.Jobs;
using Doppel.Matching.Clustering;
using Doppel.Matching.Persons;
using Doppel.Reports.Dedup;
using Doppel.Storage.Sqlite;
using Doppel.Storage;
using Serilog;

namespace Doppel.Cli.Commands;

/// <summary>
/// The DeepFrame seed's unattended modes. <c>doppel automate DIR --every 3m</c> runs the whole
/// pipeline (ingest + dedup + recognise) on a schedule; <c>doppel watch DIR</c> runs it whenever files
/// under DIR appear or change (debounced). Cycles never overlap: one finishes before the next starts,
/// and only new or changed files are processed, since content hashes make every cycle idempotent.
/// </summary>
public static class AutomateCommand
{
    public static IEnumerable<Command> Create()
    {
        yield return Build("automate", "Run dedup and recognise on a schedule (no overlap between runs).", watch: false);
        yield return Build("watch", "Process new and changed files under DIR as they appear.", watch: true);
    }

    private static Command Build(string name, string description, bool watch)
    {
        var dirs = new Argument<string[]>("DIR") { Arity = ArgumentArity.OneOrMore, Description = "Folders to process." };
        var db = new Option<string>("--db") { Description = "Catalog (SQLite file or postgres://...; default $DOPPEL_DB, else doppel.db).", DefaultValueFactory = _ => CatalogDatabases.Setting(null, "doppel.db") };
        var every = new Option<TimeSpan>("--every")
        {
            Description = watch ? "Also rescan at least this often (e.g. 30s, 3m, 1h)." : "Interval between runs (e.g. 30s, 3m, 1h).",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(3),
            CustomParser = r =>
            {
                // A parse error, not an exception: the runner prints it as one line before any work.
                try { return ParseInterval(r.Tokens.Single().Value); }
                catch (FormatException e) { r.AddError($"--every: {e.Message}"); return default; }
            },
        };
        var times = new Option<int>("--times") { Description = "Stop after this many runs (0 = until interrupted).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var report = new Option<string?>("--report") { Description = "Refresh the HTML report here after every run." };
        var pipeline = PipelineOptions.Create();
        // --quality / --min-quality as dedup has them: faces are scored at analysis, the floor applies at matching.
        var quality = new QualityOptions();
        var command = new Command(name, description) { dirs, db, every, times, report };
        var jobsDb = new Option<string?>("--jobs-db")
        {
            Description = "Schedule the dedup as a recurring job on the workers (Hangfire on this PostgreSQL, postgres://...) and exit, instead of looping here.",
        };
        if (!watch)
            command.Options.Add(jobsDb);
        pipeline.AddTo(command);
        quality.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            Logging.Configure(name);
            if (!watch && parse.GetValue(jobsDb) is { } jobsAddress)
            {
                if (parse.GetValue(quality.Quality) is not null)
                    throw new ArgumentException("--quality does not go with --jobs-db: each worker scores faces with its own assessor (doppel worker --quality); the schedule's --min-quality applies to the qualities they store.");
                // The recipe names the recogniser (weights kept) without opening a model: the workers run it.
                var recipe = pipeline.Recipe(parse);
                var storage = Doppel.Workers.JobsStorage.Create(Doppel.Workers.JobsStorage.ConnectionString(jobsAddress));
                var id = Doppel.Workers.RecurringDedup.Schedule(new Hangfire.RecurringJobManager(storage),
                    new Doppel.Workers.FolderDedupRequest(parse.GetValue(dirs)!, recipe.EmbeddingModel, MinQuality: parse.GetValue(quality.MinQuality), Recogniser: recipe.Embedder),
                    parse.GetValue(every));
                Console.WriteLine($"Scheduled '{id}' every {parse.GetValue(every)} on the workers (doppel worker --db {parse.GetValue(db)} --jobs-db ...); nothing runs here.");
                return 0;
            }
            FileSystemWatcher[] watchers = [];
            try
            {
                var roots = parse.GetValue(dirs)!;
                if (parse.GetValue(report) is { } reportDir)
                {
                    // Before the first pass, not after an hour of work: a report replaces its whole folder.
                    ReportFolder.RequireReplaceable(reportDir);
                    OutputFolders.RequireWritable(reportDir, "report");
                }
                await using var catalog = await CatalogDatabases.OpenAsync(parse.GetValue(db)!, cancellation);
                using var analyzer = new FacePipelineAnalyzer(quality.Apply(parse, pipeline.Recipe(parse)));
                using var trigger = new SemaphoreSlim(0);
                watchers = watch ? Watch(roots, trigger) : [];
                var handler = new PipelineRunHandler(catalog, TenantId.Default, LocalFolderMediaStore.Instance, analyzer)
                {
                    OnMessage = m => Log.Information("{Message}", m),
                    MinQuality = parse.GetValue(quality.MinQuality),
                };
                await RecurringRuns.RunAsync((run, token) => RunOnce(handler, roots, parse.GetValue(report), run, token),
                    parse.GetValue(every), parse.GetValue(times), trigger, cancellation);
                return 0;
            }
            finally
            {
                foreach (var w in watchers) w.Dispose();
            }
        });
        return command;
    }

    private static async Task RunOnce(PipelineRunHandler handler, string[] dirs, string? report, int run, CancellationToken cancellation)
    {
        var (outcome, persons, _) = await handler.HandleAsync(dirs, report, cancellation);
        var line = $"[{DateTime.Now:HH:mm:ss}] run {run}: {outcome.ProcessedThisRun} new or changed images, {outcome.Images.Count} in all, " +
                   $"{outcome.Pairs.Count} duplicate pairs in {outcome.Groups.Count} groups, {persons.Persons} persons";
        Console.WriteLine(line);
        Log.Information("{Line}", line);
        foreach (var stale in StaleDecision.Report(persons.StaleDecisions))
            Log.Information("{Line}", stale);
    }

    private static FileSystemWatcher[] Watch(string[] dirs, SemaphoreSlim trigger) => dirs.Where(Directory.Exists).Select(dir =>
    {
        var watcher = new FileSystemWatcher(dir) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        FileSystemEventHandler changed = (_, _) => trigger.Release();
        watcher.Created += changed;
        watcher.Changed += changed;
        watcher.Renamed += (_, _) => trigger.Release();
        return watcher;
    }).ToArray();

    /// <summary>"90s", "3m", "1h", or a TimeSpan ("00:03:00").</summary>
    public static TimeSpan ParseInterval(string text)
    {
        var t = text.Trim();
        if (t.Length > 1 && double.TryParse(t[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0)
            switch (char.ToLowerInvariant(t[^1]))
            {
                case 's': return TimeSpan.FromSeconds(n);
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
            }
        return TimeSpan.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new FormatException($"'{text}' is not an interval: use e.g. 30s, 3m, 1h.");
    }
}
