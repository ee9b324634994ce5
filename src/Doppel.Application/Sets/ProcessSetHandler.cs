using System.Text.Json;
using Doppel.Jobs;
using Doppel.Jobs.Dedup;
using Doppel.Application.Ingest;
using Doppel.Jobs.Ingest;
using Doppel.Matching;
using Doppel.Storage;

namespace Doppel.Application.Sets;

/// <summary>
/// Processes one deduplication set (the use case a queue runs: the service's background worker on SQLite, a
/// <c>doppel worker</c>'s Hangfire job when the service runs with workers): finds each image's file in the media folder, registers it in the tenant's media records by
/// content hash (an image seen before, in any set, is not analysed again), analyses the new ones in atomic
/// batches counted in a run, then matches the set's faces within the set and against the group's approved sets
/// (new × new and new × approved pairs only: approved pairs are never re-matched), drops pairs on the group's
/// ignore list, and stores the findings and per-image statuses with HOPE's codes. The set moves to Ready (or
/// Failed with a short error) only after its results are stored, so the end notification reads them.
/// A lease per set (renewed in the background, fencing every write) keeps two processes from running the same set.
/// Workers run the same steps split into jobs: <see cref="PrepareAsync"/> and <see cref="StartRunAsync"/> once, the
/// analysis of the prepared media in chunks, then <see cref="SetResults.ScopeAsync"/> to plan matching and
/// <see cref="SetResults.CompleteAsync"/> with the face pairs the partitions found.
/// A set runs on the pipeline of the profile it recorded when it opened (<see cref="ISetAnalyzers"/>), from analysis to
/// the matching threshold, whatever its group's or the service's profile is by then.
/// </summary>
public sealed class ProcessSetHandler(IDoppelDatabase db, ISetAnalyzers analyzers, MediaFolder media, SetHandlers sets)
{
    /// <summary>Every set on one pipeline (a worker; a service with an explicit <c>--model</c>).</summary>
    public ProcessSetHandler(IDoppelDatabase db, IImageAnalyzer analyzer, MediaFolder media, SetHandlers sets)
        : this(db, new FixedSetAnalyzers(analyzer), media, sets)
    {
    }

    /// <summary>What one call did: ran the set (to Ready or Failed), found nothing to do (the set is not Processing,
    /// or gone), or found another process holding the set's lease (a queue retries later: the holder may be a killed
    /// worker whose lease has not expired yet).</summary>
    public enum Outcome
    {
        Ran,
        NothingToDo,
        HeldElsewhere,
    }

    public const string RunKind = "set-process";

    /// <summary>Images whose results are stored in one transaction.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Files registered per transaction (each registration is idempotent, so a set's list may be cut anywhere).</summary>
    public const int RegisterBatch = 256;

