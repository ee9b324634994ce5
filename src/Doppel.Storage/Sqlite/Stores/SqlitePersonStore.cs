using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite.Stores;

/// <summary>Persons of one tenant; merges and splits write their effect into the face rows (pins, what
/// clustering obeys) and their record into <c>person_decisions</c> (the history).</summary>
internal sealed class SqlitePersonStore(SqliteScope scope) : IPersonStore
{
    private const string Columns = CatalogRows.PersonColumns;

    private static Person Read(SqliteDataReader r) => SqliteRows.Instance.Person(r);

    /// <summary>The faces that are a person's: pinned to it, or assigned to it and pinned nowhere else.</summary>
    private static string MemberOf(string p) => $"(pinned_person_id = {p} OR (pinned_person_id IS NULL AND person_id = {p}))";

    private Person? Get(SqliteSession s, long id) =>
        s.Query($"SELECT {Columns} FROM persons WHERE id = @id AND tenant_id = @t", Read, ("@id", id), ("@t", scope.T)).FirstOrDefault();

    private Person Require(SqliteSession s, long id) =>
        Get(s, id) ?? throw new RecordNotFoundException(NotInCatalog.Person(id, scope.Database.Location));

    private long Create(SqliteSession s, string? name, long? representativeFaceId) =>
        s.Long("INSERT INTO persons (tenant_id, name, representative_face_id, created_at, modified_at) VALUES (@t, @n, @r, @now, @now) RETURNING id",
            ("@t", scope.T), ("@n", name), ("@r", representativeFaceId), ("@now", SqliteTime.Now()));

