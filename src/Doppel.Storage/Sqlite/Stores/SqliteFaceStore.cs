using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite.Stores;

internal sealed class SqliteFaceStore(SqliteScope scope) : IFaceStore
{
    private const string Columns =
        "id, media_id, face_index, box_x, box_y, box_w, box_h, landmarks_json, detector, detector_score, quality, person_id, pinned_person_id, thumbnail_path, created_at";

    private static FaceRecord ReadRow(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt32(2), new FaceBox(r.GetFloat(3), r.GetFloat(4), r.GetFloat(5), r.GetFloat(6)),
        r.IsDBNull(7) ? null : EmbeddingCodec.FromJson(r.GetString(7)), r.GetString(8), r.GetFloat(9), Col.Float(r, 10),
        Col.Long(r, 11), Col.Long(r, 12), [], Col.Str(r, 13), Col.Time(r, 14));

    /// <summary>Faces of this tenant matching <paramref name="where"/>, with their exclusions filled in.</summary>
    internal static List<FaceRecord> Query(SqliteSession s, long tenant, string where, params (string Name, object? Value)[] parameters)
    {
        var rows = s.Query($"SELECT {Columns} FROM faces WHERE tenant_id = @tenant AND {where}", ReadRow, [("@tenant", tenant), .. parameters]);
        if (rows.Count == 0)
            return [];
        var exclusions = new Dictionary<long, List<long>>();
        foreach (var (faceId, personId) in s.Query(
                     "SELECT face_id, person_id FROM face_person_exclusions WHERE face_id IN (SELECT value FROM json_each(@ids)) ORDER BY face_id, person_id",
                     r => (r.GetInt64(0), r.GetInt64(1)), ("@ids", Col.Ids(rows.Select(f => f.Id)))))
        {
            if (!exclusions.TryGetValue(faceId, out var list))
                exclusions[faceId] = list = [];
            list.Add(personId);
        }
        return rows.Select(f => exclusions.TryGetValue(f.Id, out var excluded) ? f with { ExcludedPersonIds = excluded } : f).ToList();
    }

    public Task<FaceRecord?> GetAsync(long faceId, CancellationToken cancellationToken = default) =>
        Task.FromResult(scope.Read(s => Query(s, scope.T, "id = @id", ("@id", faceId)).FirstOrDefault()));