    public async Task<Outcome> RunAsync(TenantId tenant, Guid setId, CancellationToken cancellationToken = default)
    {
        var store = db.SetsFor(tenant);
        var set = await store.GetSetAsync(setId, cancellationToken);
        if (set is null || set.State != SetState.Processing)
            return Outcome.NothingToDo;
        HeldLease held;
        try
        {
            held = await HeldLease.AcquireAsync(db, CatalogDatabases.LeaseName(tenant, $"set-process/{setId:D}"), $"process set {setId:D}", cancellationToken: cancellationToken);
        }
        catch (CatalogLockedException)
        {
            return Outcome.HeldElsewhere;
        }
        await using var holding = held;
        var lease = held.Lease;
        var stores = db.For(tenant);
        IImageAnalyzer analyzer;
        long runId;
        try
        {
            analyzer = AnalyzerOf(set);
        }
        catch (ConflictException e)
        {
            // This process cannot run the set's profile: it fails visibly rather than mixing models.
            runId = await StartRunAsync(tenant, set, null, cancellationToken);
            await FailAsync(tenant, store, setId, runId, e.Message);
            return Outcome.Ran;
        }
        runId = await StartRunAsync(tenant, set, analyzer, cancellationToken);
        try
        {
            var images = await AllImagesAsync(store, setId, cancellationToken);
            await stores.Runs.UpdateAsync(runId, images.Count, cancellationToken);
            var resolved = await RegisterAsync(stores, images, cancellationToken);
            await AnalyseAsync(analyzer, stores, resolved, runId, lease, cancellationToken);
            await EmbedStaleAsync(analyzer, tenant, store, set, resolved, lease, cancellationToken);
            var mediaOfImage = resolved.ToDictionary(r => r.Key, r => r.Value.Id);
            var results = new SetResults(db, sets);
            var scope = await results.ScopeAsync(tenant, set, images, mediaOfImage, analyzer.EmbeddingModel, analyzer.EmbeddingModelVersion, analyzer.Profile, cancellationToken);
            var vectors = await results.VectorsAsync(tenant, scope, analyzer.EmbeddingModel, analyzer.EmbeddingModelVersion, cancellationToken);
            var facePairs = scope.Faces.Count > 1 ? VectorSearch.Exact.SelfJoin(vectors, scope.Threshold) : [];
            await results.CompleteAsync(tenant, setId, images, mediaOfImage, scope, facePairs, runId, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The process is stopping: the set stays Processing and the next start resumes it.
            await stores.Runs.FinishAsync(runId, RunState.Cancelled, cancellationToken: CancellationToken.None);
            throw;
        }
        catch (Exception e) when (DatabaseFaults.IsUnavailable(e))
        {
            // The catalog went away: not the set's fault. The set stays Processing; the caller resumes it when the
            // database is back (analysed images are stored, so only the rest runs again) in a new run, and this run is
            // recorded as cancelled once the database answers, rather than left Running.
            // Tried for as long as a lease lives: past it the resumed run has started, and a run left Running is history.
            var runs = stores.Runs;
            var why = $"the database became unavailable ({e.Message.Split('\n', 2)[0]}); the set resumes in a new run";
            _ = DatabaseFaults.RetryWhileUnavailableAsync(() => runs.FinishAsync(runId, RunState.Cancelled, why, CancellationToken.None),
                TimeSpan.FromSeconds(1), HeldLease.DefaultTimeToLive);
            throw;
        }
        catch (Exception e)
        {
            var error = e is FileNotFoundException or IOException or CatalogException or Doppel.Models.ModelNotInstalledException
                ? e.Message : $"{e.GetType().Name}: {e.Message}";
            await FailAsync(tenant, store, setId, runId, error);
        }
        return Outcome.Ran;
    }

    private async Task FailAsync(TenantId tenant, ISetStore store, Guid setId, long runId, string error)
    {
        error = error.Length <= 500 ? error : error[..500];
        await db.For(tenant).Runs.FinishAsync(runId, RunState.Failed, error, CancellationToken.None);
        var current = await store.GetSetAsync(setId, CancellationToken.None);
        if (current?.State == SetState.Processing)
            await sets.MoveAsync(tenant, current, SetAction.Fail, error, runId, CancellationToken.None);
    }

    /// <summary>The pipeline the set runs on: its recorded profile's (<see cref="RecordedProfile"/>).
    /// <see cref="ConflictException"/> when this process cannot run that profile.</summary>
    public IImageAnalyzer AnalyzerOf(DeduplicationSet set) => analyzers.For(RecordedProfile(set));

    /// <summary>The model profile the set recorded when it opened (<see cref="GroupSettings.ModelProfile"/> of its snapshot,
    /// which <see cref="SetHandlers"/> fills with the active profile). Null only for a set opened before sets recorded one:
    /// such a set runs on the processing process's own default (<see cref="ISetAnalyzers.For"/> of null: the service's
    /// active profile, a worker's start pipeline), as every set did then; it is the one fallback, taken here.</summary>
    public static Doppel.Vision.Embedding.ModelProfile? RecordedProfile(DeduplicationSet set) =>
        GroupSettings.FromJson(set.SettingsJson).ModelProfile is { } name ? Doppel.Vision.Embedding.ModelProfiles.Get(name) : null;

    /// <summary>The catalog run a processing of the set is counted in.</summary>
    public async Task<long> StartRunAsync(TenantId tenant, Guid setId, CancellationToken cancellationToken = default)
    {
        var set = await db.SetsFor(tenant).GetSetAsync(setId, cancellationToken) ?? throw new NotFoundException($"No deduplication set '{setId:D}'.");
        return await StartRunAsync(tenant, set, AnalyzerOf(set), cancellationToken);
    }

    /// <summary>The run records what the set runs with: its profile, the model and version of its vectors, and the
    /// cosine its faces are matched at.</summary>
    private Task<long> StartRunAsync(TenantId tenant, DeduplicationSet set, IImageAnalyzer? analyzer, CancellationToken cancellationToken) =>
        db.For(tenant).Runs.StartAsync(RunKind, JsonSerializer.Serialize(new
        {
            set = set.Id,
            profile = GroupSettings.FromJson(set.SettingsJson).ModelProfile,
            model = analyzer?.EmbeddingModel,
            model_version = analyzer?.EmbeddingModelVersion,
            threshold = analyzer is null ? (float?)null : CosineThreshold(set, analyzer.Profile),
        }), 0, cancellationToken);

    /// <summary>A set to process as the workers take it: the set, its images, and the media record of each image whose
    /// file exists (registered by content hash: idempotent, an image seen before keeps its record and is not analysed
    /// again). Null when the set is gone or not Processing.</summary>
    public sealed record Prepared(DeduplicationSet Set, IReadOnlyList<SetImage> Images, IReadOnlyDictionary<long, long> MediaOfImage);

    /// <summary>The first step of <see cref="RunAsync"/> on its own (registration), for workers that analyse in chunks.</summary>
    public async Task<Prepared?> PrepareAsync(TenantId tenant, Guid setId, CancellationToken cancellationToken = default)
    {
        var store = db.SetsFor(tenant);
        var set = await store.GetSetAsync(setId, cancellationToken);
        if (set is null || set.State != SetState.Processing)
            return null;
        var images = await AllImagesAsync(store, setId, cancellationToken);
        var resolved = await RegisterAsync(db.For(tenant), images, cancellationToken);
        return new Prepared(set, images, resolved.ToDictionary(r => r.Key, r => r.Value.Id));
    }

    /// <summary>The cosine the set's faces are matched at, from its group's settings (see <see cref="SetResults.ScopeAsync"/>).</summary>
    public static float CosineThreshold(DeduplicationSet set, Doppel.Vision.Embedding.RecognitionProfile profile) =>
        Confidence.CosineAt(GroupSettings.FromJson(set.SettingsJson).DuplicateConfidenceThreshold, profile.RawDedupThreshold);

    internal static async Task<List<SetImage>> AllImagesAsync(ISetStore store, Guid setId, CancellationToken cancellationToken)
    {
        var all = new List<SetImage>();
        while (true)
        {
            var page = await store.ListImagesAsync(setId, all.Count, 5000, cancellationToken);
            all.AddRange(page);
            if (page.Count < 5000)
                return all;
        }
    }

    /// <summary>The media record of each image whose file exists (keyed by image id); a missing file has none. A file is
    /// hashed here only when the catalog knows it (is it unchanged?), as <see cref="Ingest.RegisterMediaHandler"/> decides.</summary>
    private async Task<Dictionary<long, MediaFile>> RegisterAsync(ITenantStores stores, IReadOnlyList<SetImage> images, CancellationToken cancellationToken)
    {
        var found = new List<(SetImage Image, MediaEntry Entry)>();
        foreach (var image in images)
        {
            var path = media.PathOf(image.Filename);
            var info = new FileInfo(path);
            if (!info.Exists)
                continue;
            // A new file is registered unread and read once, by the analysis, which records the hash of the bytes it analysed.
            var key = new MediaKey(MediaSources.File, path);
            var known = await stores.Media.FindAsync(key, cancellationToken);
            bool hash = known is not null && RegisterMediaHandler.KnownNeedsHash(known, info.Length);
            found.Add((image, new MediaEntry(key, hash ? ContentHash.OfFile(path) : null, info.Length)));
        }
        var byId = new Dictionary<long, MediaFile>();
        // The same file under two reference ids is one media record.
        var entries = found.Select(f => f.Entry).DistinctBy(e => e.Key).ToList();
        // In transactions of RegisterBatch files: on SQLite a transaction holds the single writer, and requests that write
        // (registrations, decisions) wait for it, so the set never holds it for its whole image list at once.
        var byKey = new Dictionary<MediaKey, MediaFile>();
        foreach (var chunk in entries.Chunk(RegisterBatch))
            foreach (var r in await stores.Media.RegisterAsync(chunk, cancellationToken))
                byKey[r.Media.Key] = r.Media;
        foreach (var (image, entry) in found)
            byId[image.Id] = byKey[entry.Key];
        return byId;
    }

    /// <summary>Analyses the media not analysed before (in any set), fenced by the set's lease: a holder that lost it
    /// (paused past its expiry, taken over) writes nothing.</summary>
    private Task AnalyseAsync(IImageAnalyzer analyzer, ITenantStores stores, Dictionary<long, MediaFile> resolved, long runId, Lease lease, CancellationToken cancellationToken)
    {
        var pending = resolved.Values.Where(m => m.State == MediaState.Pending).DistinctBy(m => m.Id).ToList();
        return new AnalyseMediaHandler(stores, LocalFolderMediaStore.Instance, analyzer).HandleAsync(pending, runId, BatchSize, lease.Fence, cancellationToken);
    }

    /// <summary>
    /// Faces of the set's images and of the group's approved images that have no vector of the running model version
    /// (analysed before a new version was published, or by another profile) are embedded again from their stored
    /// landmarks, the path dedup takes (<see cref="EmbedMissingHandler"/>): matching reads only the running version's
    /// vectors, so without this such an image would silently match nothing, and with it two versions are never compared.
    /// </summary>
    private async Task EmbedStaleAsync(IImageAnalyzer analyzer, TenantId tenant, ISetStore store, DeduplicationSet set, Dictionary<long, MediaFile> resolved, Lease lease, CancellationToken cancellationToken)
    {
        var reference = await store.ListReferenceImagesAsync(set.GroupId, cancellationToken);
        var mediaIds = resolved.Values.Select(m => m.Id).Concat(reference.Where(i => i.MediaId is not null).Select(i => i.MediaId!.Value)).ToHashSet();
        if (mediaIds.Count == 0)
            return;
        await new EmbedMissingHandler(db, tenant, LocalFolderMediaStore.Instance).HandleAsync(analyzer.EmbeddingModel, analyzer.EmbeddingModelVersion,
            () =>
            {
                analyzer.Load();
                return analyzer.Embedder;
            }, mediaIds, lease.Fence, cancellationToken);
    }
}
