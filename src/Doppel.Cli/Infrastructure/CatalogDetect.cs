using Doppel.Application.Ingest;
using Doppel.Jobs;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Serilog;

namespace Doppel.Cli.Infrastructure;

/// <summary>What <c>detect --db</c> and <c>run --all</c> share: the detect job with progress on stderr,
/// messages to the log, and its summary on stdout.</summary>
public static class CatalogDetect
{
    public static async Task<DetectOutcome> RunAsync(IDoppelDatabase db, IImageAnalyzer analyzer, IReadOnlyList<string> roots, CancellationToken cancellationToken = default)
    {
        ConsoleProgress? progress = null;
        try
        {
            var handler = new DetectHandler(db, TenantId.Default, LocalFolderMediaStore.Instance, analyzer)
            {
                OnMessage = m => { Console.Error.WriteLine(m); Log.Information("{Message}", m); },
                OnProgress = (done, total) => (progress ??= new ConsoleProgress("images", total)).Report(done),
            };
            var outcome = await handler.HandleAsync(roots, cancellationToken: cancellationToken);
            Log.Information("detect finished: {Processed} images processed, {Faces} faces in {Seconds:0.0}s",
                outcome.ProcessedThisRun, outcome.Faces, outcome.Elapsed.TotalSeconds);
            return outcome;
        }
        finally
        {
            progress?.Dispose();
        }
    }

    public static void PrintSummary(DetectOutcome outcome)
    {
        if (outcome.Scanned > 0)
            Console.WriteLine($"Scanned {outcome.Scanned} files: " +
                              string.Join(", ", outcome.Registered.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key.ToString().ToLowerInvariant()} {kv.Value}")) + ".");
        var reasons = outcome.ReasonCounts.Count == 0 ? "" : " (" + string.Join(", ", outcome.ReasonCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}")) + ")";
        Console.WriteLine($"Images processed this run: {outcome.ProcessedThisRun}{reasons}{(outcome.Resumed ? " (resumed)" : "")}; faces found: {outcome.Faces}; " +
                          $"{outcome.MediaInCatalog} images in the catalog; {outcome.Elapsed.TotalSeconds:0.0} s");
    }
}
