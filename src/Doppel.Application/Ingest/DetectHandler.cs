using System.Text.Json;
using Doppel.Jobs;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Doppel.Storage.Media;

namespace Doppel.Application.Ingest;

/// <summary>
/// Use case "detect" (the DeepFrame seed's mode over the catalog): register the roots if any, then process
/// every media of the tenant not processed yet, whoever registered it (this scan, an interrupted dedup, a
/// watch): faces and vectors stored in fenced batches, resumable. Holds the same "ingest" lease as dedup,
/// so the two never overlap, and opens no model when nothing is pending.
/// </summary>
public sealed class DetectHandler(IDoppelDatabase db, TenantId tenant, IMediaStore media, IImageAnalyzer analyzer)
{
    public const string RunKind = "detect";

    public Action<long, long>? OnProgress { get; init; }

    public Action<string>? OnMessage { get; init; }

    public async Task<DetectOutcome> HandleAsync(IReadOnlyList<string> roots, int batchSize = 64, CancellationToken cancellationToken = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var lease = await HeldLease.AcquireAsync(db, CatalogDatabases.LeaseName(tenant, "ingest"),
            roots.Count > 0 ? $"detect {string.Join(' ', roots)}" : "detect", cancellationToken: cancellationToken).ConfigureAwait(false);
        var stores = db.For(tenant);

        var registered = new Dictionary<MediaChange, int>();
        int scanned = 0;
        if (roots.Count > 0)
        {
            await using var uow = await stores.BeginAsync(lease.Fence, cancellationToken).ConfigureAwait(false);
            var found = await new RegisterMediaHandler(uow, media).HandleAsync(roots, cancellationToken).ConfigureAwait(false);
            await uow.CommitAsync(cancellationToken).ConfigureAwait(false);
            scanned = found.Count;
            if (scanned > 0)
                OnMessage?.Invoke($"Found {scanned} image files under {string.Join(", ", roots)}.");
            foreach (var r in found)
                registered[r.Registration.Change] = registered.GetValueOrDefault(r.Registration.Change) + 1;
        }

        var pending = await stores.Media.ListAsync(MediaState.Pending, Page.All, cancellationToken).ConfigureAwait(false);
        if (pending.Count > 0)
            analyzer.Load();
        var unfinished = await stores.Runs.FindUnfinishedAsync(RunKind, cancellationToken).ConfigureAwait(false);
        bool resumed = unfinished is not null;
        long runId;
        if (unfinished is not null)
        {
            runId = unfinished.Id;
            await stores.Runs.UpdateAsync(runId, unfinished.Processed + pending.Count, cancellationToken).ConfigureAwait(false);
            OnMessage?.Invoke($"Resuming run {runId}: {unfinished.Processed} images already stored, {pending.Count} to go.");
        }
        else
        {
            runId = await stores.Runs.StartAsync(RunKind,
                JsonSerializer.Serialize(new { roots, detector = analyzer.DetectorName, model = analyzer.EmbeddingModel }), pending.Count, cancellationToken).ConfigureAwait(false);
            if (pending.Count > 0)
                OnMessage?.Invoke($"{pending.Count} images not processed yet.");
        }
        try
        {
            await new AnalyseMediaHandler(stores, media, analyzer) { OnProgress = OnProgress }
                .HandleAsync(pending, runId, batchSize, lease.Fence, cancellationToken).ConfigureAwait(false);
            await FinishAsync(stores, lease.Fence, runId, RunState.Completed).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await FinishAsync(stores, lease.Fence, runId, RunState.Cancelled).ConfigureAwait(false);
            throw;
        }

        var ids = pending.Select(m => m.Id).ToList();
        var reasons = (await stores.Media.GetManyAsync(ids, cancellationToken).ConfigureAwait(false)).Where(m => m.State == MediaState.Done)
            .GroupBy(m => m.ReasonCode ?? "unknown").ToDictionary(g => g.Key, g => g.Count());
        int faces = (await stores.Faces.ListOfMediaAsync(ids, cancellationToken).ConfigureAwait(false)).Count;
        long inCatalog = await stores.Media.CountAsync(null, cancellationToken).ConfigureAwait(false);
        return new DetectOutcome(runId, scanned, registered, pending.Count, resumed, reasons, faces, inCatalog, clock.Elapsed);
    }

    private static async Task FinishAsync(ITenantStores stores, LeaseFence fence, long runId, RunState state)
    {
        await using var uow = await stores.BeginAsync(fence).ConfigureAwait(false);
        await uow.Runs.FinishAsync(runId, state).ConfigureAwait(false);
        await uow.CommitAsync().ConfigureAwait(false);
    }
}
