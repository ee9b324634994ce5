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
/// </summary>
public sealed class ProcessSetHandler(IDoppelDatabase db, IImageAnalyzer analyzer, MediaFolder media, SetHandlers sets)
{
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
        await using var _ = held;
        var lease = held.Lease;
        var stores = db.For(tenant);
        long runId = await stores.Runs.StartAsync(RunKind, JsonSerializer.Serialize(new { set = setId, model = analyzer.EmbeddingModel }), 0, cancellationToken);
        try
        {
            var settings = GroupSettings.FromJson(set.SettingsJson);
            var images = await AllImagesAsync(store, setId, cancellationToken);
            await stores.Runs.UpdateAsync(runId, images.Count, cancellationToken);
            var resolved = await RegisterAsync(stores, images, cancellationToken);
            await AnalyseAsync(stores, resolved, runId, lease, cancellationToken);
            await EmbedStaleAsync(tenant, store, set, resolved, lease, cancellationToken);
            var statuses = await StatusesAsync(stores, images, resolved, settings, cancellationToken);
            var findings = await MatchAsync(store, stores, set, images, resolved, statuses, settings, cancellationToken);
            await store.SaveImageResultsAsync(images.Select(i => new SetImageResult(i.Id, resolved.GetValueOrDefault(i.Id)?.Id, statuses[i.Id])).ToList(), cancellationToken);
            await store.ReplaceFindingsAsync(setId, findings, cancellationToken);
            await stores.Runs.FinishAsync(runId, RunState.Completed, cancellationToken: cancellationToken);
            var current = await store.GetSetAsync(setId, cancellationToken);
            if (current?.State == SetState.Processing)
                await sets.MoveAsync(tenant, current, SetAction.Complete, runId: runId, cancellationToken: cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The process is stopping: the set stays Processing and the next start resumes it.
            await stores.Runs.FinishAsync(runId, RunState.Cancelled, cancellationToken: CancellationToken.None);
            throw;
        }
        catch (Exception e)
        {
            var error = e is FileNotFoundException or IOException or CatalogException or Doppel.Models.ModelNotInstalledException
                ? e.Message : $"{e.GetType().Name}: {e.Message}";
            error = error.Length <= 500 ? error : error[..500];
            await stores.Runs.FinishAsync(runId, RunState.Failed, error, CancellationToken.None);
            var current = await store.GetSetAsync(setId, CancellationToken.None);
            if (current?.State == SetState.Processing)
                await sets.MoveAsync(tenant, current, SetAction.Fail, error, runId, CancellationToken.None);
        }
        return Outcome.Ran;
    }

