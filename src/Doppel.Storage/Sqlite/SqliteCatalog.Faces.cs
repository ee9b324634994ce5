using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite;

public sealed partial class SqliteCatalog
{
    private const string FaceColumns =
        "id, media_id, face_index, box_x, box_y, box_w, box_h, landmarks_json, detector, detector_score, quality, person_id, pinned_person_id, thumbnail_path, created_at";

    private List<FaceRecord> QueryFaces(string whereAndOrder, params (string Name, object? Value)[] parameters)
    {
        var rows = Query($"SELECT {FaceColumns} FROM faces {whereAndOrder}", ReadFaceRow, parameters);
        if (rows.Count == 0)
            return [];
        var exclusions = new Dictionary<long, List<long>>();
        var faceFilter = rows.Count == 1 ? "WHERE face_id = @f" : "";
        foreach (var (faceId, personId) in Query($"SELECT face_id, person_id FROM face_person_exclusions {faceFilter} ORDER BY face_id, person_id",
                     r => (r.GetInt64(0), r.GetInt64(1)), rows.Count == 1 ? [("@f", rows[0].Id)] : []))
        {
            if (!exclusions.TryGetValue(faceId, out var list))
                exclusions[faceId] = list = [];
            list.Add(personId);
        }
        return rows.Select(f => exclusions.TryGetValue(f.Id, out var excluded) ? f with { ExcludedPersonIds = excluded } : f).ToList();
    }

    // Exclusions live in their own table; QueryFaces fills them in after reading the rows.
    private static FaceRecord ReadFaceRow(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt32(2), new FaceBox(r.GetFloat(3), r.GetFloat(4), r.GetFloat(5), r.GetFloat(6)),
        r.IsDBNull(7) ? null : EmbeddingCodec.FromJson(r.GetString(7)), r.GetString(8), r.GetFloat(9), FloatOrNull(r, 10),
        LongOrNull(r, 11), LongOrNull(r, 12), [], StringOrNull(r, 13), ParseTime(r.GetString(14)));

    public FaceRecord? GetFace(long faceId) => QueryFaces("WHERE id = @id", ("@id", faceId)).FirstOrDefault();

    public IReadOnlyList<FaceRecord> GetFacesOfMedia(long mediaId) => QueryFaces("WHERE media_id = @m ORDER BY face_index", ("@m", mediaId));

    public IReadOnlyList<FaceRecord> ListFaces() => QueryFaces("ORDER BY id");

    public long CountFaces() => (long)Scalar("SELECT COUNT(*) FROM faces")!;

    private static FaceEmbedding ReadEmbedding(SqliteDataReader r)
    {
        var dimension = r.GetInt32(3);
        var vector = EmbeddingCodec.Parse(r.GetValue(4), dimension);
        return new FaceEmbedding(r.GetInt64(0), r.GetString(1), r.GetString(2), vector);
    }

    public IReadOnlyList<FaceEmbedding> GetEmbeddings(long faceId) =>
        Query("SELECT face_id, model, model_version, dimension, vector FROM face_embeddings WHERE face_id = @f ORDER BY model",
            ReadEmbedding, ("@f", faceId));

    public IEnumerable<FaceEmbedding> ReadEmbeddings(string model)
    {
        using var command = Command("SELECT face_id, model, model_version, dimension, vector FROM face_embeddings WHERE model = @m ORDER BY face_id",
            ("@m", model));
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return ReadEmbedding(reader);
    }

    public IReadOnlySet<long> FacesWithEmbedding(string model, string modelVersion) =>
        Query("SELECT face_id FROM face_embeddings WHERE model = @m AND model_version = @v",
            r => r.GetInt64(0), ("@m", model), ("@v", modelVersion)).ToHashSet();

    public IEnumerable<FaceVector> ReadFaceVectors(string model, bool okMediaOnly = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        using var command = Command($"""
            SELECT f.id, f.media_id, f.person_id, f.pinned_person_id, f.quality, e.dimension, e.vector
            FROM face_embeddings e
            JOIN faces f ON f.id = e.face_id
            JOIN media_files m ON m.id = f.media_id
            WHERE e.model = @model AND m.state = 'done' {(okMediaOnly ? "AND m.reason_code = 'ok'" : "")}
            ORDER BY f.id
            """, ("@model", model));
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return new FaceVector(reader.GetInt64(0), reader.GetInt64(1), LongOrNull(reader, 2), LongOrNull(reader, 3), FloatOrNull(reader, 4),
                EmbeddingCodec.Parse(reader.GetValue(6), reader.GetInt32(5)));
    }

