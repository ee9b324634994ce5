using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite.Stores;

internal sealed class SqliteMediaRecordStore(SqliteScope scope) : IMediaRecordStore
{
    private const string Columns = CatalogRows.MediaColumns;

    private static MediaFile Read(SqliteDataReader r) => SqliteRows.Instance.Media(r);

    public Task<IReadOnlyList<MediaRegistration>> RegisterAsync(IReadOnlyList<MediaEntry> entries, CancellationToken cancellationToken = default)
    {
        CatalogRows.Validate(entries);
        if (entries.Count == 0)
            return Task.FromResult<IReadOnlyList<MediaRegistration>>([]);
        return Task.FromResult<IReadOnlyList<MediaRegistration>>(scope.Write(s =>
        {
            var now = SqliteTime.Now();
            // Prepared once per batch: a scan registers every file it walks, so this is a bulk path.
            using var byKey = s.Command($"SELECT {Columns} FROM media_files WHERE tenant_id = @t AND source = @src AND path = @p",
                ("@t", scope.T), ("@src", ""), ("@p", ""));
            using var insert = s.Command($"""
                INSERT INTO media_files (tenant_id, source, path, content_hash, size_bytes, state, created_at, updated_at)
                VALUES (@t, @src, @p, @h, @sz, 'pending', @now, @now) RETURNING {Columns}
                """, ("@t", scope.T), ("@src", ""), ("@p", ""), ("@h", ""), ("@sz", 0L), ("@now", now));
            byKey.Prepare();
            insert.Prepare();

            var registrations = new List<MediaRegistration>(entries.Count);
            foreach (var entry in entries)
            {
                if (One(byKey, entry.Key) is { } known)
                {
                    if (known.ContentHash == (entry.ContentHash ?? ContentHash.NotRead))
                    {
                        registrations.Add(new MediaRegistration(known, MediaChange.Unchanged));
                        continue;
                    }
                    // New content under the old key: what was found in the old bytes no longer applies.
                    DeleteDerived(s, known.Id);
                    s.Execute("""
                        UPDATE media_files SET content_hash = @h, size_bytes = @sz, format = NULL, width = NULL, height = NULL,
                            state = 'pending', reason_code = NULL, reason_detail = NULL, processed_at = NULL, processed_run_id = NULL, updated_at = @now
                        WHERE id = @id
                        """, ("@h", entry.ContentHash ?? ContentHash.NotRead), ("@sz", entry.SizeBytes), ("@now", now), ("@id", known.Id));
                    registrations.Add(new MediaRegistration(Get(s, known.Id)!, MediaChange.Changed));
                    continue;
                }
                if (entry.MovedFrom is { } from && One(byKey, from) is { } moved && moved.ContentHash == entry.ContentHash)
                {
                    s.Execute("UPDATE media_files SET source = @src, path = @p, size_bytes = @sz, updated_at = @now WHERE id = @id",
                        ("@src", entry.Key.Source), ("@p", entry.Key.Key), ("@sz", entry.SizeBytes), ("@now", now), ("@id", moved.Id));
                    registrations.Add(new MediaRegistration(Get(s, moved.Id)!, MediaChange.Moved, moved.Path));
                    continue;
                }
                insert.Parameters["@src"].Value = entry.Key.Source;
                insert.Parameters["@p"].Value = entry.Key.Key;
                insert.Parameters["@h"].Value = entry.ContentHash ?? ContentHash.NotRead;
                insert.Parameters["@sz"].Value = entry.SizeBytes;
                using var reader = insert.ExecuteReader();
                reader.Read();
                registrations.Add(new MediaRegistration(Read(reader), MediaChange.New));
            }
            return registrations;
        }));
    }