    private static async Task<List<SetImage>> AllImagesAsync(ISetStore store, Guid setId, CancellationToken cancellationToken)
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
        var registered = entries.Count == 0 ? [] : await stores.Media.RegisterAsync(entries, cancellationToken);
        var byKey = registered.ToDictionary(r => r.Media.Key, r => r.Media);
        foreach (var (image, entry) in found)
            byId[image.Id] = byKey[entry.Key];
        return byId;
    }

    /// <summary>Analyses the media not analysed before (in any set), fenced by the set's lease: a holder that lost it
    /// (paused past its expiry, taken over) writes nothing.</summary>
    private Task AnalyseAsync(ITenantStores stores, Dictionary<long, MediaFile> resolved, long runId, Lease lease, CancellationToken cancellationToken)
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
    private async Task EmbedStaleAsync(TenantId tenant, ISetStore store, DeduplicationSet set, Dictionary<long, MediaFile> resolved, Lease lease, CancellationToken cancellationToken)
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

    /// <summary>HOPE's status code of every image: 404 file not found, 412 no face, 416 face below the detection
    /// confidence, 417 face too small, 418 quality below the threshold, 429 several faces, 500 unreadable; 200 usable.</summary>
    private static async Task<Dictionary<long, int>> StatusesAsync(ITenantStores stores, IReadOnlyList<SetImage> images, Dictionary<long, MediaFile> resolved,
        GroupSettings settings, CancellationToken cancellationToken)
    {
        var mediaIds = resolved.Values.Select(m => m.Id).Distinct().ToList();
        var current = (await stores.Media.GetManyAsync(mediaIds, cancellationToken)).ToDictionary(m => m.Id);
        var bestFace = (await stores.Faces.ListOfMediaAsync(mediaIds, cancellationToken))
            .GroupBy(f => f.MediaId).ToDictionary(g => g.Key, g => g.MaxBy(f => f.DetectorScore)!);
        var result = new Dictionary<long, int>();
        foreach (var image in images)
        {
            if (!resolved.TryGetValue(image.Id, out var m) || !current.TryGetValue(m.Id, out var file))
            {
                result[image.Id] = 404;
                continue;
            }
            int code = file.ReasonCode switch
            {
                "ok" => 200,
                "no_face" => 412,
                "low_confidence" => 416,
                "face_too_small" => 417,
                "several_faces" => 429,
                _ => 500,
            };
            if (code == 200 && bestFace.TryGetValue(file.Id, out var face))
            {
                if (face.DetectorScore < settings.FaceDetectionConfidenceThreshold)
                    code = 416;
                else if (settings.UnifiedQualityScoreThreshold > 0 && face.Quality is { } q && q < settings.UnifiedQualityScoreThreshold)
                    code = 418;
            }
            else if (code == 200)
                code = 412;
            result[image.Id] = code;
        }
        return result;
    }

    private async Task<List<NewSetFinding>> MatchAsync(ISetStore store, ITenantStores stores, DeduplicationSet set, IReadOnlyList<SetImage> images,
        Dictionary<long, MediaFile> resolved, Dictionary<long, int> statuses, GroupSettings settings, CancellationToken cancellationToken)
    {
        var findings = images.Where(i => statuses[i.Id] != 200)
            .Select(i => new NewSetFinding(i.Id, null, 0f, 0f, statuses[i.Id])).ToList();
        var usable = images.Where(i => statuses[i.Id] == 200).ToList();
        // Approved sets of the group are reference data: matched against, never re-matched among themselves.
        var reference = (await store.ListReferenceImagesAsync(set.GroupId, cancellationToken)).Where(i => i.StatusCode == 200 && i.MediaId is not null).ToList();
        var mediaOfImage = usable.ToDictionary(i => i.Id, i => resolved[i.Id].Id);
        foreach (var image in reference)
            mediaOfImage[image.Id] = image.MediaId!.Value;

        var isReference = reference.Select(i => i.Id).ToHashSet();
        var allImages = usable.Concat(reference).Where(i => mediaOfImage.ContainsKey(i.Id)).ToList();
        var imagesOfMedia = allImages.GroupBy(i => mediaOfImage[i.Id]).ToDictionary(g => g.Key, g => g.ToList());
        var faces = await stores.Faces.ListOfMediaAsync(imagesOfMedia.Keys.ToList(), cancellationToken);
        var faceMedia = faces.ToDictionary(f => f.Id, f => f.MediaId);

        var vectors = new VectorSet(dimension: 1, capacity: 1);
        var refs = new List<FaceRef>();
        await foreach (var e in stores.Faces.ReadEmbeddingsAsync(analyzer.EmbeddingModel, cancellationToken))
        {
            if (e.ModelVersion != analyzer.EmbeddingModelVersion || !faceMedia.TryGetValue(e.FaceId, out var mediaId))
                continue;
            if (refs.Count == 0)
                vectors = new VectorSet(e.Dimension, faces.Count);
            vectors.Add(e.FaceId, e.Vector);
            refs.Add(new FaceRef(e.FaceId, mediaId));
        }
        // HOPE's score is a 0–1 similarity: the raw cosine, with 0.5 confidence at the profile's raw-cosine dedup
        // threshold (dlib 0.946). The analyzer's DefaultThreshold is the profile's dedup threshold, which for a
        // normalising profile is on the normalised score (dlib 0.0343), not a cosine: as a cosine it kept every pair.
        float modelThreshold = analyzer.Profile.RawDedupThreshold;
        float threshold = Confidence.CosineAt(settings.DuplicateConfidenceThreshold, modelThreshold);
        var facePairs = refs.Count > 1 ? VectorSearch.Exact.SelfJoin(vectors, threshold) : [];
        var mediaPairs = ImagePairs.FromFacePairs(facePairs, refs);

        var ignored = (await store.ListIgnoredAsync(set.GroupId, cancellationToken))
            .Select(p => (p.Kind, p.First, p.Second)).ToHashSet();
        bool Ignored(SetImage a, SetImage b) =>
            ignored.Contains((IgnoredKeyKind.ReferencePk, Min(a.ReferencePk, b.ReferencePk), Max(a.ReferencePk, b.ReferencePk))) ||
            ignored.Contains((IgnoredKeyKind.Filename, Min(a.Filename, b.Filename), Max(a.Filename, b.Filename)));

        foreach (var pair in mediaPairs)
            foreach (var a in imagesOfMedia[pair.MediaA])
                foreach (var b in imagesOfMedia[pair.MediaB])
                    AddPair(a, b, pair.Score);
        // The same file registered under two reference ids is a duplicate of itself.
        foreach (var group in imagesOfMedia.Values.Where(g => g.Count > 1))
            for (int i = 0; i < group.Count; i++)
                for (int j = i + 1; j < group.Count; j++)
                    AddPair(group[i], group[j], 1f);
        return findings;

        void AddPair(SetImage a, SetImage b, float score)
        {
            if ((isReference.Contains(a.Id) && isReference.Contains(b.Id)) || Ignored(a, b))
                return;
            // The set's own image goes first; between two of its own, the older registration.
            var (first, second) = isReference.Contains(a.Id) || (!isReference.Contains(b.Id) && b.Id < a.Id) ? (b, a) : (a, b);
            findings.Add(new NewSetFinding(first.Id, second.Id, score, Confidence.Of(score, modelThreshold), 200));
        }
    }

    private static string Min(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? a : b;

    private static string Max(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? b : a;
}
