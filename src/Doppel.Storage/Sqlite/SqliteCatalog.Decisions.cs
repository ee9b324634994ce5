using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite;

/// <summary>A reviewer's merges and splits of persons: their effect goes into the face rows as pins
/// (what clustering obeys), their record into <c>person_decisions</c> (the history).</summary>
public sealed partial class SqliteCatalog
{
    /// <summary>The faces that are a person's: pinned to it, or assigned to it and pinned nowhere else.</summary>
    private static string MemberOf(string personParameter) =>
        $"(pinned_person_id = {personParameter} OR (pinned_person_id IS NULL AND person_id = {personParameter}))";

    public void MergePersons(long intoPersonId, long mergedPersonId, string? decidedBy = null)
    {
        if (intoPersonId == mergedPersonId)
            throw new ArgumentException($"Cannot merge person {intoPersonId} into itself.");
        Write(() =>
        {
            var into = RequirePerson(intoPersonId);
            var merged = RequirePerson(mergedPersonId);
            var movedFaces = Query($"SELECT id FROM faces WHERE {MemberOf("@b")} ORDER BY id", r => r.GetInt64(0), ("@b", mergedPersonId));
            // Both persons' faces are pinned: the merge is a verdict on all of them, and a pin is what
            // clustering never undoes, so no later recluster can split the merged person again.
            Execute($"UPDATE faces SET person_id = @a, pinned_person_id = @a WHERE {MemberOf("@a")} OR {MemberOf("@b")}",
                ("@a", intoPersonId), ("@b", mergedPersonId));
            // "Not the merged person" now means "not the kept person", except for faces this merge puts
            // in it: the merge is the newer decision.
            Execute("""
                INSERT INTO face_person_exclusions (face_id, person_id) SELECT face_id, @a FROM face_person_exclusions WHERE person_id = @b
                ON CONFLICT (face_id, person_id) DO NOTHING
                """, ("@a", intoPersonId), ("@b", mergedPersonId));
            Execute("DELETE FROM face_person_exclusions WHERE person_id = @a AND face_id IN (SELECT id FROM faces WHERE pinned_person_id = @a)",
                ("@a", intoPersonId));
            Execute("UPDATE persons SET name = @n, representative_face_id = @r, modified_at = @t WHERE id = @a",
                ("@n", into.Name ?? merged.Name), ("@r", into.RepresentativeFaceId ?? merged.RepresentativeFaceId), ("@t", Now()), ("@a", intoPersonId));
            Execute("DELETE FROM persons WHERE id = @b", ("@b", mergedPersonId));
            RecordDecision("merge", intoPersonId, mergedPersonId, merged.Name, movedFaces, decidedBy);
        });
    }

    public long SplitPerson(long personId, IReadOnlyList<long> faceIds, string? name, string? decidedBy = null)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        var faces = faceIds.Distinct().ToList();
        if (faces.Count == 0)
            throw new ArgumentException("Name at least one face to split off.");
        return Write(() =>
        {
            var source = RequirePerson(personId);
            foreach (var faceId in faces)
            {
                var face = GetFace(faceId) ?? throw new CatalogException($"Face id {faceId} is not in the catalog {Location}.");
                var owner = face.PinnedPersonId ?? face.PersonId;
                if (owner != personId)
                    throw new ArgumentException($"Face {faceId} is not in person {personId} (it is in {(owner is long o ? $"person {o}" : "no person")}).");
            }
            long created = CreatePerson(name, faces[0]);
            using (var move = Command("UPDATE faces SET person_id = @n, pinned_person_id = @n WHERE id = @f", ("@n", created), ("@f", 0L)))
            {
                move.Prepare();
                foreach (var faceId in faces)
                {
                    move.Parameters["@f"].Value = faceId;
                    move.ExecuteNonQuery();
                }
            }
            if (source.RepresentativeFaceId is long representative && faces.Contains(representative))
                Execute($"""
                    UPDATE persons SET representative_face_id = (SELECT MIN(id) FROM faces WHERE {MemberOf("@p")}), modified_at = @t WHERE id = @p
                    """, ("@p", personId), ("@t", Now()));
            RecordDecision("split", created, personId, source.Name, faces, decidedBy);
            return created;
        });
    }

    public IReadOnlyList<PersonDecision> ListPersonDecisions() => Query(
        "SELECT id, kind, person_id, other_person_id, other_name, face_ids_json, decided_by, decided_at FROM person_decisions ORDER BY id",
        ReadDecision);

    private static PersonDecision ReadDecision(SqliteDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1) switch
        {
            "merge" => PersonDecisionKind.Merge,
            "split" => PersonDecisionKind.Split,
            var other => throw new FormatException($"Unknown person decision '{other}' in the catalog."),
        },
        r.GetInt64(2), r.GetInt64(3), StringOrNull(r, 4),
        JsonSerializer.Deserialize<long[]>(r.GetString(5)) ?? throw new FormatException("A person decision has no face list."),
        StringOrNull(r, 6), ParseTime(r.GetString(7)));

    private Person RequirePerson(long personId) =>
        GetPerson(personId) ?? throw new CatalogException($"Person id {personId} is not in the catalog {Location}.");

    private void RecordDecision(string kind, long personId, long otherPersonId, string? otherName, IReadOnlyList<long> faceIds, string? decidedBy) =>
        Execute("""
            INSERT INTO person_decisions (kind, person_id, other_person_id, other_name, face_ids_json, decided_by, decided_at)
            VALUES (@k, @p, @o, @n, @f, @by, @t)
            """, ("@k", kind), ("@p", personId), ("@o", otherPersonId), ("@n", otherName), ("@f", JsonSerializer.Serialize(faceIds)),
            ("@by", decidedBy), ("@t", Now()));
}
