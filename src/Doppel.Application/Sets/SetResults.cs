using Doppel.Jobs.Dedup;
using Doppel.Matching;
using Doppel.Storage;

namespace Doppel.Application.Sets;

/// <summary>
/// The second half of processing a set (<see cref="ProcessSetHandler"/>), after its images are analysed: which faces
/// are matched (<see cref="ScopeAsync"/>: HOPE's status of every image, then the faces of the usable images and of the
/// group's approved sets), and the results from the face pairs found among them (<see cref="CompleteAsync"/>: image
/// pairs, the group's ignore list, statuses and findings stored, the set moved to Ready with its events). The service
/// runs it in-process with one self-join; workers run the join as partitions and call the same steps, so the rules
/// live here once and the findings are the same either way.
/// </summary>
public sealed class SetResults(IDoppelDatabase db, SetHandlers sets)
{
    /// <summary>What matching covers: each image's status, the faces to match (face-id order, the order the workers
    /// freeze), the cosine to match at, and the image lookups the findings need.</summary>
    public sealed record Scope(
        IReadOnlyDictionary<long, int> Statuses,
        IReadOnlyList<FaceRef> Faces,
        float Threshold,
        float ModelThreshold,
        IReadOnlyDictionary<long, List<SetImage>> ImagesOfMedia,
        IReadOnlySet<long> ReferenceImages,
        IReadOnlySet<(IgnoredKeyKind Kind, string First, string Second)> Ignored);

    /// <summary>The set (null when gone) and all its images.</summary>
    public async Task<(DeduplicationSet? Set, IReadOnlyList<SetImage> Images)> SetAndImagesAsync(TenantId tenant, Guid setId, CancellationToken cancellationToken = default)
    {
        var store = db.SetsFor(tenant);
        var set = await store.GetSetAsync(setId, cancellationToken);
        return set is null ? (null, []) : (set, await ProcessSetHandler.AllImagesAsync(store, setId, cancellationToken));
    }

    /// <param name="mediaOfImage">Image id → media record of every image whose file was found.</param>
    /// <param name="modelVersion">The version the set's vectors are made with: faces without a vector of it are not matched.</param>
    /// <param name="profile">The recognition profile of the recogniser the set was opened with (its analyzer's; a work set's
    /// <c>Profile</c>): never derived from <paramref name="model"/>, the stored name, which drops an ensemble's weights.</param>
    public async Task<Scope> ScopeAsync(TenantId tenant, DeduplicationSet set, IReadOnlyList<SetImage> images, IReadOnlyDictionary<long, long> mediaOfImage,
        string model, string modelVersion, Doppel.Vision.Embedding.RecognitionProfile profile, CancellationToken cancellationToken = default)
    {
        var store = db.SetsFor(tenant);
        var stores = db.For(tenant);
        var settings = GroupSettings.FromJson(set.SettingsJson);
        var statuses = await StatusesAsync(stores, images, mediaOfImage, settings, cancellationToken);
        var usable = images.Where(i => statuses[i.Id] == 200).ToList();
        // Approved sets of the group are reference data: matched against, never re-matched among themselves.
        var reference = (await store.ListReferenceImagesAsync(set.GroupId, cancellationToken)).Where(i => i.StatusCode == 200 && i.MediaId is not null).ToList();
        var mediaOf = usable.ToDictionary(i => i.Id, i => mediaOfImage[i.Id]);
        foreach (var image in reference)
            mediaOf[image.Id] = image.MediaId!.Value;
        var allImages = usable.Concat(reference).Where(i => mediaOf.ContainsKey(i.Id)).ToList();
        var imagesOfMedia = allImages.GroupBy(i => mediaOf[i.Id]).ToDictionary(g => g.Key, g => g.ToList());
        var ofMedia = await stores.Faces.ListOfMediaAsync(imagesOfMedia.Keys.ToList(), cancellationToken);
        var withVector = await stores.Faces.FacesWithEmbeddingAsync(model, modelVersion, ofMedia.Select(f => f.Id).ToList(), cancellationToken);
        var faces = ofMedia.Where(f => withVector.Contains(f.Id)).OrderBy(f => f.Id).Select(f => new FaceRef(f.Id, f.MediaId)).ToList();
        var ignored = (await store.ListIgnoredAsync(set.GroupId, cancellationToken)).Select(p => (p.Kind, p.First, p.Second)).ToHashSet();
        // HOPE's score is a 0–1 similarity: the raw cosine, with 0.5 confidence at the profile's raw-cosine dedup
        // threshold (dlib 0.946). The analyzer's DefaultThreshold is the profile's dedup threshold, which for a
        // normalising profile is on the normalised score (dlib 0.0343), not a cosine: as a cosine it kept every pair.
        float modelThreshold = profile.RawDedupThreshold;
        return new Scope(statuses, faces, Confidence.CosineAt(settings.DuplicateConfidenceThreshold, modelThreshold), modelThreshold,
            imagesOfMedia, reference.Select(i => i.Id).ToHashSet(), ignored);
    }

