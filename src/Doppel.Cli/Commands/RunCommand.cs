using Doppel.Application;
using Doppel.Application.Automation;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using System.CommandLine;
using Doppel.Cli.Infrastructure;
using Doppel.Jobs;
using Doppel.Jobs.Persons;
using Doppel.Matching.Clustering;
using Doppel.Matching.Persons;
using Doppel.Storage.Sqlite;
using Serilog;

namespace Doppel.Cli.Commands;

/// <summary><c>doppel run --all [--db FILE] [DIR...]</c> (the DeepFrame seed's run mode): detect (every
/// unprocessed image of the catalog, after registering DIR) then recognise (group unassigned faces into
/// persons), once, with one summary.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("DIR") { Description = "Folders (or files) to register before processing.", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Run every step: detect, then recognize." };
        var db = new Option<string>("--db") { Description = "Catalog (SQLite file or postgres://...; default $DOPPEL_DB, else doppel.db).", DefaultValueFactory = _ => CatalogDatabases.Setting(null, "doppel.db") };
        var similarity = new Option<float?>("--similarity") { Description = "Cosine similarity at which two faces are neighbours (default: the model's tuned clustering value)." };
        var minFaces = new Option<int?>("--min-faces") { Description = "Neighbourhood size (the face included) that lets a face found a person (default: the model's tuned value)." };
        var search = SearchMethodOption.Create("each face's neighbours");
        var pipeline = PipelineOptions.Create();
        var command = new Command("run", "Run the pipeline once over a catalog: detect + recognize (--all).") { dirs, all, db, similarity, minFaces, search };
        pipeline.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            if (!parse.GetValue(all))
            {
                Console.Error.WriteLine("error: say which steps to run: --all (detect, then recognize). For one step use doppel detect --db or doppel recognize.");
                return 1;
            }
            var roots = parse.GetValue(dirs) ?? [];
            Logging.Configure("run");
            var setting = parse.GetValue(db)!;
            await using var catalog = roots.Length == 0 ? await CatalogCommands.OpenExistingAsync(setting) : await CatalogDatabases.OpenAsync(setting, cancellation);
            // Opens the models only if an image or a face needs them: a run with nothing new opens none.
            using var analyzer = new FacePipelineAnalyzer(pipeline.Recipe(parse));
            // The same per-model values as doppel recognize and eval cluster.
            var defaults = ClusterDefaults.Recognize(analyzer.Recogniser);
            var options = new PersonOptions(parse.GetValue(similarity) is float t ? 1 - t : defaults.MaxDistance, parse.GetValue(minFaces) ?? defaults.MinFaces)
            {
                Search = SearchMethodOption.Of(parse, search),
            };
            ConsoleProgress? progress = null;
            var outcome = await new RunAllHandler(catalog, TenantId.Default, LocalFolderMediaStore.Instance, analyzer)
            {
                OnMessage = m => { Console.Error.WriteLine(m); Log.Information("{Message}", m); },
                OnProgress = (done, total) => (progress ??= new ConsoleProgress("images", total)).Report(done),
                OnDetected = detected => { progress?.Dispose(); progress = null; CatalogDetect.PrintSummary(detected); },
            }.HandleAsync(roots, options, cancellation);
            progress?.Dispose();
            if (outcome.Embedded.Missing > 0)
                Console.WriteLine($"Embedded {outcome.Embedded.Embedded} faces with {analyzer.EmbeddingModel}" +
                                  $"{(outcome.Embedded.Skipped > 0 ? $"; {outcome.Embedded.Skipped} skipped (file gone, unreadable or changed)" : "")}.");
            var persons = outcome.Persons;
            Console.WriteLine($"Persons: {persons.Persons} ({persons.CreatedPersons} new); {persons.Assigned} of {persons.Faces} faces assigned, {persons.Waiting} waiting; " +
                              $"model {analyzer.EmbeddingModel}, similarity {1 - options.MaxDistance:0.###}");
            foreach (var line in StaleDecision.Report(persons.StaleDecisions))
                Console.WriteLine(line);
            Log.Information("run finished: {Processed} images processed, {Persons} persons ({Created} new)", outcome.Detected.ProcessedThisRun, persons.Persons, persons.CreatedPersons);
            return 0;
        });
        return command;
    }
}
