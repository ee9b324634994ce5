using Doppel.Application.Dedup;
using Doppel.Application.Persons;
using Doppel.Jobs;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Jobs.Persons;
using Doppel.Jobs.Reporting;
using Doppel.Matching.Clustering;
using Doppel.Storage;
using Doppel.Storage.Media;

namespace Doppel.Application.Automation;

/// <summary>One pass of the whole pipeline: what it did.</summary>
public sealed record PipelineRunOutcome(DedupOutcome Dedup, RecognizeOutcome Persons, string? ReportIndex);

/// <summary>
/// Use case "run the pipeline once" (what <c>automate</c> and <c>watch</c> repeat): dedup the roots, then
/// recognise persons with the model's tuned values, then refresh the report when asked. The composition lives
/// here, not in a CLI handler, so a recurring job of the service runs exactly the same steps.
/// </summary>
public sealed class PipelineRunHandler(IDoppelDatabase db, TenantId tenant, IMediaStore media, IImageAnalyzer analyzer)
{
    public Action<string>? OnMessage { get; init; }

    /// <summary>Faces stored with a quality below this are not matched (<c>--min-quality</c>); null: every face.</summary>
    public float? MinQuality { get; init; }

    public async Task<PipelineRunOutcome> HandleAsync(IReadOnlyList<string> roots, string? reportDirectory, CancellationToken cancellationToken = default)
    {
        var dedup = await new DedupSetHandler(db, tenant, media, analyzer) { OnMessage = OnMessage }
            .HandleAsync(new DedupSetCommand { Roots = roots, MinQuality = MinQuality }, cancellationToken).ConfigureAwait(false);
        var persons = await new RecognizeHandler(db, tenant)
            .HandleAsync(analyzer.Recogniser, ClusterDefaults.Recognize(analyzer.Recogniser), recluster: false, cancellationToken).ConfigureAwait(false);
        string? index = null;
        if (reportDirectory is not null)
        {
            var known = await db.For(tenant).Persons.ListAsync(Page.All, cancellationToken).ConfigureAwait(false);
            index = DedupReportBuilder.Write(dedup, known, () => dedup.Vectors ?? [], reportDirectory, analyzer.DetectorName).IndexHtml;
        }
        return new PipelineRunOutcome(dedup, persons, index);
    }
}

/// <summary>
/// Runs a pass again and again without overlap: every <c>interval</c>, or sooner when <c>trigger</c> is
/// released (a file appeared), after a quiet second so a copy in progress is taken whole. Stops after
/// <c>times</c> passes (0: until cancelled).
/// </summary>
public static class RecurringRuns
{
    public static async Task<int> RunAsync(Func<int, CancellationToken, Task> pass, TimeSpan interval, int times, SemaphoreSlim trigger, CancellationToken cancellationToken)
    {
        // A zero interval would spin; a negative count would never stop (0 is the "until cancelled" value).
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(times);
        int runs = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await pass(++runs, cancellationToken).ConfigureAwait(false);
                if (times > 0 && runs >= times)
                    break;
                if (await trigger.WaitAsync(interval, cancellationToken).ConfigureAwait(false))
                    while (await trigger.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false)) { }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        return runs;
    }
}

/// <summary>What <c>run --all</c> did: detect, embed missing, recognise.</summary>
public sealed record RunAllOutcome(DetectOutcome Detected, EmbedMissingOutcome Embedded, RecognizeOutcome Persons);

/// <summary>
/// Use case "run every step once" (the DeepFrame seed's run mode): detect (register the roots, process every
/// pending image), give stored faces a current vector of the model, recognise persons. Each step holds its
/// own lease, so a reviewer's edit can land between them but never inside one.
/// </summary>
public sealed class RunAllHandler(IDoppelDatabase db, TenantId tenant, IMediaStore media, IImageAnalyzer analyzer)
{
    public Action<long, long>? OnProgress { get; init; }

    public Action<string>? OnMessage { get; init; }

    /// <summary>Faces stored with a quality below this are not matched (<c>--min-quality</c>); null: every face.</summary>
    public float? MinQuality { get; init; }

    /// <summary>Called once detection is done, before the other steps (the CLI prints its summary there).</summary>
    public Action<DetectOutcome>? OnDetected { get; init; }

    public async Task<RunAllOutcome> HandleAsync(IReadOnlyList<string> roots, Doppel.Matching.Persons.PersonOptions options, CancellationToken cancellationToken = default)
    {
        var detected = await new Ingest.DetectHandler(db, tenant, media, analyzer) { OnMessage = OnMessage, OnProgress = OnProgress }
            .HandleAsync(roots, cancellationToken: cancellationToken).ConfigureAwait(false);
        OnDetected?.Invoke(detected);
        var embedded = await new Ingest.EmbedMissingHandler(db, tenant, media) { OnMessage = OnMessage }
            .HandleAsync(analyzer.EmbeddingModel, analyzer.EmbeddingModelVersion, () => analyzer.Embedder, null, null, cancellationToken).ConfigureAwait(false);
        var persons = await new RecognizeHandler(db, tenant).HandleAsync(analyzer.Recogniser, options, recluster: false, cancellationToken).ConfigureAwait(false);
        return new RunAllOutcome(detected, embedded, persons);
    }
}
