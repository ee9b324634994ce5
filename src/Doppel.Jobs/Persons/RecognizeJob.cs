using Doppel.Matching.Persons;
using Doppel.Storage;
using MatchingPerson = Doppel.Matching.Persons.Person;

namespace Doppel.Jobs.Persons;

/// <summary>What a recognise or recluster run changed, and the reviewer's decisions that name faces
/// which are gone (see <see cref="StaleDecision"/>).</summary>
public sealed record RecognizeOutcome(int Faces, int Assigned, int Waiting, int Persons, int CreatedPersons, IReadOnlyList<StaleDecision> StaleDecisions)
{
    /// <summary>Faces left out because their quality is below <see cref="RecognizeJob.MinQuality"/>.</summary>
    public int LowQuality { get; init; }
}

/// <summary>
/// Groups the catalog's faces into persons (the DeepFrame seed's "recognize" and "recluster"
/// modes). Incremental: faces without a person join the person of their nearest labelled neighbour
/// within the distance, core faces with none found new persons, the rest wait. Recluster: DBSCAN over
/// all faces that keeps every person id and name. Both never undo a manual decision: a pinned face
/// stays where a reviewer put it, and a face is never given a person it was removed from.
///
/// Manual decisions are applied through what they wrote on the faces: a merge or split pins its faces,
/// a pin pins one, a removal excludes one; the newest correction of a face is the one it carries. The
/// history (<see cref="ICatalog.ListPersonDecisions"/>) is never replayed, which would undo later
/// corrections. A face deleted because its photo changed or was detected again takes its pin with it,
/// and its id is never given to another face (schema version 4), so nothing of the decision reaches the
/// new faces. The history is left as the reviewer made it (reported, not cleaned): each run lists the
/// decisions naming faces that are gone, in <see cref="RecognizeOutcome.StaleDecisions"/>.
/// </summary>
public sealed class RecognizeJob(ICatalog catalog)
{
    /// <summary>The lock every writer of persons takes: this job, and a reviewer's rename, pin, remove, merge and split.</summary>
    public const string PersonsLock = "persons";

    /// <summary>Faces whose stored quality is below this are not matched: they keep whatever person they
    /// have and found none (faces stored without a quality take part). Null: all faces take part.</summary>
    public float? MinQuality { get; init; }

    public RecognizeOutcome Run(string model, PersonOptions options, bool recluster)
    {
        using var personsLock = catalog.AcquireLock(PersonsLock, recluster ? "recluster" : "recognize");
        var records = catalog.ListFaces().ToDictionary(f => f.Id);
        var vectors = catalog.ReadFaceVectors(model).ToList();
        int lowQuality = MinQuality is float min ? vectors.RemoveAll(v => v.Quality is float q && q < min) : 0;
        var faces = vectors.Select(v =>
        {
            var record = records[v.FaceId];
            bool pinned = v.PinnedPersonId is not null;
            // A face removed from its person is unassigned until clustering finds it another one.
            var current = pinned ? v.PinnedPersonId : v.PersonId is long p && record.ExcludedPersonIds.Contains(p) ? null : v.PersonId;
            return new FaceState(v.FaceId, v.Vector, current, pinned,
                record.ExcludedPersonIds.Count > 0 ? record.ExcludedPersonIds.ToHashSet() : null, v.Quality);
        }).ToList();
        var persons = catalog.ListPersons().Select(p => new MatchingPerson(p.Id, p.Name)).ToList();
        var result = recluster
            ? PersonClustering.Recluster(faces, persons, options)
            : PersonClustering.AssignIncremental(faces, persons, options);

        using var transaction = catalog.BeginTransaction();
        // The algorithm numbers new persons itself; the catalog gives them their real ids.
        var realId = result.CreatedPersonIds.ToDictionary(id => id, _ => catalog.CreatePerson(null));
        long? Map(long? id) => id is long v && realId.TryGetValue(v, out var real) ? real : id;
        catalog.AssignPersons(result.PersonOfFace.Select(kv => (kv.Key, Map(kv.Value))).ToList());
        foreach (var summary in result.Persons)
            if (Map(summary.PersonId) is long id && catalog.GetPerson(id) is { } stored)
                catalog.UpdatePerson(id, stored.Name, summary.RepresentativeFaceId);
        transaction.Commit();

        var names = catalog.ListPersons().ToDictionary(p => p.Id, p => p.Name);
        var stale = StaleDecision.Find(catalog.ListPersonDecisions(), records.Keys.ToHashSet(), id => names.GetValueOrDefault(id));
        int assigned = result.PersonOfFace.Count(kv => kv.Value is not null);
        return new RecognizeOutcome(faces.Count, assigned, faces.Count - assigned, result.Persons.Count(p => p.FaceCount > 0), result.CreatedPersonIds.Count, stale)
        {
            LowQuality = lowQuality,
        };
    }
}