    public void PutEmbedding(FaceEmbedding embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        CheckVector(embedding.Model, embedding.Vector, GetFace(embedding.FaceId)?.MediaId ?? 0);
        Write(() => Execute("""
            INSERT INTO face_embeddings (face_id, model, model_version, dimension, vector) VALUES (@f, @m, @v, @d, @b)
            ON CONFLICT (face_id, model) DO UPDATE SET model_version = excluded.model_version, dimension = excluded.dimension, vector = excluded.vector
            """, ("@f", embedding.FaceId), ("@m", embedding.Model), ("@v", embedding.ModelVersion), ("@d", embedding.Dimension),
            ("@b", EmbeddingCodec.ToBytes(embedding.Vector))));
    }

    public void AssignPersons(IReadOnlyList<(long FaceId, long? PersonId)> assignments) => Write(() =>
    {
        using var update = Command("UPDATE faces SET person_id = @p WHERE id = @f", ("@p", null), ("@f", 0L));
        update.Prepare();
        foreach (var (faceId, personId) in assignments)
        {
            update.Parameters["@p"].Value = (object?)personId ?? DBNull.Value;
            update.Parameters["@f"].Value = faceId;
            if (update.ExecuteNonQuery() != 1)
                throw new CatalogException($"Face id {faceId} is not in the catalog {Location}.");
        }
    });

    public void PinFace(long faceId, long? personId) => Write(() =>
    {
        if (Execute("UPDATE faces SET pinned_person_id = @p WHERE id = @f", ("@p", personId), ("@f", faceId)) != 1)
            throw new CatalogException($"Face id {faceId} is not in the catalog {Location}.");
        // The mirror of ExcludeFaceFromPerson: pinned to and excluded from one person cannot both hold; the newer correction wins.
        if (personId is not null)
            Execute("DELETE FROM face_person_exclusions WHERE face_id = @f AND person_id = @p", ("@f", faceId), ("@p", personId));
    });

    public void ExcludeFaceFromPerson(long faceId, long personId) => Write(() =>
    {
        Execute("""
            INSERT INTO face_person_exclusions (face_id, person_id) VALUES (@f, @p) ON CONFLICT (face_id, person_id) DO NOTHING
            """, ("@f", faceId), ("@p", personId));
        // A face cannot be both pinned to and excluded from the same person: the newer correction wins.
        Execute("UPDATE faces SET pinned_person_id = NULL WHERE id = @f AND pinned_person_id = @p", ("@f", faceId), ("@p", personId));
    });

    public void SetFaceThumbnail(long faceId, string? thumbnailPath) => Write(() =>
    {
        if (Execute("UPDATE faces SET thumbnail_path = @t WHERE id = @f", ("@t", thumbnailPath), ("@f", faceId)) != 1)
            throw new CatalogException($"Face id {faceId} is not in the catalog {Location}.");
    });

    // ---- Persons ----

    private static Person ReadPerson(SqliteDataReader r) =>
        new(r.GetInt64(0), StringOrNull(r, 1), LongOrNull(r, 2), ParseTime(r.GetString(3)), ParseTime(r.GetString(4)));

    public long CreatePerson(string? name, long? representativeFaceId = null) => Write(() =>
        (long)Scalar("INSERT INTO persons (name, representative_face_id, created_at, modified_at) VALUES (@n, @r, @t, @t) RETURNING id",
            ("@n", name), ("@r", representativeFaceId), ("@t", Now()))!);

    public Person? GetPerson(long personId) =>
        Query("SELECT id, name, representative_face_id, created_at, modified_at FROM persons WHERE id = @id", ReadPerson, ("@id", personId)).FirstOrDefault();

    public IReadOnlyList<Person> ListPersons() =>
        Query("SELECT id, name, representative_face_id, created_at, modified_at FROM persons ORDER BY id", ReadPerson);

    public void UpdatePerson(long personId, string? name, long? representativeFaceId) => Write(() =>
    {
        if (Execute("UPDATE persons SET name = @n, representative_face_id = @r, modified_at = @t WHERE id = @id",
                ("@n", name), ("@r", representativeFaceId), ("@t", Now()), ("@id", personId)) != 1)
            throw new CatalogException($"Person id {personId} is not in the catalog {Location}.");
    });

    public void DeletePerson(long personId) => Write(() =>
    {
        if (Execute("DELETE FROM persons WHERE id = @id", ("@id", personId)) != 1)
            throw new CatalogException($"Person id {personId} is not in the catalog {Location}.");
    });
}
