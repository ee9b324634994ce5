using Npgsql;

namespace Doppel.Storage.Postgres;

/// <summary>Persons of one tenant; merges and splits write their effect into the face rows (pins, what
/// clustering obeys) and their record into <c>person_decisions</c> (the history). Same rules as the SQLite store.</summary>
internal sealed class PgPersonStore(PgScope scope) : IPersonStore
{
    private const string Columns = CatalogRows.PersonColumns;

    private static Person Read(NpgsqlDataReader r) => PgRows.Instance.Person(r);

    /// <summary>The faces that are a person's: pinned to it, or assigned to it and pinned nowhere else.</summary>
    private static string MemberOf(string p) => $"(pinned_person_id = {p} OR (pinned_person_id IS NULL AND person_id = {p}))";

    private string NotFound(long id) => NotInCatalog.Person(id, scope.Database.Location);

    private async Task<Person?> GetAsync(PgSession s, long id, CancellationToken ct, bool forUpdate = false) =>
        (await s.QueryAsync($"SELECT {Columns} FROM persons WHERE id = @id AND tenant_id = @t{(forUpdate ? " FOR UPDATE" : "")}", Read, ct,
            ("id", id), ("t", scope.T))).FirstOrDefault();

    private async Task<Person> RequireAsync(PgSession s, long id, CancellationToken ct) =>
        await GetAsync(s, id, ct, forUpdate: true) ?? throw new RecordNotFoundException(NotFound(id));

    private Task<long> CreateAsync(PgSession s, string? name, long? representativeFaceId, CancellationToken ct) =>
        s.LongAsync("INSERT INTO persons (tenant_id, name, representative_face_id, created_at, modified_at) VALUES (@t, @n, @r, clock_timestamp(), clock_timestamp()) RETURNING id",
            ct, ("t", scope.T), ("n", name), ("r", representativeFaceId));

    public Task<long> CreateAsync(string? name, long? representativeFaceId = null, CancellationToken cancellationToken = default) =>
        scope.WriteAsync(s => CreateAsync(s, name, representativeFaceId, cancellationToken), cancellationToken);

