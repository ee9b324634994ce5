using Doppel.Storage.Sqlite.Stores;
using Npgsql;

namespace Doppel.Storage.Postgres;

internal sealed class PgFaceStore(PgScope scope) : IFaceStore
{
    private const string Columns =
        "f.id, f.media_id, f.face_index, f.box_x, f.box_y, f.box_w, f.box_h, f.landmarks, f.detector, f.detector_score, f.quality, f.person_id, f.pinned_person_id, f.thumbnail_path, f.created_at, " +
        "ARRAY(SELECT x.person_id FROM face_person_exclusions x WHERE x.face_id = f.id ORDER BY x.person_id)";

    private static FaceRecord ReadRow(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt32(2), new FaceBox(r.GetFloat(3), r.GetFloat(4), r.GetFloat(5), r.GetFloat(6)),
        r.IsDBNull(7) ? null : r.GetFieldValue<float[]>(7), r.GetString(8), r.GetFloat(9), PgCol.Float(r, 10),
        PgCol.Long(r, 11), PgCol.Long(r, 12), r.GetFieldValue<long[]>(15), PgCol.Str(r, 13), PgCol.Time(r, 14));

    /// <summary>Faces of this tenant matching <paramref name="where"/> (on alias <c>f</c>), with their exclusions.</summary>
    internal static Task<List<FaceRecord>> QueryAsync(PgSession s, long tenant, string where, CancellationToken ct, params (string Name, object? Value)[] parameters) =>
        s.QueryAsync($"SELECT {Columns} FROM faces f WHERE f.tenant_id = @tenant AND {where}", ReadRow, ct, [("tenant", tenant), .. parameters]);

    private string NotFound(long faceId) => NotInCatalog.Face(faceId, scope.Database.Location);

    public async Task<FaceRecord?> GetAsync(long faceId, CancellationToken cancellationToken = default) =>
        (await scope.ReadAsync(s => QueryAsync(s, scope.T, "f.id = @id", cancellationToken, ("id", faceId)), cancellationToken)).FirstOrDefault();

    public async Task<IReadOnlyList<FaceRecord>> ListOfMediaAsync(IReadOnlyCollection<long> mediaIds, CancellationToken cancellationToken = default) =>
        mediaIds.Count == 0 ? [] : await scope.ReadAsync(s =>
            QueryAsync(s, scope.T, "f.media_id = ANY(@m) ORDER BY f.id", cancellationToken, ("m", mediaIds.ToArray())), cancellationToken);

    public async Task<IReadOnlyList<FaceRecord>> ListAsync(Page page = default, CancellationToken cancellationToken = default) =>
        await scope.ReadAsync(s => QueryAsync(s, scope.T, "f.id > @after ORDER BY f.id LIMIT @limit", cancellationToken,
            ("after", page.AfterId), ("limit", PgCol.Limit(page))), cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken = default) =>
        scope.ReadAsync(s => s.LongAsync("SELECT COUNT(*) FROM faces WHERE tenant_id = @t", cancellationToken, ("t", scope.T)), cancellationToken);

    // Columns in order: streams read with SequentialAccess.
    private static FaceEmbedding ReadEmbedding(NpgsqlDataReader r)
    {
        long face = r.GetInt64(0);
        string model = r.GetString(1), version = r.GetString(2);
        int dimension = r.GetInt32(3);
        return new FaceEmbedding(face, model, version, VectorOf(r.GetFieldValue<byte[]>(4), dimension));
    }

    private static float[] VectorOf(byte[] bytes, int dimension)
    {
        var vector = EmbeddingCodec.FromBytes(bytes);
        return vector.Length == dimension ? vector : throw new FormatException($"A stored vector has {vector.Length} components; its row says {dimension}.");
    }

    public async Task<IReadOnlyList<FaceEmbedding>> GetEmbeddingsAsync(long faceId, CancellationToken cancellationToken = default) =>
        await scope.ReadAsync(s => s.QueryAsync(CatalogRows.EmbeddingsOfFaceSql, ReadEmbedding, cancellationToken, ("f", faceId), ("t", scope.T)), cancellationToken);

