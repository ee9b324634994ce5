using Npgsql;
using NpgsqlTypes;

namespace Doppel.Workers;

/// <summary>Where a distributed dedup set stands. <see cref="Failed"/> is final until someone re-runs it.</summary>
public enum WorkState
{
    Analysing,
    Matching,
    Finishing,
    Completed,
    Failed,
}

/// <summary>One dedup set processed by workers: what to do (media, model, threshold, chunking) and how far it got.
/// <see cref="ModelVersion"/> is claimed by the first worker that analyses; every other worker must have the same.</summary>
public sealed record WorkSet(
    long Id,
    long Tenant,
    long RunId,
    WorkState State,
    string Model,
    string? ModelVersion,
    float? Threshold,
    string Grouping,
    int ChunkSize,
    int BlockSize,
    long[] MediaIds,
    int Chunks,
    int ChunksDone,
    int? Blocks,
    int PartitionsDone,
    long? DedupSetId,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>How pairs are found: <see cref="SearchExact"/> (row × column block partitions) or <see cref="SearchIvf"/>
    /// (cell-range partitions of the inverted file trained once when matching is planned).</summary>
    public string Search { get; init; } = SearchExact;

    public const string SearchExact = "exact";
    public const string SearchIvf = "ivf";

    /// <summary>With IVF, once planned: the first cell of each partition, then the cell count (partition g joins cells
    /// [CellBounds[g], CellBounds[g + 1])).</summary>
    public int[]? CellBounds { get; init; }

    /// <summary>Faces stored with a quality below this are not matched (<c>--min-quality</c>); null: every face.</summary>
    public float? MinQuality { get; init; }

    /// <summary>The recogniser the set was opened with, an ensemble's weights kept (a service set's: its model profile's);
    /// null for a set queued before work sets recorded it.</summary>
    public string? Recogniser { get; init; }

    /// <summary>The recognition profile every step of the set scores with (thresholds, levels, calibration): the recorded
    /// recogniser's. A set queued before work sets recorded their recogniser has only <see cref="Model"/>, the stored name,
    /// which drops an ensemble's weights; it keeps the profile of that name, which is what its jobs used when it was queued
    /// (the only fallback: every job reads the profile here).</summary>
    public Doppel.Vision.Embedding.RecognitionProfile Profile => Doppel.Vision.Embedding.RecognitionProfiles.For(Recogniser ?? Model);

    /// <summary>The service's set (HOPE/v1) this work processes, or null for a catalog dedup (CLI, schedule).</summary>
    public Guid? ServiceSet { get; init; }

    /// <summary>Matching partitions once planned: every (row, column) block pair of the upper triangle for the exact
    /// join, one per cell range (<see cref="Blocks"/> of them) for IVF.</summary>
    public int? Partitions => Blocks is not { } b ? null : Search == SearchIvf ? b : b * (b + 1) / 2;

    public bool IsFinal => State is WorkState.Completed or WorkState.Failed;
}

/// <summary>What an analysis chunk records for planning: its media's faces with a vector of the set's version, the
/// lowest of their levels when the set's scores are normalised (null otherwise, or with no face), and the checksum of
/// those faces' ids (<see cref="FaceChecksum"/>), by which planning knows whether the faces it matches are still those.</summary>
public readonly record struct ChunkFaces(int Faces, float? LowestLevel, long Checksum);

/// <summary>A chunk's record as planning reads it (null fields: a chunk stored by a worker before they were recorded).</summary>
public readonly record struct ChunkRecord(int Chunk, int? Faces, float? LowestLevel, long? Checksum);

