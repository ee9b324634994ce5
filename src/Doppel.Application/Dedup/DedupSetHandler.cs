using System.Text.Json;
using Doppel.Application.Ingest;
using Doppel.Jobs;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Matching;
using Doppel.Storage;
using Doppel.Storage.Media;
using Doppel.Vision.Embedding;

namespace Doppel.Application.Dedup;

/// <summary>What <c>doppel dedup</c> (or the service, or a worker) asks for.</summary>
public sealed record DedupSetCommand
{
    /// <summary>Folders or files (local store), or prefixes (a container), whose images make the set.</summary>
    public required IReadOnlyList<string> Roots { get; init; }

    /// <summary>The group (programme) the set belongs to; the CLI's is <see cref="DedupSet.DefaultGroup"/>.</summary>
    public string Group { get; init; } = DedupSet.DefaultGroup;

    /// <summary>Cosine threshold for a face match; null = the embedder's calibrated dedup default.</summary>
    public float? Threshold { get; init; }

    public GroupingMode Grouping { get; init; } = GroupingMode.Average;

    /// <summary>The match probability at which average-linkage groups join (after the set-size prior); null = the
    /// recogniser's profile's (<see cref="RecognitionProfiles.DefaultGroupMinProbability"/>). A reviewer's risk: lower
    /// makes more and larger groups, more of them mixing people; the pairs found do not change.</summary>
    public double? GroupMinProbability { get; init; }

    public IVectorSearch Search { get; init; } = VectorSearch.Exact;

    /// <summary>Faces whose stored quality is below this take no part in matching; an image left with no face
    /// is reported as <c>low_quality</c> (<see cref="DedupOutcome.LowQuality"/>). Decided at match time from the
    /// qualities stored at ingest, so another value needs no inference. Null: every face is matched; faces
    /// stored without a quality are always matched.</summary>
    public float? MinQuality { get; init; }

    /// <summary>Images whose results are stored in one unit of work: the most a kill can lose.</summary>
    public int BatchSize { get; init; } = 64;
}

/// <summary>
/// Use case "dedup a set": the main job, as one handler the CLI, the service and the workers call.
/// <list type="number">
/// <item>takes the tenant's "ingest" lease (a second dedup fails clearly; a dead holder on this host is replaced);</item>
/// <item>registers every image under the roots (<see cref="RegisterMediaHandler"/>: content hashes make re-runs idempotent);</item>
/// <item>analyses the pending ones in fenced batches (<see cref="AnalyseMediaHandler"/>), resuming an unfinished run;</item>
/// <item>embeds faces that lack a current vector of the model (<see cref="EmbedMissingHandler"/>);</item>
/// <item>matches and groups the set's faces at or above the minimum quality (<see cref="QualityGate"/>, <see cref="DedupMatcher"/>,
/// the ignore list as a cannot-link);</item>
/// <item>stores the set: its findings, or, when they are exactly the previous set's (less pairs ignored since),
/// a set that shares that set's rows, so an unchanged re-run adds one row, not a copy of every finding.</item>
/// </list>
/// </summary>
public sealed class DedupSetHandler(IDoppelDatabase db, TenantId tenant, IMediaStore media, IImageAnalyzer analyzer)
{
    public const string RunKind = "dedup";

    /// <summary>Reports (done, total) as images are stored.</summary>
    public Action<long, long>? OnProgress { get; init; }

    public Action<string>? OnMessage { get; init; }

