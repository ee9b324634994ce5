using Doppel.Matching.Persons;
using Doppel.Storage;
using MatchingPerson = Doppel.Matching.Persons.Person;

namespace Doppel.Jobs.Persons;

/// <summary>What a recognise or recluster run changed.</summary>
public sealed record RecognizeOutcome(int Faces, int Assigned, int Waiting, int Persons, int CreatedPersons);

/// <summary>
/// Groups the catalog's faces into persons (the DeepFrame seed's "recognize" and "recluster"
/// modes). Incremental: faces without a person join the person of their nearest labelled neighbour
/// within the distance, core faces with none found new persons, the rest wait. Recluster: DBSCAN over
/// all faces that keeps every person id and name. Both never undo a manual decision: a pinned face
/// stays where a reviewer put it, and a face is never given a person it was removed from.
/// </summary>
public sealed class RecognizeJob(ICatalog catalog)
{
    /// <summary>The lock every writer of persons takes: this job, and a reviewer's rename, pin, remove, merge and split.</summary>
    public const string PersonsLock = "persons";

    public RecognizeOutcome Run(string model, PersonOptions options, bool recluster)
    {
        using var personsLock = catalog.AcquireLock(PersonsLock, recluster ? "recluster" : "recognize");
        var records = catalog.ListFaces().ToDictionary(f => f.Id);
        var faces = catalog.ReadFaceVectors(model).Select(v =>
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

        int assigned = result.PersonOfFace.Count(kv => kv.Value is not null);
        return new RecognizeOutcome(faces.Count, assigned, faces.Count - assigned, result.Persons.Count(p => p.FaceCount > 0), result.CreatedPersonIds.Count);
    }
}