    public IAsyncEnumerable<FaceEmbedding> ReadEmbeddingsAsync(string model, CancellationToken cancellationToken = default) =>
        scope.StreamAsync(CatalogRows.EmbeddingsOfModelSql, ReadEmbedding, [("m", model), ("t", scope.T)], cancellationToken);

    public IAsyncEnumerable<FaceEmbedding> ReadEmbeddingsOfFacesAsync(string model, string modelVersion, IReadOnlyCollection<long> faceIds, CancellationToken cancellationToken = default) =>
        faceIds.Count == 0 ? AsyncEnumerable.Empty<FaceEmbedding>()
        : scope.StreamAsync(CatalogRows.EmbeddingsOfFacesSql("e.face_id = ANY(@ids)"), ReadEmbedding,
            [("m", model), ("v", modelVersion), ("t", scope.T), ("ids", faceIds.ToArray())], cancellationToken);

    public async Task<IReadOnlySet<long>> FacesWithEmbeddingAsync(string model, string modelVersion, CancellationToken cancellationToken = default) =>
        (await scope.ReadAsync(s => s.QueryAsync(CatalogRows.FacesWithEmbeddingSql, r => r.GetInt64(0), cancellationToken, ("m", model), ("v", modelVersion), ("t", scope.T)), cancellationToken)).ToHashSet();

    public async Task<IReadOnlySet<long>> FacesWithEmbeddingAsync(string model, string modelVersion, IReadOnlyCollection<long> faceIds, CancellationToken cancellationToken = default) =>
        faceIds.Count == 0 ? new HashSet<long>()
        : (await scope.ReadAsync(s => s.QueryAsync(CatalogRows.FacesWithEmbeddingAmongSql("e.face_id = ANY(@ids)"), r => r.GetInt64(0), cancellationToken,
            ("m", model), ("v", modelVersion), ("t", scope.T), ("ids", faceIds.ToArray())), cancellationToken)).ToHashSet();

    public IAsyncEnumerable<FaceVector> ReadFaceVectorsAsync(string model, bool okMediaOnly = true, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        return scope.StreamAsync(CatalogRows.FaceVectorsSql(okMediaOnly), r =>
            {
                long id = r.GetInt64(0), media = r.GetInt64(1);
                long? person = PgCol.Long(r, 2), pinned = PgCol.Long(r, 3);
                float? quality = PgCol.Float(r, 4);
                int dimension = r.GetInt32(5);
                return new FaceVector(id, media, person, pinned, quality, VectorOf(r.GetFieldValue<byte[]>(6), dimension));
            }, [("model", model), ("t", scope.T)], cancellationToken);
    }

    public Task PutEmbeddingsAsync(IReadOnlyList<FaceEmbedding> embeddings, CancellationToken cancellationToken = default)
    {
        foreach (var e in embeddings)
            SqliteFaceStore.CheckVector(e.Model, e.Vector, 0);
        if (embeddings.Count == 0)
            return Task.CompletedTask;
        // One upsert for the batch; a face named twice keeps its last vector, as sequential puts would.
        var rows = embeddings.Select((e, i) => (e, i)).GroupBy(x => (x.e.FaceId, x.e.Model)).Select(g => g.Last().e).ToList();
        return scope.WriteAsync(async s =>
        {
            var stored = await s.QueryAsync("""
                INSERT INTO face_embeddings (face_id, model, model_version, dimension, vector)
                SELECT u.f, u.m, u.v, u.d, u.b FROM unnest(@f::bigint[], @m::text[], @v::text[], @d::integer[], @b::bytea[]) AS u(f, m, v, d, b)
                JOIN faces ON faces.id = u.f AND faces.tenant_id = @t
                ON CONFLICT (face_id, model) DO UPDATE SET model_version = excluded.model_version, dimension = excluded.dimension, vector = excluded.vector
                RETURNING face_id
                """, r => r.GetInt64(0), cancellationToken, ("f", rows.Select(e => e.FaceId).ToArray()), ("m", rows.Select(e => e.Model).ToArray()),
                ("v", rows.Select(e => e.ModelVersion).ToArray()), ("d", rows.Select(e => e.Dimension).ToArray()),
                ("b", rows.Select(e => EmbeddingCodec.ToBytes(e.Vector)).ToArray()), ("t", scope.T));
            if (stored.Count != rows.Count)
                throw new RecordNotFoundException(NotFound(rows.Select(e => e.FaceId).Except(stored).First()));
        }, cancellationToken);
    }

