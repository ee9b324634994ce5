using Doppel.Jobs.Persons;
using Doppel.Matching.Persons;
using Doppel.Storage;
using MatchingPerson = Doppel.Matching.Persons.Person;

namespace Doppel.Application.Persons;

/// <summary>
/// Use case "recognise" / "recluster" (the DeepFrame seed's modes): group the tenant's faces into persons,
/// incrementally (faces without a person join their nearest labelled neighbour's, core faces found new persons)
/// or by reclustering everything while keeping every person id and name. A reviewer's decisions hold through
/// what they wrote on the faces (pins, exclusions); the history is never replayed, and the decisions that
/// name faces since gone are reported (<see cref="StaleDecision"/>). Holds the "persons" lease and writes
/// its result in one unit of work fenced by it.
/// </summary>
public sealed class RecognizeHandler(IDoppelDatabase db, TenantId tenant)
{
    /// <summary>The lease every writer of persons takes: this handler, and a reviewer's rename, pin, remove, merge and split.</summary>
    public const string PersonsLock = "persons";

    /// <summary>Faces whose stored quality is below this are not matched: they keep whatever person they have and
    /// found none (faces stored without a quality take part). Null: all faces take part.</summary>
    public float? MinQuality { get; init; }

    /// <param name="model">The recogniser (an ensemble's weights kept, as profiles name it) or the name its vectors are stored
    /// under; vectors are read under the stored name, levels come from the recogniser's profile.</param>
    public async Task<RecognizeOutcome> HandleAsync(string model, PersonOptions options, bool recluster, CancellationToken cancellationToken = default)
    {
        await using var lease = await HeldLease.AcquireAsync(db, CatalogDatabases.LeaseName(tenant, PersonsLock), recluster ? "recluster" : "recognize",
            cancellationToken: cancellationToken).ConfigureAwait(false);
        var stores = db.For(tenant);
        var records = (await stores.Faces.ListAsync(Page.All, cancellationToken).ConfigureAwait(false)).ToDictionary(f => f.Id);
        var faces = new List<FaceState>();
        int lowQuality = 0;
        await foreach (var v in stores.Faces.ReadFaceVectorsAsync(Doppel.Vision.Embedding.EmbedderRegistry.StoredName(model), true, cancellationToken).ConfigureAwait(false))
        {
            if (MinQuality is float min && v.Quality is float q && q < min)
            {
                lowQuality++;
                continue;
            }
            var record = records[v.FaceId];
            bool pinned = v.PinnedPersonId is not null;
            // A face removed from its person is unassigned until clustering finds it another one.
            var current = pinned ? v.PinnedPersonId : v.PersonId is long p && record.ExcludedPersonIds.Contains(p) ? null : v.PersonId;
            faces.Add(new FaceState(v.FaceId, v.Vector, current, pinned, record.ExcludedPersonIds.Count > 0 ? record.ExcludedPersonIds.ToHashSet() : null, v.Quality));
        }
        // Incremental assignment is order-dependent (the first core face of an identity founds its person), and
        // face ids follow the order in which the parallel pipeline finished its images, which varies with load
        // and cores. Media ids follow the sorted scan, so this order gives the same persons on every run.
        faces.Sort((x, y) => (records[x.FaceId].MediaId, x.FaceId).CompareTo((records[y.FaceId].MediaId, y.FaceId)));
        if (recluster && options.AverageLinkage && options.LevelOffsets is null)
            options = options with { LevelOffsets = await LevelOffsetsAsync(stores, model, faces, cancellationToken).ConfigureAwait(false) };
        var persons = (await stores.Persons.ListAsync(Page.All, cancellationToken).ConfigureAwait(false)).Select(p => new MatchingPerson(p.Id, p.Name)).ToList();
        var result = recluster ? PersonClustering.Recluster(faces, persons, options) : PersonClustering.AssignIncremental(faces, persons, options);

        await using (var uow = await stores.BeginAsync(lease.Fence, cancellationToken).ConfigureAwait(false))
        {
            // The algorithm numbers new persons itself; the catalog gives them their real ids.
            var realId = new Dictionary<long, long>();
            foreach (var id in result.CreatedPersonIds)
                realId[id] = await uow.Persons.CreateAsync(null, null, cancellationToken).ConfigureAwait(false);
            long? Map(long? id) => id is long v && realId.TryGetValue(v, out var real) ? real : id;
            await uow.Faces.AssignPersonsAsync(result.PersonOfFace.Select(kv => (kv.Key, Map(kv.Value))).ToList(), cancellationToken).ConfigureAwait(false);
            foreach (var summary in result.Persons)
                if (Map(summary.PersonId) is long id && await uow.Persons.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } stored)
                    await uow.Persons.UpdateAsync(id, stored.Name, summary.RepresentativeFaceId, cancellationToken).ConfigureAwait(false);
            await uow.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var names = (await stores.Persons.ListAsync(Page.All, cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.Id, p => p.Name);
        var stale = StaleDecision.Find(await stores.Persons.ListDecisionsAsync(cancellationToken).ConfigureAwait(false), records.Keys.ToHashSet(), id => names.GetValueOrDefault(id));
        int assigned = result.PersonOfFace.Count(kv => kv.Value is not null);
        return new RecognizeOutcome(faces.Count, assigned, faces.Count - assigned, result.Persons.Count(p => p.FaceCount > 0), result.CreatedPersonIds.Count, stale)
        {
            LowQuality = lowQuality,
        };
    }

    /// <summary>Each face's level against the model's profile cohort, minus the profile's reference level (as the dedup
    /// scores pairs), in <paramref name="faces"/>' order. A face whose vector another version made (no cohort of it) gets
    /// the reference level, offset 0: raw cosine, never levels against another version's vectors. Null when the profile
    /// does not normalise. Work: one dot product per face and cohort member (dlib: 3,443), recluster only.</summary>
    private static async Task<float[]?> LevelOffsetsAsync(ITenantStores stores, string model, List<FaceState> faces, CancellationToken cancellationToken)
    {
        var profile = Doppel.Vision.Embedding.RecognitionProfiles.For(model);
        if (profile.Normalisation is not { } normalisation || faces.Count == 0)
            return null;
        // One cohort per vector version (a fusion's are made of its members'), looked up once per version.
        var cohorts = new Dictionary<string, Doppel.Matching.ReferenceCohort?>(StringComparer.Ordinal);
        var cohortOf = new Dictionary<long, Doppel.Matching.ReferenceCohort>();
        await foreach (var e in stores.Faces.ReadEmbeddingsAsync(Doppel.Vision.Embedding.EmbedderRegistry.StoredName(model), cancellationToken).ConfigureAwait(false))
        {
            if (!cohorts.TryGetValue(e.ModelVersion, out var cohort))
                cohorts[e.ModelVersion] = cohort = profile.CohortFor(e.ModelVersion);
            if (cohort is not null)
                cohortOf[e.FaceId] = cohort;
        }
        var offsets = new float[faces.Count];
        Parallel.For(0, faces.Count, new ParallelOptions { CancellationToken = cancellationToken }, () => (float[]?)null, (i, _, scratch) =>
        {
            if (cohortOf.TryGetValue(faces[i].FaceId, out var cohort) && faces[i].Vector.Length == cohort.Dimension)
            {
                scratch ??= new float[cohort.Count];
                offsets[i] = normalisation.Level(Unit(faces[i].Vector), cohort, scratch) - normalisation.FallbackLevel;
            }
            return scratch;
        }, _ => { });
        return offsets;
    }

    private static float[] Unit(float[] v)
    {
        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(v);
        return norm is > 0 and not 1f ? [.. v.Select(x => x / norm)] : v;
    }
}
