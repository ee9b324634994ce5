using System.Text.Json;
using Doppel.Storage;

namespace Doppel.Jobs.Ingest;

/// <summary>Settings of one <c>doppel detect --db</c> run.</summary>
public sealed record DetectJobOptions
{
    /// <summary>Folders (or files) to register before processing; empty = only what the catalog already holds.</summary>
    public IReadOnlyList<string> Roots { get; init; } = [];

    /// <summary>Images whose results are stored in one catalog transaction: the most a kill can lose.</summary>
    public int BatchSize { get; init; } = 64;
}

/// <summary>What a detect run did. <see cref="ReasonCounts"/> and <see cref="Faces"/> describe the
/// files processed by this invocation; <see cref="Registered"/> how the scanned files were found.</summary>
public sealed record DetectOutcome(
    long RunId,
    int Scanned,
    IReadOnlyDictionary<MediaChange, int> Registered,
    int ProcessedThisRun,
    bool Resumed,
    IReadOnlyDictionary<string, int> ReasonCounts,
    int Faces,
    long MediaInCatalog,
    TimeSpan Elapsed);

/// <summary>
/// The DeepFrame seed's "detect" mode over the catalog: process every media file not processed yet,
/// whoever registered it (this run's scan, an interrupted dedup or detect, a watch). Processing is the
/// same as dedup's ingest: decode, detect, select, align and embed with the analyzer's model, one
/// atomic batch at a time. Embeddings are made here, not in recognise, because the catalog stores a
/// file's faces together with their vectors in the transaction that marks it done; a file is then never
/// decoded twice, and dedup and detect each skip what the other has processed. Recognise is left with
/// grouping faces into persons. Takes the same "ingest" lock as dedup, so the two never overlap.
/// </summary>
public sealed class DetectJob(ICatalog catalog, IImageAnalyzer analyzer)
{
    public const string RunKind = "detect";

    /// <summary>Reports (done, total) as images are stored.</summary>
    public Action<long, long>? OnProgress { get; init; }

    public Action<string>? OnMessage { get; init; }

    public DetectOutcome Run(DetectJobOptions options, CancellationToken cancellationToken = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var ingestLock = catalog.AcquireLock("ingest", options.Roots.Count > 0 ? $"detect {string.Join(' ', options.Roots)}" : "detect");
        var ingest = new MediaIngest(catalog, analyzer) { OnProgress = OnProgress };

        var scan = options.Roots.Count > 0 ? ImageScanner.ScanAll(options.Roots) : new ScanResult([]);
        var registered = new Dictionary<MediaChange, int>();
        if (scan.Entries.Count > 0)
        {
            var readable = ingest.RegisterReadable(scan.Files, cancellationToken);
            var skipped = scan.Skipped.Concat(readable.Unreadable).ToList();
            OnMessage?.Invoke($"Found {scan.Files.Count} image files under {string.Join(", ", options.Roots)}"
                + (skipped.Count > 0 ? $"; passed over {Dedup.Skipped.Describe(skipped)}." : "."));
            foreach (var registration in readable.Registrations)
                registered[registration.Change] = registered.GetValueOrDefault(registration.Change) + 1;
        }

        var pending = catalog.ListMedia(MediaState.Pending);
        if (pending.Count > 0)
            analyzer.Load();
        var unfinished = catalog.FindUnfinishedRun(RunKind);
        bool resumed = unfinished is not null;
        long runId = unfinished?.Id ?? catalog.StartRun(RunKind,
            JsonSerializer.Serialize(new { roots = options.Roots, detector = analyzer.DetectorName, model = analyzer.EmbeddingModel }), pending.Count);
        if (resumed)
        {
            catalog.UpdateRun(runId, total: unfinished!.Processed + pending.Count);
            OnMessage?.Invoke($"Resuming run {runId}: {unfinished.Processed} images already stored, {pending.Count} to go.");
        }
        else if (pending.Count > 0)
            OnMessage?.Invoke($"{pending.Count} images not processed yet.");
        try
        {
            ingest.Process(pending, runId, options.BatchSize, cancellationToken);
            catalog.FinishRun(runId, RunState.Completed);
        }
        catch (OperationCanceledException)
        {
            catalog.FinishRun(runId, RunState.Cancelled);
            throw;
        }

        var processedIds = pending.Select(m => m.Id).ToHashSet();
        var reasons = catalog.ListMedia(MediaState.Done).Where(m => processedIds.Contains(m.Id))
            .GroupBy(m => m.ReasonCode ?? "unknown").ToDictionary(g => g.Key, g => g.Count());
        int faces = catalog.ListFaces().Count(f => processedIds.Contains(f.MediaId));
        return new DetectOutcome(runId, scan.Files.Count, registered, pending.Count, resumed, reasons, faces, catalog.CountMedia(), clock.Elapsed);
    }
}