    public Task AssignPersonsAsync(IReadOnlyList<(long FaceId, long? PersonId)> assignments, CancellationToken cancellationToken = default)
    {
        if (assignments.Count == 0)
            return Task.CompletedTask;
        var rows = assignments.GroupBy(a => a.FaceId).Select(g => g.Last()).ToList();
        return scope.WriteAsync(async s =>
        {
            var updated = await s.QueryAsync("""
                UPDATE faces f SET person_id = u.p FROM unnest(@f::bigint[], @p::bigint[]) AS u(f, p)
                WHERE f.id = u.f AND f.tenant_id = @t RETURNING f.id
                """, r => r.GetInt64(0), cancellationToken, ("f", rows.Select(a => a.FaceId).ToArray()), ("p", rows.Select(a => a.PersonId).ToArray()), ("t", scope.T));
            if (updated.Count != rows.Count)
                throw new RecordNotFoundException(NotFound(rows.Select(a => a.FaceId).Except(updated).First()));
        }, cancellationToken);
    }

    private async Task RequirePersonAsync(PgSession s, long personId, CancellationToken ct)
    {
        if (await s.LongAsync("SELECT COUNT(*) FROM persons WHERE id = @p AND tenant_id = @t", ct, ("p", personId), ("t", scope.T)) == 0)
            throw new RecordNotFoundException(NotInCatalog.Person(personId, scope.Database.Location));
    }

    public Task PinAsync(long faceId, long? personId, CancellationToken cancellationToken = default) =>
        scope.WriteAsync(async s =>
        {
            if (personId is { } p)
                await RequirePersonAsync(s, p, cancellationToken);
            if (await s.ExecuteAsync("UPDATE faces SET pinned_person_id = @p WHERE id = @f AND tenant_id = @t", cancellationToken,
                    ("p", personId), ("f", faceId), ("t", scope.T)) != 1)
                throw new RecordNotFoundException(NotFound(faceId));
            // Pinned to and excluded from one person cannot both hold; the newer correction wins.
            if (personId is not null)
                await s.ExecuteAsync("DELETE FROM face_person_exclusions WHERE face_id = @f AND person_id = @p", cancellationToken, ("f", faceId), ("p", personId));
        }, cancellationToken);

    public Task ExcludeAsync(long faceId, long personId, CancellationToken cancellationToken = default) =>
        scope.WriteAsync(async s =>
        {
            if (await s.LongAsync("SELECT COUNT(*) FROM faces WHERE id = @f AND tenant_id = @t", cancellationToken, ("f", faceId), ("t", scope.T)) == 0)
                throw new RecordNotFoundException(NotFound(faceId));
            await RequirePersonAsync(s, personId, cancellationToken);
            await s.ExecuteAsync("INSERT INTO face_person_exclusions (face_id, person_id) VALUES (@f, @p) ON CONFLICT (face_id, person_id) DO NOTHING",
                cancellationToken, ("f", faceId), ("p", personId));
            await s.ExecuteAsync("UPDATE faces SET pinned_person_id = NULL WHERE id = @f AND pinned_person_id = @p", cancellationToken, ("f", faceId), ("p", personId));
        }, cancellationToken);

    public Task SetThumbnailAsync(long faceId, string? thumbnailPath, CancellationToken cancellationToken = default) =>
        scope.WriteAsync(async s =>
        {
            if (await s.ExecuteAsync("UPDATE faces SET thumbnail_path = @p WHERE id = @f AND tenant_id = @t", cancellationToken,
                    ("p", thumbnailPath), ("f", faceId), ("t", scope.T)) != 1)
                throw new RecordNotFoundException(NotFound(faceId));
        }, cancellationToken);
}