    /// <summary>The scope's faces' vectors, rows in <see cref="Scope.Faces"/> order.</summary>
    public async Task<VectorSet> VectorsAsync(TenantId tenant, Scope scope, string model, string modelVersion, CancellationToken cancellationToken = default)
    {
        var row = scope.Faces.Select((f, i) => (f.FaceId, i)).ToDictionary(x => x.FaceId, x => x.i);
        var vectors = new float[scope.Faces.Count][];
        await foreach (var e in db.For(tenant).Faces.ReadEmbeddingsAsync(model, cancellationToken))
            if (e.ModelVersion == modelVersion && row.TryGetValue(e.FaceId, out var r))
                vectors[r] = e.Vector;
        var set = new VectorSet(vectors.Length == 0 ? 1 : vectors[0].Length, Math.Max(1, vectors.Length));
        for (int i = 0; i < vectors.Length; i++)
            set.Add(scope.Faces[i].FaceId, vectors[i] ?? throw new InvalidOperationException($"Face {scope.Faces[i].FaceId} lost its vector while the set was matched."));
        return set;
    }

    /// <summary>Stores the set's results from the face pairs found among <see cref="Scope.Faces"/> (rows, A &lt; B, raw
    /// cosines at or above the scope's threshold), ends the run and moves the set to Ready (its events queue the
    /// webhooks). Safe to repeat: results and findings are replaced, and a set no longer Processing is not moved.</summary>
    public async Task CompleteAsync(TenantId tenant, Guid setId, IReadOnlyList<SetImage> images, IReadOnlyDictionary<long, long> mediaOfImage, Scope scope,
        IReadOnlyList<ScoredPair> facePairs, long runId, CancellationToken cancellationToken = default)
    {
        var store = db.SetsFor(tenant);
        await store.SaveImageResultsAsync(images.Select(i => new SetImageResult(i.Id, mediaOfImage.TryGetValue(i.Id, out var m) ? m : null, scope.Statuses[i.Id])).ToList(), cancellationToken);
        await store.ReplaceFindingsAsync(setId, FindingsOf(images, scope, facePairs), cancellationToken);
        await db.For(tenant).Runs.FinishAsync(runId, RunState.Completed, cancellationToken: cancellationToken);
        var current = await store.GetSetAsync(setId, cancellationToken);
        if (current?.State == SetState.Processing)
            await sets.MoveAsync(tenant, current, SetAction.Complete, runId: runId, cancellationToken: cancellationToken);
    }

    private static List<NewSetFinding> FindingsOf(IReadOnlyList<SetImage> images, Scope scope, IReadOnlyList<ScoredPair> facePairs)
    {
        var findings = images.Where(i => scope.Statuses[i.Id] != 200)
            .Select(i => new NewSetFinding(i.Id, null, 0f, 0f, scope.Statuses[i.Id])).ToList();
        bool Ignored(SetImage a, SetImage b) =>
            scope.Ignored.Contains((IgnoredKeyKind.ReferencePk, Min(a.ReferencePk, b.ReferencePk), Max(a.ReferencePk, b.ReferencePk))) ||
            scope.Ignored.Contains((IgnoredKeyKind.Filename, Min(a.Filename, b.Filename), Max(a.Filename, b.Filename)));

        foreach (var pair in ImagePairs.FromFacePairs(facePairs, scope.Faces))
            foreach (var a in scope.ImagesOfMedia[pair.MediaA])
                foreach (var b in scope.ImagesOfMedia[pair.MediaB])
                    AddPair(a, b, pair.Score);
        // The same file registered under two reference ids is a duplicate of itself.
        foreach (var group in scope.ImagesOfMedia.Values.Where(g => g.Count > 1))
            for (int i = 0; i < group.Count; i++)
                for (int j = i + 1; j < group.Count; j++)
                    AddPair(group[i], group[j], 1f);
        return findings;

        void AddPair(SetImage a, SetImage b, float score)
        {
            if ((scope.ReferenceImages.Contains(a.Id) && scope.ReferenceImages.Contains(b.Id)) || Ignored(a, b))
                return;
            // The set's own image goes first; between two of its own, the older registration.
            var (first, second) = scope.ReferenceImages.Contains(a.Id) || (!scope.ReferenceImages.Contains(b.Id) && b.Id < a.Id) ? (b, a) : (a, b);
            findings.Add(new NewSetFinding(first.Id, second.Id, score, Confidence.Of(score, scope.ModelThreshold), 200));
        }
    }

    /// <summary>HOPE's status code of every image: 404 file not found, 412 no face, 416 face below the detection
    /// confidence, 417 face too small, 418 quality below the threshold, 429 several faces, 500 unreadable; 200 usable.</summary>
    private static async Task<Dictionary<long, int>> StatusesAsync(ITenantStores stores, IReadOnlyList<SetImage> images, IReadOnlyDictionary<long, long> mediaOfImage,
        GroupSettings settings, CancellationToken cancellationToken)
    {
        var mediaIds = mediaOfImage.Values.Distinct().ToList();
        var current = (await stores.Media.GetManyAsync(mediaIds, cancellationToken)).ToDictionary(m => m.Id);
        var bestFace = (await stores.Faces.ListOfMediaAsync(mediaIds, cancellationToken))
            .GroupBy(f => f.MediaId).ToDictionary(g => g.Key, g => g.MaxBy(f => f.DetectorScore)!);
        var result = new Dictionary<long, int>();
        foreach (var image in images)
        {
            if (!mediaOfImage.TryGetValue(image.Id, out var m) || !current.TryGetValue(m, out var file))
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

    private static string Min(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? a : b;

    private static string Max(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? b : a;
}