    private static MediaFile? One(SqliteCommand byKey, MediaKey key)
    {
        byKey.Parameters["@src"].Value = key.Source;
        byKey.Parameters["@p"].Value = key.Key;
        using var reader = byKey.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>Faces (and through them embeddings, exclusions) and findings that describe a media's content.</summary>
    internal static void DeleteDerived(SqliteSession s, long mediaId)
    {
        s.Execute("DELETE FROM findings WHERE media_a = @id OR media_b = @id", ("@id", mediaId));
        s.Execute("DELETE FROM faces WHERE media_id = @id", ("@id", mediaId));
    }

    private MediaFile? Get(SqliteSession s, long id) =>
        s.Query($"SELECT {Columns} FROM media_files WHERE id = @id AND tenant_id = @t", Read, ("@id", id), ("@t", scope.T)).FirstOrDefault();

    public Task<MediaFile?> GetAsync(long id, CancellationToken cancellationToken = default) =>
        Task.FromResult(scope.Read(s => Get(s, id)));

    public Task<IReadOnlyList<MediaFile>> GetManyAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<MediaFile>>(ids.Count == 0 ? [] : scope.Read(s => s.Query(
            $"SELECT {Columns} FROM media_files WHERE tenant_id = @t AND id IN (SELECT value FROM json_each(@ids)) ORDER BY id",
            Read, ("@t", scope.T), ("@ids", Col.Ids(ids)))));

    public Task<MediaFile?> FindAsync(MediaKey key, CancellationToken cancellationToken = default) =>
        Task.FromResult(scope.Read(s => s.Query($"SELECT {Columns} FROM media_files WHERE tenant_id = @t AND source = @src AND path = @p",
            Read, ("@t", scope.T), ("@src", key.Source), ("@p", key.Key)).FirstOrDefault()));

    public Task<IReadOnlyList<MediaFile>> FindByHashesAsync(IReadOnlyCollection<string> contentHashes, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<MediaFile>>(contentHashes.Count == 0 ? [] : scope.Read(s => s.Query(
            $"SELECT {Columns} FROM media_files WHERE tenant_id = @t AND content_hash IN (SELECT value FROM json_each(@h)) ORDER BY id",
            Read, ("@t", scope.T), ("@h", Col.Strings(contentHashes)))));

    public Task<IReadOnlyList<MediaFile>> ListAsync(MediaState? state = null, Page page = default, CancellationToken cancellationToken = default)
    {
        var limit = page.Limit <= 0 ? int.MaxValue : page.Limit;
        return Task.FromResult<IReadOnlyList<MediaFile>>(scope.Read(s => s.Query(
            $"SELECT {Columns} FROM media_files WHERE tenant_id = @t AND id > @after {(state is null ? "" : "AND state = @s")} ORDER BY id LIMIT @limit",
            Read, ("@t", scope.T), ("@after", page.AfterId), ("@s", state is { } st ? StoreCodes.Code(st) : null), ("@limit", limit))));
    }

    public Task<long> CountAsync(MediaState? state = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(scope.Read(s => s.Long(
            $"SELECT COUNT(*) FROM media_files WHERE tenant_id = @t {(state is null ? "" : "AND state = @s")}",
            ("@t", scope.T), ("@s", state is { } st ? StoreCodes.Code(st) : null))));

    public Task<IReadOnlyList<MediaFile>> ClaimPendingAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        if (!scope.InUnitOfWork)
            throw new InvalidOperationException("A claim lasts as long as its unit of work: call ClaimPendingAsync on IUnitOfWork.Media.");
        // The unit's IMMEDIATE transaction is the file's only writer, so no other unit can hold any of these.
        return Task.FromResult<IReadOnlyList<MediaFile>>(scope.Read(s => s.Query(
            $"SELECT {Columns} FROM media_files WHERE tenant_id = @t AND state = 'pending' ORDER BY id LIMIT @limit", Read, ("@t", scope.T), ("@limit", limit))));
    }

    public Task ResetAsync(IReadOnlyList<long> mediaIds, CancellationToken cancellationToken = default)
    {
        scope.Write(s =>
        {
            var now = SqliteTime.Now();
            foreach (var id in mediaIds)
            {
                if (Get(s, id) is null)
                    throw new RecordNotFoundException(NotInCatalog.Media(id, scope.Database.Location));
                DeleteDerived(s, id);
                s.Execute("""
                    UPDATE media_files SET state = 'pending', reason_code = NULL, reason_detail = NULL, processed_at = NULL,
                        processed_run_id = NULL, updated_at = @now
                    WHERE id = @id
                    """, ("@now", now), ("@id", id));
            }
        });
        return Task.CompletedTask;
    }

    public Task SaveResultsAsync(IReadOnlyList<MediaResult> results, long? runId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
            CatalogRows.Validate(result);
        if (results.Count == 0)
            return Task.CompletedTask;
        scope.Write(s =>
        {
            var now = SqliteTime.Now();
            // One prepared statement per shape, re-bound per row: the bulk path (thousands of faces a second).
            using var deleteFaces = s.Command("DELETE FROM faces WHERE media_id = @m", ("@m", 0L));
            using var markDone = s.Command("""
                UPDATE media_files SET state = 'done', reason_code = @code, reason_detail = @detail,
                    format = COALESCE(@format, format), width = COALESCE(@w, width), height = COALESCE(@h, height),
                    content_hash = COALESCE(@hash, content_hash), size_bytes = COALESCE(@size, size_bytes),
                    processed_at = @now, processed_run_id = @run, updated_at = @now
                WHERE id = @m AND tenant_id = @t
                """, ("@code", ""), ("@detail", null), ("@format", null), ("@w", null), ("@h", null), ("@hash", null), ("@size", null),
                ("@now", now), ("@run", runId), ("@m", 0L), ("@t", scope.T));
            using var insertFace = s.Command("""
                INSERT INTO faces (tenant_id, media_id, face_index, box_x, box_y, box_w, box_h, landmarks_json, detector, detector_score, quality, thumbnail_path, created_at)
                VALUES (@t, @m, @i, @x, @y, @w, @h, @lm, @det, @score, @q, @thumb, @now) RETURNING id
                """, ("@t", scope.T), ("@m", 0L), ("@i", 0), ("@x", 0f), ("@y", 0f), ("@w", 0f), ("@h", 0f), ("@lm", null), ("@det", ""), ("@score", 0f),
                ("@q", null), ("@thumb", null), ("@now", now));
            using var insertEmbedding = s.Command("""
                INSERT INTO face_embeddings (face_id, model, model_version, dimension, vector) VALUES (@f, @model, @version, @dim, @v)
                """, ("@f", 0L), ("@model", ""), ("@version", ""), ("@dim", 0), ("@v", Array.Empty<byte>()));
            deleteFaces.Prepare();
            markDone.Prepare();
            insertFace.Prepare();
            insertEmbedding.Prepare();

            long rejected = 0;
            foreach (var result in results)
            {
                markDone.Parameters["@code"].Value = result.ReasonCode;
                markDone.Parameters["@detail"].Value = (object?)result.ReasonDetail ?? DBNull.Value;
                markDone.Parameters["@format"].Value = (object?)result.Format ?? DBNull.Value;
                markDone.Parameters["@w"].Value = (object?)result.Width ?? DBNull.Value;
                markDone.Parameters["@h"].Value = (object?)result.Height ?? DBNull.Value;
                markDone.Parameters["@hash"].Value = (object?)result.ContentHash ?? DBNull.Value;
                markDone.Parameters["@size"].Value = (object?)result.SizeBytes ?? DBNull.Value;
                markDone.Parameters["@m"].Value = result.MediaId;
                if (markDone.ExecuteNonQuery() != 1)
                    throw new RecordNotFoundException($"Media id {result.MediaId} is not in the catalog {scope.Database.Location}; register the file before saving its results.");
                if (result.ReasonCode != "ok")
                    rejected++;

                // Re-processing replaces, never duplicates, a file's faces (new ids: AUTOINCREMENT never reuses one).
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
                        insertEmbedding.Parameters["@f"].Value = faceId;
                        insertEmbedding.Parameters["@model"].Value = embedding.Model;
                        insertEmbedding.Parameters["@version"].Value = embedding.ModelVersion;
                        insertEmbedding.Parameters["@dim"].Value = embedding.Vector.Length;
                        insertEmbedding.Parameters["@v"].Value = EmbeddingCodec.ToBytes(embedding.Vector);
                        insertEmbedding.ExecuteNonQuery();
                    }
                }
            }

            if (runId is { } run && s.Execute("""
                    UPDATE runs SET processed = processed + @n, rejected = rejected + @r, heartbeat_at = @now WHERE id = @id AND tenant_id = @t
                    """, ("@n", (long)results.Count), ("@r", rejected), ("@now", now), ("@id", run), ("@t", scope.T)) != 1)
                throw new RecordNotFoundException(NotInCatalog.Run(run, scope.Database.Location));
        });
        return Task.CompletedTask;
    }
}