    public Task<IReadOnlyList<FaceRecord>> ListOfMediaAsync(IReadOnlyCollection<long> mediaIds, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<FaceRecord>>(mediaIds.Count == 0 ? [] : scope.Read(s =>
            Query(s, scope.T, "media_id IN (SELECT value FROM json_each(@m)) ORDER BY id", ("@m", Col.Ids(mediaIds)))));

    public Task<IReadOnlyList<FaceRecord>> ListAsync(Page page = default, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<FaceRecord>>(scope.Read(s =>
            Query(s, scope.T, "id > @after ORDER BY id LIMIT @limit", ("@after", page.AfterId), ("@limit", page.Limit <= 0 ? int.MaxValue : page.Limit))));

    public Task<long> CountAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(scope.Read(s => s.Long("SELECT COUNT(*) FROM faces WHERE tenant_id = @t", ("@t", scope.T))));

    private static FaceEmbedding ReadEmbedding(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), EmbeddingCodec.Parse(r.GetValue(4), r.GetInt32(3)));

    public Task<IReadOnlyList<FaceEmbedding>> GetEmbeddingsAsync(long faceId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<FaceEmbedding>>(scope.Read(s => s.Query(CatalogRows.EmbeddingsOfFaceSql, ReadEmbedding, ("@f", faceId), ("@t", scope.T))));

    public IAsyncEnumerable<FaceEmbedding> ReadEmbeddingsAsync(string model, CancellationToken cancellationToken = default) =>
        scope.Stream(CatalogRows.EmbeddingsOfModelSql, ReadEmbedding, [("@m", model), ("@t", scope.T)], cancellationToken);

    public IAsyncEnumerable<FaceEmbedding> ReadEmbeddingsOfFacesAsync(string model, string modelVersion, IReadOnlyCollection<long> faceIds, CancellationToken cancellationToken = default) =>
        faceIds.Count == 0 ? AsyncEnumerable.Empty<FaceEmbedding>()
        : scope.Stream(CatalogRows.EmbeddingsOfFacesSql("e.face_id IN (SELECT value FROM json_each(@ids))"), ReadEmbedding,
            [("@m", model), ("@v", modelVersion), ("@t", scope.T), ("@ids", Col.Ids(faceIds))], cancellationToken);

    public Task<IReadOnlySet<long>> FacesWithEmbeddingAsync(string model, string modelVersion, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlySet<long>>(scope.Read(s => s.Query(CatalogRows.FacesWithEmbeddingSql, r => r.GetInt64(0), ("@m", model), ("@v", modelVersion), ("@t", scope.T)).ToHashSet()));

    public Task<IReadOnlySet<long>> FacesWithEmbeddingAsync(string model, string modelVersion, IReadOnlyCollection<long> faceIds, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlySet<long>>(faceIds.Count == 0 ? new HashSet<long>()
            : scope.Read(s => s.Query(CatalogRows.FacesWithEmbeddingAmongSql("e.face_id IN (SELECT value FROM json_each(@ids))"), r => r.GetInt64(0),
                ("@m", model), ("@v", modelVersion), ("@t", scope.T), ("@ids", Col.Ids(faceIds))).ToHashSet()));

    public IAsyncEnumerable<FaceVector> ReadFaceVectorsAsync(string model, bool okMediaOnly = true, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        return scope.Stream(CatalogRows.FaceVectorsSql(okMediaOnly), r => new FaceVector(r.GetInt64(0), r.GetInt64(1), Col.Long(r, 2), Col.Long(r, 3), Col.Float(r, 4), EmbeddingCodec.Parse(r.GetValue(6), r.GetInt32(5))),
            [("@model", model), ("@t", scope.T)], cancellationToken);
    }

    /// <summary>A vector that cannot be compared (empty, NaN, infinite) would poison every search it joins.</summary>
    internal static void CheckVector(string model, float[] vector, long mediaId)
    {
        if (string.IsNullOrWhiteSpace(model))
            throw new ArgumentException($"An embedding of media {mediaId} has no model name.");
        if (vector is null || vector.Length == 0)
            throw new ArgumentException($"The {model} embedding of media {mediaId} is empty.");
        foreach (var component in vector)
            if (!float.IsFinite(component))
                throw new ArgumentException($"The {model} embedding of media {mediaId} has a non-finite component ({component}).");
    }

    public Task PutEmbeddingsAsync(IReadOnlyList<FaceEmbedding> embeddings, CancellationToken cancellationToken = default)
    {
        foreach (var e in embeddings)
            CheckVector(e.Model, e.Vector, 0);
        scope.Write(s =>
        {
            using var put = s.Command("""
                INSERT INTO face_embeddings (face_id, model, model_version, dimension, vector)
                SELECT @f, @m, @v, @d, @b WHERE EXISTS (SELECT 1 FROM faces WHERE id = @f AND tenant_id = @t)
                ON CONFLICT (face_id, model) DO UPDATE SET model_version = excluded.model_version, dimension = excluded.dimension, vector = excluded.vector
                """, ("@f", 0L), ("@m", ""), ("@v", ""), ("@d", 0), ("@b", Array.Empty<byte>()), ("@t", scope.T));
            put.Prepare();
            foreach (var e in embeddings)
            {
                put.Parameters["@f"].Value = e.FaceId;
                put.Parameters["@m"].Value = e.Model;
                put.Parameters["@v"].Value = e.ModelVersion;
                put.Parameters["@d"].Value = e.Dimension;
                put.Parameters["@b"].Value = EmbeddingCodec.ToBytes(e.Vector);
                if (put.ExecuteNonQuery() != 1)
                    throw new RecordNotFoundException(NotInCatalog.Face(e.FaceId, scope.Database.Location));
            }
        });
        return Task.CompletedTask;
    }

    public Task AssignPersonsAsync(IReadOnlyList<(long FaceId, long? PersonId)> assignments, CancellationToken cancellationToken = default)
    {
        scope.Write(s =>
        {
            using var update = s.Command("UPDATE faces SET person_id = @p WHERE id = @f AND tenant_id = @t", ("@p", null), ("@f", 0L), ("@t", scope.T));
            update.Prepare();
            foreach (var (faceId, personId) in assignments)
            {
                update.Parameters["@p"].Value = (object?)personId ?? DBNull.Value;
                update.Parameters["@f"].Value = faceId;
                if (update.ExecuteNonQuery() != 1)
                    throw new RecordNotFoundException(NotInCatalog.Face(faceId, scope.Database.Location));
            }
        });
        return Task.CompletedTask;
    }

    public Task PinAsync(long faceId, long? personId, CancellationToken cancellationToken = default)
    {
        scope.Write(s =>
        {
            if (personId is { } p && s.Long("SELECT COUNT(*) FROM persons WHERE id = @p AND tenant_id = @t", ("@p", p), ("@t", scope.T)) == 0)
                throw new RecordNotFoundException(NotInCatalog.Person(p, scope.Database.Location));
            if (s.Execute("UPDATE faces SET pinned_person_id = @p WHERE id = @f AND tenant_id = @t", ("@p", personId), ("@f", faceId), ("@t", scope.T)) != 1)
                throw new RecordNotFoundException(NotInCatalog.Face(faceId, scope.Database.Location));
            // Pinned to and excluded from one person cannot both hold; the newer correction wins.
            if (personId is not null)
                s.Execute("DELETE FROM face_person_exclusions WHERE face_id = @f AND person_id = @p", ("@f", faceId), ("@p", personId));
        });
        return Task.CompletedTask;
    }

    public Task ExcludeAsync(long faceId, long personId, CancellationToken cancellationToken = default)
    {
        scope.Write(s =>
        {
            if (s.Long("SELECT COUNT(*) FROM faces WHERE id = @f AND tenant_id = @t", ("@f", faceId), ("@t", scope.T)) == 0)
                throw new RecordNotFoundException(NotInCatalog.Face(faceId, scope.Database.Location));
            if (s.Long("SELECT COUNT(*) FROM persons WHERE id = @p AND tenant_id = @t", ("@p", personId), ("@t", scope.T)) == 0)
                throw new RecordNotFoundException(NotInCatalog.Person(personId, scope.Database.Location));
            s.Execute("INSERT INTO face_person_exclusions (face_id, person_id) VALUES (@f, @p) ON CONFLICT (face_id, person_id) DO NOTHING",
                ("@f", faceId), ("@p", personId));
            s.Execute("UPDATE faces SET pinned_person_id = NULL WHERE id = @f AND pinned_person_id = @p", ("@f", faceId), ("@p", personId));
        });
        return Task.CompletedTask;
    }

    public Task SetThumbnailAsync(long faceId, string? thumbnailPath, CancellationToken cancellationToken = default)
    {
        scope.Write(s =>
        {
            if (s.Execute("UPDATE faces SET thumbnail_path = @p WHERE id = @f AND tenant_id = @t", ("@p", thumbnailPath), ("@f", faceId), ("@t", scope.T)) != 1)
                throw new RecordNotFoundException(NotInCatalog.Face(faceId, scope.Database.Location));
        });
        return Task.CompletedTask;
    }
}
