using Doppel.Storage.Sqlite.Stores;
using Npgsql;
using NpgsqlTypes;

namespace Doppel.Storage.Postgres;

internal sealed class PgMediaRecordStore(PgScope scope) : IMediaRecordStore
{
    private const string Columns = CatalogRows.MediaColumns;

    private static MediaFile Read(NpgsqlDataReader r) => PgRows.Instance.Media(r);

    private string NotFound(long id) => NotInCatalog.Media(id, scope.Database.Location);

    public Task<IReadOnlyList<MediaRegistration>> RegisterAsync(IReadOnlyList<MediaEntry> entries, CancellationToken cancellationToken = default)
    {
        CatalogRows.Validate(entries);
        if (entries.Count == 0)
            return Task.FromResult<IReadOnlyList<MediaRegistration>>([]);
        return scope.WriteAsync<IReadOnlyList<MediaRegistration>>(s => RegisterAsync(s, entries, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// The same rules, in the same entry order, as the SQLite store, in a few round trips for any batch size: every
    /// key the batch names is read (and row-locked) at once, runs of new entries are inserted together, and a
    /// changed or moved record is updated on its own (rare: a scan of unchanged folders does neither).
    /// </summary>
    private async Task<IReadOnlyList<MediaRegistration>> RegisterAsync(PgSession s, IReadOnlyList<MediaEntry> entries, CancellationToken ct)
    {
        var keys = entries.Select(e => e.Key).Concat(entries.Where(e => e.MovedFrom is not null).Select(e => e.MovedFrom!.Value)).Distinct().ToList();
        var known = new Dictionary<MediaKey, MediaFile>();
        foreach (var row in await s.QueryAsync($"""
                     SELECT {Columns} FROM media_files
                     WHERE tenant_id = @t AND (source, path) IN (SELECT * FROM unnest(@src::text[], @p::text[]))
                     ORDER BY id FOR UPDATE
                     """, Read, ct, ("t", scope.T), ("src", keys.Select(k => k.Source).ToArray()), ("p", keys.Select(k => k.Key).ToArray())))
            known[row.Key] = row;

        var registrations = new MediaRegistration?[entries.Count];
        var pending = new List<int>();
        var pendingKeys = new HashSet<MediaKey>();

        for (int i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (pendingKeys.Contains(entry.Key))
                await FlushAsync();
            if (known.TryGetValue(entry.Key, out var current))
            {
                if (current.ContentHash == (entry.ContentHash ?? ContentHash.NotRead))
                {
                    registrations[i] = new MediaRegistration(current, MediaChange.Unchanged);
                    continue;
                }
                // New content under the old key: what was found in the old bytes no longer applies.
                await DeleteDerivedAsync(s, [current.Id], ct);
                var changed = (await s.QueryAsync($"""
                    UPDATE media_files SET content_hash = @h, size_bytes = @sz, format = NULL, width = NULL, height = NULL,
                        state = 'pending', reason_code = NULL, reason_detail = NULL, processed_at = NULL, processed_run_id = NULL, updated_at = clock_timestamp()
                    WHERE id = @id RETURNING {Columns}
                    """, Read, ct, ("h", entry.ContentHash ?? ContentHash.NotRead), ("sz", entry.SizeBytes), ("id", current.Id))).Single();
                known[entry.Key] = changed;
                registrations[i] = new MediaRegistration(changed, MediaChange.Changed);
                continue;
            }
            if (entry.MovedFrom is { } from && known.TryGetValue(from, out var moved) && moved.ContentHash == entry.ContentHash)
            {
                var updated = (await s.QueryAsync($"""
                    UPDATE media_files SET source = @src, path = @p, size_bytes = @sz, updated_at = clock_timestamp() WHERE id = @id RETURNING {Columns}
                    """, Read, ct, ("src", entry.Key.Source), ("p", entry.Key.Key), ("sz", entry.SizeBytes), ("id", moved.Id))).Single();
                known.Remove(from);
                known[entry.Key] = updated;
                registrations[i] = new MediaRegistration(updated, MediaChange.Moved, moved.Path);
                continue;
            }
            pending.Add(i);
            pendingKeys.Add(entry.Key);
        }
        await FlushAsync();
        return registrations.Select(r => r!).ToList();

        async Task FlushAsync()
        {
            if (pending.Count == 0)
                return;
            var batch = pending.Select(i => entries[i]).ToList();
            // Ordered by the batch, so ids follow entry order as they do on SQLite.
            var inserted = await s.QueryAsync($"""
                INSERT INTO media_files (tenant_id, source, path, content_hash, size_bytes, state, created_at, updated_at)
                SELECT @t, u.src, u.p, u.h, u.sz, 'pending', clock_timestamp(), clock_timestamp()
                FROM unnest(@src::text[], @p::text[], @h::text[], @sz::bigint[]) WITH ORDINALITY AS u(src, p, h, sz, n)
                ORDER BY u.n
                RETURNING {Columns}
                """, Read, ct, ("t", scope.T), ("src", batch.Select(e => e.Key.Source).ToArray()), ("p", batch.Select(e => e.Key.Key).ToArray()),
                ("h", batch.Select(e => e.ContentHash ?? ContentHash.NotRead).ToArray()), ("sz", batch.Select(e => e.SizeBytes).ToArray()));
            var byKey = inserted.ToDictionary(m => m.Key);
            foreach (var i in pending)
            {
                var row = byKey[entries[i].Key];
                known[row.Key] = row;
                registrations[i] = new MediaRegistration(row, MediaChange.New);
            }
            pending.Clear();
            pendingKeys.Clear();
        }
    }

    /// <summary>Faces (and through them embeddings, exclusions) and findings that describe these media's content.</summary>
    internal static async Task DeleteDerivedAsync(PgSession s, long[] mediaIds, CancellationToken ct)
    {
        await s.ExecuteAsync("DELETE FROM findings WHERE media_a = ANY(@ids) OR media_b = ANY(@ids)", ct, ("ids", mediaIds));
        await s.ExecuteAsync("DELETE FROM faces WHERE media_id = ANY(@ids)", ct, ("ids", mediaIds));
    }

    private async Task<MediaFile?> GetAsync(PgSession s, long id, CancellationToken ct) =>
        (await s.QueryAsync($"SELECT {Columns} FROM media_files WHERE id = @id AND tenant_id = @t", Read, ct, ("id", id), ("t", scope.T))).FirstOrDefault();

    public Task<MediaFile?> GetAsync(long id, CancellationToken cancellationToken = default) =>
        scope.ReadAsync(s => GetAsync(s, id, cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<MediaFile>> GetManyAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default) =>
        ids.Count == 0 ? [] : await scope.ReadAsync(s => s.QueryAsync(
            $"SELECT {Columns} FROM media_files WHERE tenant_id = @t AND id = ANY(@ids) ORDER BY id", Read, cancellationToken,
            ("t", scope.T), ("ids", ids.ToArray())), cancellationToken);

    public async Task<MediaFile?> FindAsync(MediaKey key, CancellationToken cancellationToken = default) =>
        (await scope.ReadAsync(s => s.QueryAsync($"SELECT {Columns} FROM media_files WHERE tenant_id = @t AND source = @src AND path = @p",
            Read, cancellationToken, ("t", scope.T), ("src", key.Source), ("p", key.Key)), cancellationToken)).FirstOrDefault();

    public async Task<IReadOnlyList<MediaFile>> FindByHashesAsync(IReadOnlyCollection<string> contentHashes, CancellationToken cancellationToken = default) =>
        contentHashes.Count == 0 ? [] : await scope.ReadAsync(s => s.QueryAsync(
            $"SELECT {Columns} FROM media_files WHERE tenant_id = @t AND content_hash = ANY(@h) ORDER BY id", Read, cancellationToken,
            ("t", scope.T), ("h", contentHashes.ToArray())), cancellationToken);

    public async Task<IReadOnlyList<MediaFile>> ListAsync(MediaState? state = null, Page page = default, CancellationToken cancellationToken = default) =>
        await scope.ReadAsync(s => s.QueryAsync(
            $"SELECT {Columns} FROM media_files WHERE tenant_id = @t AND id > @after {(state is null ? "" : "AND state = @s")} ORDER BY id LIMIT @limit",
            Read, cancellationToken, ("t", scope.T), ("after", page.AfterId), ("s", state is { } st ? StoreCodes.Code(st) : ""), ("limit", PgCol.Limit(page))), cancellationToken);

    public Task<long> CountAsync(MediaState? state = null, CancellationToken cancellationToken = default) =>
        scope.ReadAsync(s => s.LongAsync(
            $"SELECT COUNT(*) FROM media_files WHERE tenant_id = @t {(state is null ? "" : "AND state = @s")}", cancellationToken,
            ("t", scope.T), ("s", state is { } st ? StoreCodes.Code(st) : "")), cancellationToken);

    public async Task<IReadOnlyList<MediaFile>> ClaimPendingAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        if (!scope.InUnitOfWork)
            throw new InvalidOperationException("A claim lasts as long as its unit of work: call ClaimPendingAsync on IUnitOfWork.Media.");
        // Row locks held until the unit ends; rows another unit holds are skipped, not waited for.
        return await scope.ReadAsync(s => s.QueryAsync(
            $"SELECT {Columns} FROM media_files WHERE tenant_id = @t AND state = 'pending' ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED", Read, cancellationToken,
            ("t", scope.T), ("limit", limit)), cancellationToken);
    }

    public Task ResetAsync(IReadOnlyList<long> mediaIds, CancellationToken cancellationToken = default) =>
        scope.WriteAsync(async s =>
        {
            var ids = mediaIds.Distinct().ToArray();
            var found = await s.QueryAsync("SELECT id FROM media_files WHERE tenant_id = @t AND id = ANY(@ids) FOR UPDATE", r => r.GetInt64(0), cancellationToken,
                ("t", scope.T), ("ids", ids));
            if (ids.Except(found).FirstOrDefault() is var missing && found.Count != ids.Length)
                throw new RecordNotFoundException(NotFound(missing));
            await DeleteDerivedAsync(s, ids, cancellationToken);
            await s.ExecuteAsync("""
                UPDATE media_files SET state = 'pending', reason_code = NULL, reason_detail = NULL, processed_at = NULL,
                    processed_run_id = NULL, updated_at = clock_timestamp()
                WHERE id = ANY(@ids)
                """, cancellationToken, ("ids", ids));
        }, cancellationToken);

    public Task SaveResultsAsync(IReadOnlyList<MediaResult> results, long? runId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
            CatalogRows.Validate(result);
        if (results.Count == 0)
            return Task.CompletedTask;
        return scope.WriteAsync(s => SaveAsync(s, results, runId, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// The bulk path (thousands of faces a second): one UPDATE for every media of the batch, one DELETE of their old
    /// faces, face ids reserved from the sequence in one query, then the faces and their vectors in two binary
    /// COPY streams. A media that is not this tenant's fails the whole batch before anything is written.
    /// </summary>
    private async Task SaveAsync(PgSession s, IReadOnlyList<MediaResult> results, long? runId, CancellationToken ct)
    {
        // The last result of a media wins, as sequential saves would leave it.
        var last = results.Select((r, i) => (r, i)).GroupBy(x => x.r.MediaId).Select(g => g.Last().r).ToList();
        var ids = last.Select(r => r.MediaId).ToArray();
        var updated = await s.QueryAsync("""
            UPDATE media_files m SET state = 'done', reason_code = u.code, reason_detail = u.detail,
                format = COALESCE(u.format, m.format), width = COALESCE(u.w, m.width), height = COALESCE(u.h, m.height),
                content_hash = COALESCE(u.hash, m.content_hash), size_bytes = COALESCE(u.size, m.size_bytes),
                processed_at = clock_timestamp(), processed_run_id = @run, updated_at = clock_timestamp()
            FROM unnest(@ids::bigint[], @codes::text[], @details::text[], @formats::text[], @ws::integer[], @hs::integer[], @hashes::text[], @sizes::bigint[])
                AS u(id, code, detail, format, w, h, hash, size)
            WHERE m.id = u.id AND m.tenant_id = @t
            RETURNING m.id
            """, r => r.GetInt64(0), ct, ("ids", ids), ("codes", last.Select(r => r.ReasonCode).ToArray()),
            ("details", last.Select(r => r.ReasonDetail).ToArray()), ("formats", last.Select(r => r.Format).ToArray()),
            ("ws", last.Select(r => r.Width).ToArray()), ("hs", last.Select(r => r.Height).ToArray()),
            ("hashes", last.Select(r => r.ContentHash).ToArray()), ("sizes", last.Select(r => r.SizeBytes).ToArray()), ("run", runId), ("t", scope.T));
        if (updated.Count != ids.Length)
            throw new RecordNotFoundException($"{NotFound(ids.Except(updated).First())[..^1]}; register the file before saving its results.");

        // Re-processing replaces, never duplicates, a file's faces (new ids: the sequence never hands one out twice).
        await s.ExecuteAsync("DELETE FROM faces WHERE media_id = ANY(@ids)", ct, ("ids", ids));
        int faceCount = last.Sum(r => r.Faces.Count);
        if (faceCount > 0)
        {
            var faceIds = await s.QueryAsync("SELECT nextval(pg_get_serial_sequence('faces', 'id')) FROM generate_series(1, @n)", r => r.GetInt64(0), ct, ("n", faceCount));
            faceIds.Sort();
            int next = 0;
            await using (var faces = await s.Connection.BeginBinaryImportAsync(
                "COPY faces (id, tenant_id, media_id, face_index, box_x, box_y, box_w, box_h, landmarks, detector, detector_score, quality, thumbnail_path, created_at) FROM STDIN (FORMAT BINARY)", ct))
            {
                var now = DateTimeOffset.UtcNow;
                foreach (var result in last)
                    for (int i = 0; i < result.Faces.Count; i++)
                    {
                        var face = result.Faces[i];
                        await faces.StartRowAsync(ct);
                        await faces.WriteAsync(faceIds[next++], NpgsqlDbType.Bigint, ct);
                        await faces.WriteAsync(scope.T, NpgsqlDbType.Bigint, ct);
                        await faces.WriteAsync(result.MediaId, NpgsqlDbType.Bigint, ct);
                        await faces.WriteAsync(i, NpgsqlDbType.Integer, ct);
                        await faces.WriteAsync(face.Box.X, NpgsqlDbType.Real, ct);
                        await faces.WriteAsync(face.Box.Y, NpgsqlDbType.Real, ct);
                        await faces.WriteAsync(face.Box.Width, NpgsqlDbType.Real, ct);
                        await faces.WriteAsync(face.Box.Height, NpgsqlDbType.Real, ct);
                        await WriteNullableAsync(faces, face.Landmarks, NpgsqlDbType.Array | NpgsqlDbType.Real, ct);
                        await faces.WriteAsync(face.Detector, NpgsqlDbType.Text, ct);
                        await faces.WriteAsync(face.DetectorScore, NpgsqlDbType.Real, ct);
                        await WriteNullableAsync(faces, face.Quality, NpgsqlDbType.Real, ct);
                        await WriteNullableAsync(faces, face.ThumbnailPath, NpgsqlDbType.Text, ct);
                        await faces.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
                    }
                await faces.CompleteAsync(ct);
            }
            next = 0;
            await using var vectors = await s.Connection.BeginBinaryImportAsync(
                "COPY face_embeddings (face_id, model, model_version, dimension, vector) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var result in last)
                foreach (var face in result.Faces)
                {
                    var faceId = faceIds[next++];
                    foreach (var embedding in face.Embeddings)
                    {
                        await vectors.StartRowAsync(ct);
                        await vectors.WriteAsync(faceId, NpgsqlDbType.Bigint, ct);
                        await vectors.WriteAsync(embedding.Model, NpgsqlDbType.Text, ct);
                        await vectors.WriteAsync(embedding.ModelVersion, NpgsqlDbType.Text, ct);
                        await vectors.WriteAsync(embedding.Vector.Length, NpgsqlDbType.Integer, ct);
                        await vectors.WriteAsync(EmbeddingCodec.ToBytes(embedding.Vector), NpgsqlDbType.Bytea, ct);
                    }
                }
            await vectors.CompleteAsync(ct);
        }

        if (runId is { } run)
        {
            long rejected = results.Count(r => r.ReasonCode != "ok");
            if (await s.ExecuteAsync("""
                    UPDATE runs SET processed = processed + @n, rejected = rejected + @r, heartbeat_at = clock_timestamp() WHERE id = @id AND tenant_id = @t
                    """, ct, ("n", (long)results.Count), ("r", rejected), ("id", run), ("t", scope.T)) != 1)
                throw new RecordNotFoundException(NotInCatalog.Run(run, scope.Database.Location));
        }
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter importer, T? value, NpgsqlDbType type, CancellationToken ct) =>
        value is null ? importer.WriteNullAsync(ct) : importer.WriteAsync(value, type, ct);
}