/// <summary>
/// An order-free checksum of a set of face ids: the wrapping sum of each id's splitmix64 mix. A chunk records it when it
/// commits; planning compares it with the chunk's faces it is about to match. Face ids are never reused and a re-analysed
/// image gets new faces, so another run re-analysing the chunk's images between the commit and the plan changes it (and
/// with it the faces' levels); a vector of one face and version is what that version computes from that face, so equal ids
/// mean equal levels. A collision of two different id sets needs 2^-64 luck.
/// </summary>
public static class FaceChecksum
{
    public static long Of(IEnumerable<long> faceIds)
    {
        ulong sum = 0;
        foreach (var id in faceIds)
            sum += Mix((ulong)id);
        return unchecked((long)sum);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>A face pair a matching partition found, by the faces' positions in the set's frozen face order.</summary>
public readonly record struct PartitionPair(int A, int B, float Score);

/// <summary>
/// The job graph's own state in the jobs database (PostgreSQL, schema <c>doppel_work</c>, beside Hangfire's):
/// sets, which analysis chunks and matching partitions are done, the frozen face order matching runs over,
/// and the pairs each partition found. Every write is idempotent (keyed by set and chunk or partition), so a
/// job that runs twice — a worker killed after writing, before Hangfire heard it finished — changes nothing
/// the second time. The catalog (media, faces, vectors, findings) stays in the catalog's stores.
/// </summary>
public sealed class WorkStore : IAsyncDisposable
{
    private const int SchemaVersion = 1;
    private readonly NpgsqlDataSource _source;

    private WorkStore(NpgsqlDataSource source) => _source = source;

    public static async Task<WorkStore> OpenAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var source = NpgsqlDataSource.Create(connectionString);
        var store = new WorkStore(source);
        try
        {
            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch
        {
            await source.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        // One migrator at a time across processes (many workers start together).
        await Exec(connection, "SELECT pg_advisory_xact_lock(7344500101)", cancellationToken);
        await Exec(connection, $"""
            CREATE SCHEMA IF NOT EXISTS doppel_work;
            CREATE TABLE IF NOT EXISTS doppel_work.version (version int NOT NULL);
            CREATE TABLE IF NOT EXISTS doppel_work.sets (
                id bigserial PRIMARY KEY,
                tenant bigint NOT NULL,
                run_id bigint NOT NULL,
                state text NOT NULL,
                model text NOT NULL,
                model_version text,
                threshold real,
                grouping text NOT NULL,
                chunk_size int NOT NULL CHECK (chunk_size > 0),
                block_size int NOT NULL CHECK (block_size > 0),
                media_ids bigint[] NOT NULL,
                chunks int NOT NULL,
                blocks int,
                dedup_set_id bigint,
                error text,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now());
            -- Added with IVF partitions and service sets; a store made before reads as exact catalog dedups.
            ALTER TABLE doppel_work.sets ADD COLUMN IF NOT EXISTS search text NOT NULL DEFAULT 'exact';
            ALTER TABLE doppel_work.sets ADD COLUMN IF NOT EXISTS cell_bounds int[];
            ALTER TABLE doppel_work.sets ADD COLUMN IF NOT EXISTS centroids bytea;
            ALTER TABLE doppel_work.sets ADD COLUMN IF NOT EXISTS service_set uuid;
            ALTER TABLE doppel_work.sets ADD COLUMN IF NOT EXISTS min_quality real;
            -- Added when workers followed each set's profile: the recogniser it was opened with (null before).
            ALTER TABLE doppel_work.sets ADD COLUMN IF NOT EXISTS recogniser text;
            -- One set per catalog run: an enqueuer retrying after a dropped connection gets the same set.
            CREATE UNIQUE INDEX IF NOT EXISTS sets_run ON doppel_work.sets (tenant, run_id);
            CREATE TABLE IF NOT EXISTS doppel_work.chunks (
                set_id bigint NOT NULL REFERENCES doppel_work.sets ON DELETE CASCADE,
                chunk int NOT NULL,
                worker text NOT NULL,
                done_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (set_id, chunk));
            -- Added when planning stopped reading every vector: each chunk's faces with a vector and their lowest level.
            ALTER TABLE doppel_work.chunks ADD COLUMN IF NOT EXISTS faces int;
            ALTER TABLE doppel_work.chunks ADD COLUMN IF NOT EXISTS lowest_level real;
            -- Added when planning learned to tell a chunk re-analysed since its commit: the checksum of its faces' ids.
            ALTER TABLE doppel_work.chunks ADD COLUMN IF NOT EXISTS face_checksum bigint;
            -- What planning read: vectors in all, and the most it held at once (IVF trains on a sample, then streams).
            ALTER TABLE doppel_work.sets ADD COLUMN IF NOT EXISTS plan_vectors bigint;
            ALTER TABLE doppel_work.sets ADD COLUMN IF NOT EXISTS plan_held bigint;
            CREATE TABLE IF NOT EXISTS doppel_work.faces (
                set_id bigint NOT NULL REFERENCES doppel_work.sets ON DELETE CASCADE,
                ord int NOT NULL,
                face_id bigint NOT NULL,
                media_id bigint NOT NULL,
                PRIMARY KEY (set_id, ord));
            -- IVF: each face's probe list (home cell first), GIN-indexed so a partition reads only the faces probing its
            -- cells. The index's compressed posting lists cost a few bytes per probe; a (cell, face) row per probe cost
            -- ~40 bytes plus its b-tree, 10 GB and more for a million faces at 150 probes each.
            ALTER TABLE doppel_work.faces ADD COLUMN IF NOT EXISTS cells int[];
            CREATE INDEX IF NOT EXISTS faces_cells ON doppel_work.faces USING gin (cells);
            -- A service set's images and the media record each one's file was registered as (images without a file have none).
            CREATE TABLE IF NOT EXISTS doppel_work.set_images (
                set_id bigint NOT NULL REFERENCES doppel_work.sets ON DELETE CASCADE,
                image_id bigint NOT NULL,
                media_id bigint NOT NULL,
                PRIMARY KEY (set_id, image_id));

            CREATE TABLE IF NOT EXISTS doppel_work.partitions (
                set_id bigint NOT NULL REFERENCES doppel_work.sets ON DELETE CASCADE,
                row_block int NOT NULL,
                col_block int NOT NULL,
                pairs int NOT NULL,
                worker text NOT NULL,
                done_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (set_id, row_block, col_block));
            CREATE TABLE IF NOT EXISTS doppel_work.pairs (
                set_id bigint NOT NULL REFERENCES doppel_work.sets ON DELETE CASCADE,
                a int NOT NULL,
                b int NOT NULL,
                score real NOT NULL,
                PRIMARY KEY (set_id, a, b));
            -- How many vectors each partition read (its blocks' faces, or its cells' probers).
            ALTER TABLE doppel_work.partitions ADD COLUMN IF NOT EXISTS vectors int;
            INSERT INTO doppel_work.version SELECT {SchemaVersion} WHERE NOT EXISTS (SELECT 1 FROM doppel_work.version);
            """, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>The set of catalog run <paramref name="runId"/>: created, or the one created before for that run.</summary>
    public async Task<long> CreateSetAsync(long tenant, long runId, string model, float? threshold, string grouping, int chunkSize, int blockSize,
        IReadOnlyList<long> mediaIds, CancellationToken cancellationToken = default, string search = WorkSet.SearchExact, Guid? serviceSet = null, float? minQuality = null,
        string? recogniser = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        if (search is not (WorkSet.SearchExact or WorkSet.SearchIvf))
            throw new ArgumentException($"Search '{search}' cannot be partitioned over workers: use exact or ivf.", nameof(search));
        await using var command = _source.CreateCommand("""
            INSERT INTO doppel_work.sets (tenant, run_id, state, model, threshold, grouping, chunk_size, block_size, media_ids, chunks, search, service_set, min_quality, recogniser)
            VALUES ($1, $2, 'analysing', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (tenant, run_id) DO UPDATE SET updated_at = doppel_work.sets.updated_at RETURNING id
            """);
        command.Parameters.Add(new() { Value = tenant });
        command.Parameters.Add(new() { Value = runId });
        command.Parameters.Add(new() { Value = model });
        command.Parameters.Add(new() { Value = threshold.HasValue ? threshold.Value : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Real });
        command.Parameters.Add(new() { Value = grouping });
        command.Parameters.Add(new() { Value = chunkSize });
        command.Parameters.Add(new() { Value = blockSize });
        command.Parameters.Add(new() { Value = mediaIds.ToArray() });
        command.Parameters.Add(new() { Value = (mediaIds.Count + chunkSize - 1) / chunkSize });
        command.Parameters.Add(new() { Value = search });
        command.Parameters.Add(new() { Value = serviceSet.HasValue ? serviceSet.Value : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = minQuality.HasValue ? minQuality.Value : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Real });
        command.Parameters.Add(new() { Value = (object?)recogniser ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Stores a service set's image → media records (again: the first stored stay).</summary>
    public async Task SaveImageMediaAsync(long id, IReadOnlyDictionary<long, long> imageMedia, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("""
            INSERT INTO doppel_work.set_images (set_id, image_id, media_id) SELECT $1, i, m FROM unnest($2::bigint[], $3::bigint[]) AS t (i, m)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = imageMedia.Keys.ToArray() });
        command.Parameters.Add(new() { Value = imageMedia.Values.ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<long, long>> ReadImageMediaAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT image_id, media_id FROM doppel_work.set_images WHERE set_id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var map = new Dictionary<long, long>();
        while (await reader.ReadAsync(cancellationToken))
            map[reader.GetInt64(0)] = reader.GetInt64(1);
        return map;
    }

    /// <summary>The catalog run of the service set's unfinished work, if it has one (a start job that runs again reuses it).</summary>
    public async Task<long?> OpenRunOfServiceSetAsync(long tenant, Guid serviceSet, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("""
            SELECT run_id FROM doppel_work.sets WHERE tenant = $1 AND service_set = $2 AND state NOT IN ('completed', 'failed') ORDER BY id DESC LIMIT 1
            """);
        command.Parameters.Add(new() { Value = tenant });
        command.Parameters.Add(new() { Value = serviceSet });
        return await command.ExecuteScalarAsync(cancellationToken) is long run ? run : null;
    }

    public async Task<WorkSet?> GetSetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("""
            SELECT s.id, s.tenant, s.run_id, s.state, s.model, s.model_version, s.threshold, s.grouping, s.chunk_size, s.block_size,
                   s.media_ids, s.chunks, (SELECT count(*) FROM doppel_work.chunks c WHERE c.set_id = s.id)::int,
                   s.blocks, (SELECT count(*) FROM doppel_work.partitions p WHERE p.set_id = s.id)::int,
                   s.dedup_set_id, s.error, s.created_at, s.updated_at, s.search, s.cell_bounds, s.service_set, s.min_quality,
                   s.recogniser
            FROM doppel_work.sets s WHERE s.id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new WorkSet(
            reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), Enum.Parse<WorkState>(reader.GetString(3), ignoreCase: true),
            reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetFloat(6),
            reader.GetString(7), reader.GetInt32(8), reader.GetInt32(9), reader.GetFieldValue<long[]>(10), reader.GetInt32(11), reader.GetInt32(12),
            reader.IsDBNull(13) ? null : reader.GetInt32(13), reader.GetInt32(14), reader.IsDBNull(15) ? null : reader.GetInt64(15),
            reader.IsDBNull(16) ? null : reader.GetString(16), reader.GetFieldValue<DateTimeOffset>(17), reader.GetFieldValue<DateTimeOffset>(18))
        {
            Search = reader.GetString(19),
            CellBounds = reader.IsDBNull(20) ? null : reader.GetFieldValue<int[]>(20),
            ServiceSet = reader.IsDBNull(21) ? null : reader.GetGuid(21),
            MinQuality = reader.IsDBNull(22) ? null : reader.GetFloat(22),
            Recogniser = reader.IsDBNull(23) ? null : reader.GetString(23),
        };
    }

    /// <summary>Records the model version and threshold the set's vectors are made with, if none is recorded yet;
    /// returns the recorded ones (this worker's, or the first worker's).</summary>
    public async Task<(string Version, float Threshold)> ClaimModelAsync(long id, string version, float defaultThreshold, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("""
            UPDATE doppel_work.sets SET model_version = COALESCE(model_version, $2), threshold = COALESCE(threshold, $3), updated_at = now()
            WHERE id = $1 RETURNING model_version, threshold
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = version });
        command.Parameters.Add(new() { Value = defaultThreshold });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new InvalidOperationException($"Work set {id} does not exist.");
        return (reader.GetString(0), reader.GetFloat(1));
    }

    /// <summary>Marks an analysis chunk done (again is a no-op) with its <paramref name="faces"/>; returns how many chunks of the set are done.</summary>
    public async Task<int> MarkChunkDoneAsync(long id, int chunk, string worker, CancellationToken cancellationToken = default, ChunkFaces? faces = null)
    {
        await using var command = _source.CreateCommand("""
            INSERT INTO doppel_work.chunks (set_id, chunk, worker, faces, lowest_level, face_checksum) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING;
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = chunk });
        command.Parameters.Add(new() { Value = worker });
        command.Parameters.Add(new() { Value = faces is { } f ? f.Faces : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = faces?.LowestLevel is { } l ? l : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Real });
        command.Parameters.Add(new() { Value = faces is { } c ? c.Checksum : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return await CountAsync("SELECT count(*)::int FROM doppel_work.chunks WHERE set_id = $1", id, cancellationToken);
    }

    /// <summary>The set's done chunks as they recorded their faces, in chunk order.</summary>
    public async Task<IReadOnlyList<ChunkRecord>> ReadChunksAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT chunk, faces, lowest_level, face_checksum FROM doppel_work.chunks WHERE set_id = $1 ORDER BY chunk");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var chunks = new List<ChunkRecord>();
        while (await reader.ReadAsync(cancellationToken))
            chunks.Add(new ChunkRecord(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetFloat(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3)));
        return chunks;
    }

    /// <summary>Records what planning read: <paramref name="vectors"/> in all, at most <paramref name="held"/> in memory at once.</summary>
    public async Task RecordPlanReadsAsync(long id, long vectors, long held, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("UPDATE doppel_work.sets SET plan_vectors = $2, plan_held = $3 WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = vectors });
        command.Parameters.Add(new() { Value = held });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>What planning read (see <see cref="RecordPlanReadsAsync"/>), null before it recorded.</summary>
    public async Task<(long Vectors, long Held)?> ReadPlanReadsAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT plan_vectors, plan_held FROM doppel_work.sets WHERE id = $1 AND plan_vectors IS NOT NULL");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetInt64(1)) : null;
    }

    public async Task<bool> IsChunkDoneAsync(long id, int chunk, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT EXISTS (SELECT 1 FROM doppel_work.chunks WHERE set_id = $1 AND chunk = $2)");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = chunk });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Freezes the face order matching runs over (face id order) and the number of blocks, once: a second call
    /// (a fan-in step that ran twice) keeps the first order and returns it. Moves the set to matching. With
    /// <paramref name="ivf"/> the cells are frozen with it (centroids, each face's probe list, the cell ranges), and the
    /// blocks are the cell ranges.
    /// </summary>
    public async Task<(IReadOnlyList<(long FaceId, long MediaId)> Faces, int Blocks)> FreezeFacesAsync(long id,
        IReadOnlyList<(long FaceId, long MediaId)> faces, int blockSize, CancellationToken cancellationToken = default, IvfFreeze? ivf = null)
    {
        if (ivf is not null && ivf.ProbeLists.Count != faces.Count)
            throw new ArgumentException($"{faces.Count} faces but {ivf.ProbeLists.Count} probe lists.", nameof(ivf));
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockSet = new NpgsqlCommand("SELECT blocks FROM doppel_work.sets WHERE id = $1 FOR UPDATE", connection, tx))
        {
            lockSet.Parameters.Add(new() { Value = id });
            var blocks = await lockSet.ExecuteScalarAsync(cancellationToken);
            if (blocks is int frozen)
            {
                await tx.CommitAsync(cancellationToken);
                return (await ReadFacesAsync(id, cancellationToken), frozen);
            }
        }
        await using (var import = await connection.BeginBinaryImportAsync("COPY doppel_work.faces (set_id, ord, face_id, media_id, cells) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            for (int i = 0; i < faces.Count; i++)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(id, NpgsqlDbType.Bigint, cancellationToken);
                await import.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
                await import.WriteAsync(faces[i].FaceId, NpgsqlDbType.Bigint, cancellationToken);
                await import.WriteAsync(faces[i].MediaId, NpgsqlDbType.Bigint, cancellationToken);
                if (ivf is null)
                    await import.WriteNullAsync(cancellationToken);
                else
                    await import.WriteAsync(Array.ConvertAll(ivf.ProbeLists[i], c => (int)c), NpgsqlDbType.Array | NpgsqlDbType.Integer, cancellationToken);
            }
            await import.CompleteAsync(cancellationToken);
        }
        int count = ivf is null ? (faces.Count + blockSize - 1) / blockSize : ivf.CellBounds.Length - 1;
        await using (var update = new NpgsqlCommand("""
            UPDATE doppel_work.sets SET blocks = $2, cell_bounds = $3, centroids = $4, state = 'matching', updated_at = now()
            WHERE id = $1 AND state = 'analysing'
            """, connection, tx))
        {
            update.Parameters.Add(new() { Value = id });
            update.Parameters.Add(new() { Value = count });
            update.Parameters.Add(new() { Value = (object?)ivf?.CellBounds ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            update.Parameters.Add(new() { Value = (object?)ivf?.Centroids ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return (faces, count);
    }

    public async Task<IReadOnlyList<(long FaceId, long MediaId)>> ReadFacesAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT face_id, media_id FROM doppel_work.faces WHERE set_id = $1 ORDER BY ord");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var faces = new List<(long, long)>();
        while (await reader.ReadAsync(cancellationToken))
            faces.Add((reader.GetInt64(0), reader.GetInt64(1)));
        return faces;
    }

    /// <summary>How many faces the set's frozen order holds (0 before matching was planned).</summary>
    public Task<int> CountFacesAsync(long id, CancellationToken cancellationToken = default) =>
        CountAsync("SELECT count(*)::int FROM doppel_work.faces WHERE set_id = $1", id, cancellationToken);

    /// <summary>Positions [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of the frozen order: one block.</summary>
    public async Task<IReadOnlyList<(long FaceId, long MediaId)>> ReadFacesAsync(long id, int start, int count, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT face_id, media_id FROM doppel_work.faces WHERE set_id = $1 AND ord >= $2 AND ord < $2 + $3 ORDER BY ord");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = start });
        command.Parameters.Add(new() { Value = count });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var faces = new List<(long, long)>();
        while (await reader.ReadAsync(cancellationToken))
            faces.Add((reader.GetInt64(0), reader.GetInt64(1)));
        return faces;
    }

    /// <summary>The faces probing cells [<paramref name="firstCell"/>, <paramref name="endCell"/>) of an IVF set, in frozen
    /// order: position, face, and its whole probe list.</summary>
    public async Task<IReadOnlyList<(int Ord, long FaceId, ushort[] Cells)>> ReadProbersAsync(long id, int firstCell, int endCell, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("""
            SELECT ord, face_id, cells FROM doppel_work.faces WHERE set_id = $1 AND cells && $2 ORDER BY ord
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = Enumerable.Range(firstCell, endCell - firstCell).ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var probers = new List<(int, long, ushort[])>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.IsDBNull(2))
                throw new InvalidOperationException($"Set {id}'s face at position {reader.GetInt32(0)} has no probe list: the set was not planned for IVF.");
            probers.Add((reader.GetInt32(0), reader.GetInt64(1), Array.ConvertAll(reader.GetFieldValue<int[]>(2), c => checked((ushort)c))));
        }
        return probers;
    }

    public async Task<bool> IsPartitionDoneAsync(long id, int rowBlock, int colBlock, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT EXISTS (SELECT 1 FROM doppel_work.partitions WHERE set_id = $1 AND row_block = $2 AND col_block = $3)");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = rowBlock });
        command.Parameters.Add(new() { Value = colBlock });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Merges a partition's pairs into the set's and marks it done, in one transaction; a partition stored
    /// before is left as it was (pairs are keyed by set and faces, so a re-run adds nothing). Returns the number
    /// of partitions done.</summary>
    public async Task<int> SavePartitionAsync(long id, int rowBlock, int colBlock, IReadOnlyList<PartitionPair> pairs, string worker,
        CancellationToken cancellationToken = default, int? vectorsRead = null)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var mark = new NpgsqlCommand("""
            INSERT INTO doppel_work.partitions (set_id, row_block, col_block, pairs, worker, vectors) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
            """, connection, tx))
        {
            mark.Parameters.Add(new() { Value = id });
            mark.Parameters.Add(new() { Value = rowBlock });
            mark.Parameters.Add(new() { Value = colBlock });
            mark.Parameters.Add(new() { Value = pairs.Count });
            mark.Parameters.Add(new() { Value = worker });
            mark.Parameters.Add(new() { Value = vectorsRead.HasValue ? vectorsRead.Value : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            if (await mark.ExecuteNonQueryAsync(cancellationToken) == 1 && pairs.Count > 0)
            {
                // A staging table, then one INSERT ... ON CONFLICT: COPY cannot skip rows that exist already.
                await Exec(connection, "CREATE TEMP TABLE IF NOT EXISTS pairs_in (a int, b int, score real) ON COMMIT DELETE ROWS", cancellationToken);
                await using (var import = await connection.BeginBinaryImportAsync("COPY pairs_in (a, b, score) FROM STDIN (FORMAT BINARY)", cancellationToken))
                {
                    foreach (var p in pairs)
                    {
                        await import.StartRowAsync(cancellationToken);
                        await import.WriteAsync(p.A, NpgsqlDbType.Integer, cancellationToken);
                        await import.WriteAsync(p.B, NpgsqlDbType.Integer, cancellationToken);
                        await import.WriteAsync(p.Score, NpgsqlDbType.Real, cancellationToken);
                    }
                    await import.CompleteAsync(cancellationToken);
                }
                await using var merge = new NpgsqlCommand("INSERT INTO doppel_work.pairs (set_id, a, b, score) SELECT $1, a, b, score FROM pairs_in ON CONFLICT DO NOTHING", connection, tx);
                merge.Parameters.Add(new() { Value = id });
                await merge.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await tx.CommitAsync(cancellationToken);
        return await CountAsync("SELECT count(*)::int FROM doppel_work.partitions WHERE set_id = $1", id, cancellationToken);
    }

    /// <summary>The set's done partitions with the number of vectors each read (null: stored by a worker before that was recorded).</summary>
    public async Task<IReadOnlyList<(int Row, int Col, int? Vectors)>> ReadPartitionsAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT row_block, col_block, vectors FROM doppel_work.partitions WHERE set_id = $1 ORDER BY row_block, col_block");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var partitions = new List<(int, int, int?)>();
        while (await reader.ReadAsync(cancellationToken))
            partitions.Add((reader.GetInt32(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetInt32(2)));
        return partitions;
    }

    /// <summary>Every pair the set's partitions found, sorted by (A, B): the order a single exact self-join gives.</summary>
    public async Task<IReadOnlyList<PartitionPair>> ReadPairsAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT a, b, score FROM doppel_work.pairs WHERE set_id = $1 ORDER BY a, b");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var pairs = new List<PartitionPair>();
        while (await reader.ReadAsync(cancellationToken))
            pairs.Add(new PartitionPair(reader.GetInt32(0), reader.GetInt32(1), reader.GetFloat(2)));
        return pairs;
    }

    /// <summary>Moves the set to <paramref name="state"/> unless it is final already; returns whether it moved.</summary>
    public async Task<bool> SetStateAsync(long id, WorkState state, string? error = null, long? dedupSetId = null, CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("""
            UPDATE doppel_work.sets SET state = $2, error = COALESCE($3, error), dedup_set_id = COALESCE($4, dedup_set_id), updated_at = now()
            WHERE id = $1 AND state NOT IN ('completed', 'failed')
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = state.ToString().ToLowerInvariant() });
        command.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)dedupSetId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Whether any set is still being processed (a schedule skips its tick then).</summary>
    public async Task<bool> HasUnfinishedSetAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _source.CreateCommand("SELECT EXISTS (SELECT 1 FROM doppel_work.sets WHERE state NOT IN ('completed', 'failed'))");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<int> CountAsync(string sql, long id, CancellationToken cancellationToken)
    {
        await using var command = _source.CreateCommand(sql);
        command.Parameters.Add(new() { Value = id });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task Exec(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>An IVF set's cells as matching is planned: the trained centroids (float32, little-endian, cell after cell),
/// each face's probe list in frozen order (home cell first), and the partitions' cell ranges as bounds.</summary>
public sealed record IvfFreeze(byte[] Centroids, IReadOnlyList<ushort[]> ProbeLists, int[] CellBounds);