    public Task<long> CreateAsync(string? name, long? representativeFaceId = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(scope.Write(s => Create(s, name, representativeFaceId)));

    public Task<Person?> GetAsync(long personId, CancellationToken cancellationToken = default) => Task.FromResult(scope.Read(s => Get(s, personId)));

    public Task<IReadOnlyList<Person>> ListAsync(Page page = default, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Person>>(scope.Read(s => s.Query(
            $"SELECT {Columns} FROM persons WHERE tenant_id = @t AND id > @after ORDER BY id LIMIT @limit", Read,
            ("@t", scope.T), ("@after", page.AfterId), ("@limit", page.Limit <= 0 ? int.MaxValue : page.Limit))));

    public Task UpdateAsync(long personId, string? name, long? representativeFaceId, CancellationToken cancellationToken = default)
    {
        scope.Write(s =>
        {
            if (s.Execute("UPDATE persons SET name = @n, representative_face_id = @r, modified_at = @now WHERE id = @id AND tenant_id = @t",
                    ("@n", name), ("@r", representativeFaceId), ("@now", SqliteTime.Now()), ("@id", personId), ("@t", scope.T)) != 1)
                throw new RecordNotFoundException(NotInCatalog.Person(personId, scope.Database.Location));
        });
        return Task.CompletedTask;
    }

    public Task DeleteAsync(long personId, CancellationToken cancellationToken = default)
    {
        scope.Write(s =>
        {
            if (s.Execute("DELETE FROM persons WHERE id = @id AND tenant_id = @t", ("@id", personId), ("@t", scope.T)) != 1)
                throw new RecordNotFoundException(NotInCatalog.Person(personId, scope.Database.Location));
        });
        return Task.CompletedTask;
    }

    public Task MergeAsync(long intoPersonId, long mergedPersonId, string? decidedBy = null, CancellationToken cancellationToken = default)
    {
        if (intoPersonId == mergedPersonId)
            throw new ArgumentException($"Cannot merge person {intoPersonId} into itself.");
        scope.Write(s =>
        {
            var into = Require(s, intoPersonId);
            var merged = Require(s, mergedPersonId);
            var moved = s.Query($"SELECT id FROM faces WHERE tenant_id = @t AND {MemberOf("@b")} ORDER BY id", r => r.GetInt64(0), ("@t", scope.T), ("@b", mergedPersonId));
            // Both persons' faces are pinned: a pin is what clustering never undoes, so no recluster splits them again.
            s.Execute($"UPDATE faces SET person_id = @a, pinned_person_id = @a WHERE tenant_id = @t AND ({MemberOf("@a")} OR {MemberOf("@b")})",
                ("@a", intoPersonId), ("@b", mergedPersonId), ("@t", scope.T));
            // "Not the merged person" now means "not the kept person", except for faces this (newer) merge puts in it.
            s.Execute("""
                INSERT INTO face_person_exclusions (face_id, person_id) SELECT face_id, @a FROM face_person_exclusions WHERE person_id = @b
                ON CONFLICT (face_id, person_id) DO NOTHING
                """, ("@a", intoPersonId), ("@b", mergedPersonId));
            s.Execute("DELETE FROM face_person_exclusions WHERE person_id = @a AND face_id IN (SELECT id FROM faces WHERE pinned_person_id = @a)", ("@a", intoPersonId));
            s.Execute("UPDATE persons SET name = @n, representative_face_id = @r, modified_at = @now WHERE id = @a",
                ("@n", into.Name ?? merged.Name), ("@r", into.RepresentativeFaceId ?? merged.RepresentativeFaceId), ("@now", SqliteTime.Now()), ("@a", intoPersonId));
            s.Execute("DELETE FROM persons WHERE id = @b", ("@b", mergedPersonId));
            Record(s, "merge", intoPersonId, mergedPersonId, merged.Name, moved, decidedBy);
        });
        return Task.CompletedTask;
    }

    public Task<long> SplitAsync(long personId, IReadOnlyList<long> faceIds, string? name, string? decidedBy = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        var faces = faceIds.Distinct().ToList();
        if (faces.Count == 0)
            throw new ArgumentException("Name at least one face to split off.");
        return Task.FromResult(scope.Write(s =>
        {
            var source = Require(s, personId);
            foreach (var faceId in faces)
            {
                var face = SqliteFaceStore.Query(s, scope.T, "id = @id", ("@id", faceId)).FirstOrDefault()
                    ?? throw new RecordNotFoundException(NotInCatalog.Face(faceId, scope.Database.Location));
                var owner = face.PinnedPersonId ?? face.PersonId;
                if (owner != personId)
                    throw new ArgumentException($"Face {faceId} is not in person {personId} (it is in {(owner is long o ? $"person {o}" : "no person")}).");
            }
            long created = Create(s, name, faces[0]);
            using (var move = s.Command("UPDATE faces SET person_id = @n, pinned_person_id = @n WHERE id = @f", ("@n", created), ("@f", 0L)))
            {
                move.Prepare();
                foreach (var faceId in faces)
                {
                    move.Parameters["@f"].Value = faceId;
                    move.ExecuteNonQuery();
                }
            }
            if (source.RepresentativeFaceId is long representative && faces.Contains(representative))
                s.Execute($"UPDATE persons SET representative_face_id = (SELECT MIN(id) FROM faces WHERE {MemberOf("@p")}), modified_at = @now WHERE id = @p",
                    ("@p", personId), ("@now", SqliteTime.Now()));
            Record(s, "split", created, personId, source.Name, faces, decidedBy);
            return created;
        }));
    }

    public Task<IReadOnlyList<PersonDecision>> ListDecisionsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<PersonDecision>>(scope.Read(s => s.Query(
            "SELECT id, kind, person_id, other_person_id, other_name, face_ids_json, decided_by, decided_at FROM person_decisions WHERE tenant_id = @t ORDER BY id",
            r => new PersonDecision(r.GetInt64(0), r.GetString(1) == "merge" ? PersonDecisionKind.Merge : PersonDecisionKind.Split,
                r.GetInt64(2), r.GetInt64(3), Col.Str(r, 4),
                JsonSerializer.Deserialize<long[]>(r.GetString(5)) ?? throw new FormatException("A person decision has no face list."),
                Col.Str(r, 6), Col.Time(r, 7)),
            ("@t", scope.T))));

    private void Record(SqliteSession s, string kind, long personId, long otherPersonId, string? otherName, IReadOnlyList<long> faceIds, string? decidedBy) =>
        s.Execute("""
            INSERT INTO person_decisions (tenant_id, kind, person_id, other_person_id, other_name, face_ids_json, decided_by, decided_at)
            VALUES (@t, @k, @p, @o, @n, @f, @by, @now)
            """, ("@t", scope.T), ("@k", kind), ("@p", personId), ("@o", otherPersonId), ("@n", otherName), ("@f", JsonSerializer.Serialize(faceIds)),
            ("@by", decidedBy), ("@now", SqliteTime.Now()));
}