    public Task<Person?> GetAsync(long personId, CancellationToken cancellationToken = default) =>
        scope.ReadAsync(s => GetAsync(s, personId, cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<Person>> ListAsync(Page page = default, CancellationToken cancellationToken = default) =>
        await scope.ReadAsync(s => s.QueryAsync($"SELECT {Columns} FROM persons WHERE tenant_id = @t AND id > @after ORDER BY id LIMIT @limit", Read,
            cancellationToken, ("t", scope.T), ("after", page.AfterId), ("limit", PgCol.Limit(page))), cancellationToken);

    public Task UpdateAsync(long personId, string? name, long? representativeFaceId, CancellationToken cancellationToken = default) =>
        scope.WriteAsync(async s =>
        {
            if (await s.ExecuteAsync("UPDATE persons SET name = @n, representative_face_id = @r, modified_at = clock_timestamp() WHERE id = @id AND tenant_id = @t",
                    cancellationToken, ("n", name), ("r", representativeFaceId), ("id", personId), ("t", scope.T)) != 1)
                throw new RecordNotFoundException(NotFound(personId));
        }, cancellationToken);

    public Task DeleteAsync(long personId, CancellationToken cancellationToken = default) =>
        scope.WriteAsync(async s =>
        {
            if (await s.ExecuteAsync("DELETE FROM persons WHERE id = @id AND tenant_id = @t", cancellationToken, ("id", personId), ("t", scope.T)) != 1)
                throw new RecordNotFoundException(NotFound(personId));
        }, cancellationToken);

    public Task MergeAsync(long intoPersonId, long mergedPersonId, string? decidedBy = null, CancellationToken cancellationToken = default)
    {
        if (intoPersonId == mergedPersonId)
            throw new ArgumentException($"Cannot merge person {intoPersonId} into itself.");
        return scope.WriteAsync(async s =>
        {
            var ct = cancellationToken;
            var into = await RequireAsync(s, intoPersonId, ct);
            var merged = await RequireAsync(s, mergedPersonId, ct);
            var moved = await s.QueryAsync($"SELECT id FROM faces WHERE tenant_id = @t AND {MemberOf("@b")} ORDER BY id", r => r.GetInt64(0), ct,
                ("t", scope.T), ("b", mergedPersonId));
            // Both persons' faces are pinned: a pin is what clustering never undoes, so no recluster splits them again.
            await s.ExecuteAsync($"UPDATE faces SET person_id = @a, pinned_person_id = @a WHERE tenant_id = @t AND ({MemberOf("@a")} OR {MemberOf("@b")})", ct,
                ("a", intoPersonId), ("b", mergedPersonId), ("t", scope.T));
            // "Not the merged person" now means "not the kept person", except for faces this (newer) merge puts in it.
            await s.ExecuteAsync("""
                INSERT INTO face_person_exclusions (face_id, person_id) SELECT face_id, @a FROM face_person_exclusions WHERE person_id = @b
                ON CONFLICT (face_id, person_id) DO NOTHING
                """, ct, ("a", intoPersonId), ("b", mergedPersonId));
            await s.ExecuteAsync("DELETE FROM face_person_exclusions WHERE person_id = @a AND face_id IN (SELECT id FROM faces WHERE pinned_person_id = @a)", ct,
                ("a", intoPersonId));
            await s.ExecuteAsync("UPDATE persons SET name = @n, representative_face_id = @r, modified_at = clock_timestamp() WHERE id = @a", ct,
                ("n", into.Name ?? merged.Name), ("r", into.RepresentativeFaceId ?? merged.RepresentativeFaceId), ("a", intoPersonId));
            await s.ExecuteAsync("DELETE FROM persons WHERE id = @b", ct, ("b", mergedPersonId));
            await RecordAsync(s, "merge", intoPersonId, mergedPersonId, merged.Name, moved, decidedBy, ct);
        }, cancellationToken);
    }

    public Task<long> SplitAsync(long personId, IReadOnlyList<long> faceIds, string? name, string? decidedBy = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        var faces = faceIds.Distinct().ToList();
        if (faces.Count == 0)
            throw new ArgumentException("Name at least one face to split off.");
        return scope.WriteAsync(async s =>
        {
            var ct = cancellationToken;
            var source = await RequireAsync(s, personId, ct);
            var found = (await PgFaceStore.QueryAsync(s, scope.T, "f.id = ANY(@ids)", ct, ("ids", faces.ToArray()))).ToDictionary(f => f.Id);
            foreach (var faceId in faces)
            {
                var face = found.GetValueOrDefault(faceId) ?? throw new RecordNotFoundException(NotInCatalog.Face(faceId, scope.Database.Location));
                var owner = face.PinnedPersonId ?? face.PersonId;
                if (owner != personId)
                    throw new ArgumentException($"Face {faceId} is not in person {personId} (it is in {(owner is long o ? $"person {o}" : "no person")}).");
            }
            long created = await CreateAsync(s, name, faces[0], ct);
            await s.ExecuteAsync("UPDATE faces SET person_id = @n, pinned_person_id = @n WHERE id = ANY(@f)", ct, ("n", created), ("f", faces.ToArray()));
            if (source.RepresentativeFaceId is long representative && faces.Contains(representative))
                await s.ExecuteAsync($"UPDATE persons SET representative_face_id = (SELECT MIN(id) FROM faces WHERE {MemberOf("@p")}), modified_at = clock_timestamp() WHERE id = @p",
                    ct, ("p", personId));
            await RecordAsync(s, "split", created, personId, source.Name, faces, decidedBy, ct);
            return created;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<PersonDecision>> ListDecisionsAsync(CancellationToken cancellationToken = default) =>
        await scope.ReadAsync(s => s.QueryAsync(
            "SELECT id, kind, person_id, other_person_id, other_name, face_ids, decided_by, decided_at FROM person_decisions WHERE tenant_id = @t ORDER BY id",
            r => new PersonDecision(r.GetInt64(0), r.GetString(1) == "merge" ? PersonDecisionKind.Merge : PersonDecisionKind.Split,
                r.GetInt64(2), r.GetInt64(3), PgCol.Str(r, 4), r.GetFieldValue<long[]>(5), PgCol.Str(r, 6), PgCol.Time(r, 7)),
            cancellationToken, ("t", scope.T)), cancellationToken);

    private Task RecordAsync(PgSession s, string kind, long personId, long otherPersonId, string? otherName, IReadOnlyList<long> faceIds, string? decidedBy, CancellationToken ct) =>
        s.ExecuteAsync("""
            INSERT INTO person_decisions (tenant_id, kind, person_id, other_person_id, other_name, face_ids, decided_by, decided_at)
            VALUES (@t, @k, @p, @o, @n, @f, @by, clock_timestamp())
            """, ct, ("t", scope.T), ("k", kind), ("p", personId), ("o", otherPersonId), ("n", otherName), ("f", faceIds.ToArray()), ("by", decidedBy));
}
