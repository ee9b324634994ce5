using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite;

public sealed partial class SqliteCatalog
{
    private const string MediaColumns =
        "id, path, content_hash, size_bytes, format, width, height, state, reason_code, reason_detail, processed_at, processed_run_id, created_at, updated_at";

    private static MediaFile ReadMedia(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), StringOrNull(r, 4), IntOrNull(r, 5), IntOrNull(r, 6),
        ParseState(r.GetString(7)), StringOrNull(r, 8), StringOrNull(r, 9), ParseTimeOrNull(r, 10), LongOrNull(r, 11),
        ParseTime(r.GetString(12)), ParseTime(r.GetString(13)));

    private static MediaState ParseState(string state) => state switch
    {
        "pending" => MediaState.Pending,
        "done" => MediaState.Done,
        _ => throw new FormatException($"Unknown media state '{state}' in the catalog."),
    };

    private static string StateCode(MediaState state) => state == MediaState.Done ? "done" : "pending";

    public MediaRegistration RegisterMedia(string path, string contentHash, long sizeBytes, Func<string, bool>? pathExists = null) =>
        RegisterMediaBatch([new MediaFileInfo(path, contentHash, sizeBytes)], pathExists)[0];

    public IReadOnlyList<MediaRegistration> RegisterMediaBatch(IReadOnlyList<MediaFileInfo> files, Func<string, bool>? pathExists = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var file in files)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(file.Path);
            if (!ContentHash.IsValid(file.ContentHash))
                throw new ArgumentException($"'{file.ContentHash}' (for {file.Path}) is not a lowercase SHA-256 hex digest.", nameof(files));
            ArgumentOutOfRangeException.ThrowIfNegative(file.SizeBytes);
        }
        pathExists ??= File.Exists;
        if (files.Count == 0)
            return [];

        return Write(() =>
        {
            var now = Now();
            // Prepared once per batch: a scan registers every file it walks, so this is a bulk path.
            using var byPath = Command($"SELECT {MediaColumns} FROM media_files WHERE path = @p AND tenant_id = 1 AND source = 'file'", ("@p", ""));
            using var byHash = Command($"SELECT {MediaColumns} FROM media_files WHERE content_hash = @h ORDER BY id", ("@h", ""));
            using var insert = Command($"""
                INSERT INTO media_files (path, content_hash, size_bytes, state, created_at, updated_at)
                VALUES (@p, @h, @s, 'pending', @t, @t) RETURNING {MediaColumns}
                """, ("@p", ""), ("@h", ""), ("@s", 0L), ("@t", now));
            byPath.Prepare();
            byHash.Prepare();
            insert.Prepare();

            var registrations = new List<MediaRegistration>(files.Count);
            foreach (var (path, contentHash, sizeBytes) in files)
            {
                byPath.Parameters["@p"].Value = path;
                if (ReadAll(byPath).FirstOrDefault() is { } known)
                {
                    if (known.ContentHash == contentHash)
                    {
                        registrations.Add(new MediaRegistration(known, MediaChange.Unchanged));
                        continue;
                    }
                    // New content under the old name: what was found in the old bytes no longer applies.
                    DeleteDerivedData(known.Id);
                    Execute("""
                        UPDATE media_files SET content_hash = @h, size_bytes = @s, format = NULL, width = NULL, height = NULL,
                            state = 'pending', reason_code = NULL, reason_detail = NULL, processed_at = NULL, processed_run_id = NULL,
                            updated_at = @t
                        WHERE id = @id
                        """, ("@h", contentHash), ("@s", sizeBytes), ("@t", now), ("@id", known.Id));
                    registrations.Add(new MediaRegistration(GetMedia(known.Id)!, MediaChange.Changed));
                    continue;
                }

                // Same bytes under a path that is gone: the file was moved or renamed, so keep its faces.
                // If every older path still exists this is a copy, which dedup must see as its own file.
                byHash.Parameters["@h"].Value = contentHash;
                var moved = ReadAll(byHash).FirstOrDefault(m => !pathExists(m.Path));
                if (moved is not null)
                {
                    Execute("UPDATE media_files SET path = @p, size_bytes = @s, updated_at = @t WHERE id = @id",
                        ("@p", path), ("@s", sizeBytes), ("@t", now), ("@id", moved.Id));
                    registrations.Add(new MediaRegistration(GetMedia(moved.Id)!, MediaChange.Moved, moved.Path));
                    continue;
                }

                insert.Parameters["@p"].Value = path;
                insert.Parameters["@h"].Value = contentHash;
                insert.Parameters["@s"].Value = sizeBytes;
                registrations.Add(new MediaRegistration(ReadAll(insert).Single(), MediaChange.New));
            }
            return registrations;
        });
    }

    private static List<MediaFile> ReadAll(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<MediaFile>();
        while (reader.Read())
            rows.Add(ReadMedia(reader));
        return rows;
    }

    /// <summary>Faces (and through them embeddings, exclusions) and findings that describe a media's content.</summary>
    private void DeleteDerivedData(long mediaId)
    {
        Execute("DELETE FROM findings WHERE media_a = @id OR media_b = @id", ("@id", mediaId));
        Execute("DELETE FROM faces WHERE media_id = @id", ("@id", mediaId));
    }

    public MediaFile? GetMedia(long id) =>
        Query($"SELECT {MediaColumns} FROM media_files WHERE id = @id", ReadMedia, ("@id", id)).FirstOrDefault();

    public MediaFile? FindMediaByPath(string path) =>
        Query($"SELECT {MediaColumns} FROM media_files WHERE path = @p AND tenant_id = 1 AND source = 'file'", ReadMedia, ("@p", path)).FirstOrDefault();

    public IReadOnlyList<MediaFile> FindMediaByHash(string contentHash) =>
        Query($"SELECT {MediaColumns} FROM media_files WHERE content_hash = @h ORDER BY id", ReadMedia, ("@h", contentHash));

    public IReadOnlyList<MediaFile> ListMedia(MediaState? state = null) => state is { } s
        ? Query($"SELECT {MediaColumns} FROM media_files WHERE state = @s ORDER BY id", ReadMedia, ("@s", StateCode(s)))
        : Query($"SELECT {MediaColumns} FROM media_files ORDER BY id", ReadMedia);

    public long CountMedia(MediaState? state = null) => state is { } s
        ? (long)Scalar("SELECT COUNT(*) FROM media_files WHERE state = @s", ("@s", StateCode(s)))!
        : (long)Scalar("SELECT COUNT(*) FROM media_files")!;

    public void ResetMedia(IReadOnlyList<long> mediaIds) => Write(() =>
    {
        var now = Now();
        foreach (var id in mediaIds)
        {
            DeleteDerivedData(id);
            Execute("""
                UPDATE media_files SET state = 'pending', reason_code = NULL, reason_detail = NULL, processed_at = NULL,
                    processed_run_id = NULL, updated_at = @t
                WHERE id = @id
                """, ("@t", now), ("@id", id));
        }
    });

    public void SaveResults(IReadOnlyList<MediaResult> results, long? runId = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
            return;
        Write(() =>
        {
            var now = Now();
            // One prepared statement per shape, re-bound per row: this is the bulk path (thousands of faces a second).
            using var deleteFaces = Command("DELETE FROM faces WHERE media_id = @m", ("@m", 0L));
            using var markDone = Command("""
                UPDATE media_files SET state = 'done', reason_code = @code, reason_detail = @detail,
                    format = COALESCE(@format, format), width = COALESCE(@w, width), height = COALESCE(@h, height),
                    processed_at = @t, processed_run_id = @run, updated_at = @t
                WHERE id = @m
                """, ("@code", ""), ("@detail", null), ("@format", null), ("@w", null), ("@h", null), ("@t", now), ("@run", runId), ("@m", 0L));
            using var insertFace = Command("""
                INSERT INTO faces (media_id, face_index, box_x, box_y, box_w, box_h, landmarks_json, detector, detector_score, quality, thumbnail_path, created_at)
                VALUES (@m, @i, @x, @y, @w, @h, @lm, @det, @score, @q, @thumb, @t) RETURNING id
                """, ("@m", 0L), ("@i", 0), ("@x", 0f), ("@y", 0f), ("@w", 0f), ("@h", 0f), ("@lm", null), ("@det", ""), ("@score", 0f),
                ("@q", null), ("@thumb", null), ("@t", now));
            using var insertEmbedding = Command("""
                INSERT INTO face_embeddings (face_id, model, model_version, dimension, vector) VALUES (@f, @model, @version, @dim, @v)
                """, ("@f", 0L), ("@model", ""), ("@version", ""), ("@dim", 0), ("@v", Array.Empty<byte>()));
            deleteFaces.Prepare();
            markDone.Prepare();
            insertFace.Prepare();
            insertEmbedding.Prepare();

            long rejected = 0;
            foreach (var result in results)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(result.ReasonCode, nameof(result.ReasonCode));
                markDone.Parameters["@code"].Value = result.ReasonCode;
                markDone.Parameters["@detail"].Value = (object?)result.ReasonDetail ?? DBNull.Value;
                markDone.Parameters["@format"].Value = (object?)result.Format ?? DBNull.Value;
                markDone.Parameters["@w"].Value = (object?)result.Width ?? DBNull.Value;
                markDone.Parameters["@h"].Value = (object?)result.Height ?? DBNull.Value;
                markDone.Parameters["@m"].Value = result.MediaId;
                if (markDone.ExecuteNonQuery() != 1)
                    throw new CatalogException($"Media id {result.MediaId} is not in the catalog {Location}; register the file before saving its results.");
                if (result.ReasonCode != "ok")
                    rejected++;

                // Re-processing replaces, never duplicates, a file's faces.
                deleteFaces.Parameters["@m"].Value = result.MediaId;
                deleteFaces.ExecuteNonQuery();
                for (int i = 0; i < result.Faces.Count; i++)
                {
                    var face = result.Faces[i];
                    insertFace.Parameters["@m"].Value = result.MediaId;
                    insertFace.Parameters["@i"].Value = i;
                    insertFace.Parameters["@x"].Value = face.Box.X;
                    insertFace.Parameters["@y"].Value = face.Box.Y;
                    insertFace.Parameters["@w"].Value = face.Box.Width;
                    insertFace.Parameters["@h"].Value = face.Box.Height;
                    insertFace.Parameters["@lm"].Value = face.Landmarks is null ? DBNull.Value : EmbeddingCodec.ToJson(face.Landmarks);
                    insertFace.Parameters["@det"].Value = face.Detector;
                    insertFace.Parameters["@score"].Value = face.DetectorScore;
                    insertFace.Parameters["@q"].Value = (object?)face.Quality ?? DBNull.Value;
                    insertFace.Parameters["@thumb"].Value = (object?)face.ThumbnailPath ?? DBNull.Value;
                    var faceId = (long)insertFace.ExecuteScalar()!;
                    foreach (var embedding in face.Embeddings)
                    {
                        CheckVector(embedding.Model, embedding.Vector, result.MediaId);
                        insertEmbedding.Parameters["@f"].Value = faceId;
                        insertEmbedding.Parameters["@model"].Value = embedding.Model;
                        insertEmbedding.Parameters["@version"].Value = embedding.ModelVersion;
                        insertEmbedding.Parameters["@dim"].Value = embedding.Vector.Length;
                        insertEmbedding.Parameters["@v"].Value = EmbeddingCodec.ToBytes(embedding.Vector);
                        insertEmbedding.ExecuteNonQuery();
                    }
                }
            }

            if (runId is { } run)
            {
                var updated = Execute("""
                    UPDATE runs SET processed = processed + @n, rejected = rejected + @r, heartbeat_at = @t WHERE id = @id
                    """, ("@n", (long)results.Count), ("@r", rejected), ("@t", now), ("@id", run));
                if (updated != 1)
                    throw new CatalogException($"Run {run} is not in the catalog {Location}.");
            }
        });
    }

    /// <summary>A vector that cannot be compared (empty, NaN, infinite) would poison every search it joins.</summary>
    private static void CheckVector(string model, float[] vector, long mediaId)
    {
        if (string.IsNullOrWhiteSpace(model))
            throw new ArgumentException($"An embedding of media {mediaId} has no model name.");
        if (vector is null || vector.Length == 0)
            throw new ArgumentException($"The {model} embedding of media {mediaId} is empty.");
        foreach (var component in vector)
            if (!float.IsFinite(component))
                throw new ArgumentException($"The {model} embedding of media {mediaId} has a non-finite component ({component}).");
    }
}