    public async Task<DedupOutcome> HandleAsync(DedupSetCommand command, CancellationToken cancellationToken = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var lease = await HeldLease.AcquireAsync(db, CatalogDatabases.LeaseName(tenant, "ingest"),
            $"dedup {string.Join(' ', command.Roots)}", cancellationToken: cancellationToken).ConfigureAwait(false);
        var stores = db.For(tenant);

        RegisteredListing listing;
        await using (var uow = await stores.BeginAsync(lease.Fence, cancellationToken).ConfigureAwait(false))
        {
            listing = await new RegisterMediaHandler(uow, media).HandleAsync(command.Roots, cancellationToken).ConfigureAwait(false);
            await uow.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        var registered = listing.Media;
        OnMessage?.Invoke($"Found {registered.Count} image files under {string.Join(", ", command.Roots)}"
            + (listing.Skipped.Count > 0 ? $"; passed over {Skipped.Describe(listing.Skipped)}." : "."));

        var pending = registered.Where(r => r.Registration.Media.State == MediaState.Pending).Select(r => r.Registration.Media)
            .DistinctBy(m => m.Id).ToList();
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
            runId = await stores.Runs.StartAsync(RunKind,
                JsonSerializer.Serialize(new { roots = command.Roots, threshold = command.Threshold, model = analyzer.EmbeddingModel, group = command.Group }),
                pending.Count, cancellationToken).ConfigureAwait(false);
        try
        {
            await new AnalyseMediaHandler(stores, media, analyzer) { OnProgress = OnProgress }
                .HandleAsync(pending, runId, command.BatchSize, lease.Fence, cancellationToken).ConfigureAwait(false);
            // Files processed earlier with another recogniser (detect --db --model X) have faces but no vector of
            // this model; without one they would silently drop out of matching.
            var inScope = registered.Select(r => r.Registration.Media.Id).ToHashSet();
            await new EmbedMissingHandler(db, tenant, media) { OnMessage = OnMessage }
                .HandleAsync(analyzer.EmbeddingModel, analyzer.EmbeddingModelVersion, () => analyzer.Embedder, inScope, lease.Fence, cancellationToken).ConfigureAwait(false);
            var outcome = await MatchAndStoreAsync(stores, lease.Fence, command, runId, registered, pending.Count, resumed, cancellationToken).ConfigureAwait(false);
            await FinishAsync(stores, lease.Fence, runId, RunState.Completed).ConfigureAwait(false);
            return outcome with { Elapsed = clock.Elapsed, Skipped = listing.Skipped };
        }
        catch (OperationCanceledException)
        {
            await FinishAsync(stores, lease.Fence, runId, RunState.Cancelled).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task FinishAsync(ITenantStores stores, LeaseFence fence, long runId, RunState state)
    {
        await using var uow = await stores.BeginAsync(fence).ConfigureAwait(false);
        await uow.Runs.FinishAsync(runId, state).ConfigureAwait(false);
        await uow.CommitAsync().ConfigureAwait(false);
    }

    private async Task<DedupOutcome> MatchAndStoreAsync(ITenantStores stores, LeaseFence fence, DedupSetCommand command, long runId,
        IReadOnlyList<RegisteredMedia> registered, int processed, bool resumed, CancellationToken cancellationToken)
    {
        var profile = RecognitionProfiles.WithGroupProbability(analyzer.Profile, command.GroupMinProbability);
        float threshold = command.Threshold ?? profile.DedupThreshold;
        var ids = registered.Select(r => r.Registration.Media.Id).Distinct().ToList();
        var current = (await stores.Media.GetManyAsync(ids, cancellationToken).ConfigureAwait(false)).ToDictionary(m => m.Id);
        var images = registered.Select(r => new DedupImage(current[r.Registration.Media.Id], ToScanned(r.Object))).ToList();
        var faces = await stores.Faces.ListOfMediaAsync(ids, cancellationToken).ConfigureAwait(false);
        var (matchable, lowQuality) = QualityGate.Split(faces, command.MinQuality);
        var mediaOfFace = matchable.ToDictionary(f => f.Id, f => f.MediaId);
        var vectors = new List<FaceEmbedding>(faces.Count);
        await foreach (var e in stores.Faces.ReadEmbeddingsAsync(analyzer.EmbeddingModel, cancellationToken).ConfigureAwait(false))
            if (mediaOfFace.ContainsKey(e.FaceId))
                vectors.Add(e);
        var ignored = (await stores.IgnoredPairs.ListAsync(cancellationToken).ConfigureAwait(false)).Select(p => (p.HashA, p.HashB)).ToHashSet();
        var hashOf = current.ToDictionary(m => m.Key, m => m.Value.ContentHash);
        var match = DedupMatcher.Match(vectors, mediaOfFace, hashOf, ignored, threshold, command.Grouping, command.Search, profile, analyzer.EmbeddingModelVersion, cancellationToken);
        var (pairs, groups) = match;

        var findings = pairs.Select(p => new NewFinding(p.MediaA, p.MediaB, p.FaceA, p.FaceB, p.Score,
            DedupMatcher.FindingSettings(analyzer.EmbeddingModel, analyzer.EmbeddingModelVersion, threshold, profile, command.Grouping, p.Probability))).ToList();
        var set = await StoreSetAsync(stores, fence, command.Group, runId, findings, ignored, cancellationToken).ConfigureAwait(false);
        OnMessage?.Invoke($"{faces.Count} faces, {pairs.Count} duplicate image pairs in {groups.Count} groups at {DedupMatcher.ScoreKind(profile)} threshold {threshold:0.####}" +
            (set.FindingsSetId != set.Id ? $" (the same findings as set {set.FindingsSetId}: none stored again)." : ".") +
            (command.MinQuality is float q ? $" {faces.Count - matchable.Count} faces below quality {q:0.##} not matched ({lowQuality.Count} images low_quality)." : ""));
        return new DedupOutcome(runId, set.Id, threshold, analyzer.EmbeddingModel, images, faces, pairs, groups, processed, resumed, TimeSpan.Zero)
        {
            Vectors = vectors,
            LowQuality = lowQuality,
            MinQuality = command.MinQuality,
            FaceLevels = match.FaceLevels,
            GroupCut = match.GroupCut,
            GroupCutProbability = match.GroupCutProbability,
        };
    }

    /// <summary>Catalog growth: a run that finds exactly the findings of the group's latest set (less the pairs a
    /// reviewer has ignored since, which it leaves out) records a set sharing that set's rows.</summary>
    private static async Task<DedupSet> StoreSetAsync(ITenantStores stores, LeaseFence fence, string group, long runId, IReadOnlyList<NewFinding> findings,
        IReadOnlySet<(string, string)> ignored, CancellationToken cancellationToken)
    {
        await using var uow = await stores.BeginAsync(fence, cancellationToken).ConfigureAwait(false);
        DedupSet set;
        var latest = await uow.Dedup.LatestSetAsync(group, cancellationToken).ConfigureAwait(false);
        if (latest is not null && await SameFindingsAsync(uow, latest, findings, cancellationToken).ConfigureAwait(false))
            set = await uow.Dedup.CreateSetAsync(runId, group, latest.Id, cancellationToken).ConfigureAwait(false);
        else
        {
            set = await uow.Dedup.CreateSetAsync(runId, group, null, cancellationToken).ConfigureAwait(false);
            await uow.Dedup.AddFindingsAsync(set.Id, findings, cancellationToken).ConfigureAwait(false);
        }
        await uow.CommitAsync(cancellationToken).ConfigureAwait(false);
        return set;
    }

    private static async Task<bool> SameFindingsAsync(IUnitOfWork uow, DedupSet latest, IReadOnlyList<NewFinding> findings, CancellationToken cancellationToken)
    {
        var previous = await uow.Dedup.GetFindingsAsync(latest.Id, new FindingQuery { SkipIgnored = true }, cancellationToken).ConfigureAwait(false);
        if (previous.Count != findings.Count)
            return false;
        static (long, long, long?, long?, float, string) Key(long a, long b, long? fa, long? fb, float score, string settings) =>
            a <= b ? (a, b, fa, fb, score, settings) : (b, a, fb, fa, score, settings);
        var before = previous.Select(f => Key(f.MediaA, f.MediaB, f.FaceA, f.FaceB, f.Score, f.SettingsJson)).Order().ToList();
        var now = findings.Select(f => Key(f.MediaA, f.MediaB, f.FaceA, f.FaceB, f.Score, f.SettingsJson)).Order().ToList();
        return before.SequenceEqual(now);
    }

    private static ScannedFile ToScanned(MediaObject o) => new(o.Key.Key, o.RelativePath, o.Root, o.SizeBytes, o.LastModified.UtcDateTime);
}
