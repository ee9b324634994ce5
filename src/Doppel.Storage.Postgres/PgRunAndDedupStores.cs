using Npgsql;

namespace Doppel.Storage.Postgres;

internal sealed class PgRunStore(PgScope scope) : IRunStore
{
    private const string Columns = CatalogRows.RunColumns;

    private static RunRecord Read(NpgsqlDataReader r) => PgRows.Instance.Run(r);

    private string NotFound(long runId) => NotInCatalog.Run(runId, scope.Database.Location);

    public Task<long> StartAsync(string kind, string argsJson, long total = 0, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(argsJson);
        return scope.WriteAsync(s => s.LongAsync("""
            INSERT INTO runs (tenant_id, kind, args_json, state, started_at, total, owner_pid, owner_host, heartbeat_at)
            VALUES (@t, @k, @a, 'running', clock_timestamp(), @n, @pid, @host, clock_timestamp()) RETURNING id
            """, cancellationToken, ("t", scope.T), ("k", kind), ("a", argsJson), ("n", total), ("pid", Environment.ProcessId), ("host", Environment.MachineName)),
            cancellationToken);
    }

    public async Task<RunRecord?> GetAsync(long runId, CancellationToken cancellationToken = default) =>
        (await scope.ReadAsync(s => s.QueryAsync($"SELECT {Columns} FROM runs WHERE id = @id AND tenant_id = @t", Read, cancellationToken,
            ("id", runId), ("t", scope.T)), cancellationToken)).FirstOrDefault();

    public async Task<RunRecord?> FindUnfinishedAsync(string kind, CancellationToken cancellationToken = default) =>
        (await scope.ReadAsync(s => s.QueryAsync($"SELECT {Columns} FROM runs WHERE tenant_id = @t AND kind = @k AND state = 'running' ORDER BY id DESC LIMIT 1",
            Read, cancellationToken, ("t", scope.T), ("k", kind)), cancellationToken)).FirstOrDefault();

    public async Task<IReadOnlyList<RunRecord>> ListAsync(Page page = default, CancellationToken cancellationToken = default) =>
        await scope.ReadAsync(s => s.QueryAsync($"SELECT {Columns} FROM runs WHERE tenant_id = @t AND id > @after ORDER BY id LIMIT @limit", Read,
            cancellationToken, ("t", scope.T), ("after", page.AfterId), ("limit", PgCol.Limit(page))), cancellationToken);

    public Task UpdateAsync(long runId, long? total = null, CancellationToken cancellationToken = default) =>
        scope.WriteAsync(async s =>
        {
            if (await s.ExecuteAsync("""
                    UPDATE runs SET total = COALESCE(@n, total), owner_pid = @pid, owner_host = @host, heartbeat_at = clock_timestamp() WHERE id = @id AND tenant_id = @t
                    """, cancellationToken, ("n", total), ("pid", Environment.ProcessId), ("host", Environment.MachineName), ("id", runId), ("t", scope.T)) != 1)
                throw new RecordNotFoundException(NotFound(runId));
        }, cancellationToken);

    public Task FinishAsync(long runId, RunState state, string? error = null, CancellationToken cancellationToken = default)
    {
        if (state == RunState.Running)
            throw new ArgumentException("A run finishes as completed, failed or cancelled.", nameof(state));
        return scope.WriteAsync(async s =>
        {
            if (await s.ExecuteAsync("UPDATE runs SET state = @s, finished_at = clock_timestamp(), heartbeat_at = clock_timestamp(), error = @e WHERE id = @id AND tenant_id = @t",
                    cancellationToken, ("s", StoreCodes.Code(state)), ("e", error), ("id", runId), ("t", scope.T)) != 1)
                throw new RecordNotFoundException(NotFound(runId));
        }, cancellationToken);
    }
}

internal sealed class PgDedupStore(PgScope scope) : IDedupStore
{
    private const string SetColumns = CatalogRows.DedupSetColumns;

    private static DedupSet ReadSet(NpgsqlDataReader r) => PgRows.Instance.DedupSet(r);

    private const string FindingColumns = CatalogRows.FindingColumns;

    private static Finding ReadFinding(NpgsqlDataReader r) => CatalogRows.Finding(r);

    private string SetNotFound(long setId) => NotInCatalog.DedupSet(setId, scope.Database.Location);

    private async Task<DedupSet?> GetAsync(PgSession s, long setId, CancellationToken ct) =>
        (await s.QueryAsync($"SELECT {SetColumns} FROM dedup_sets WHERE id = @id AND tenant_id = @t", ReadSet, ct, ("id", setId), ("t", scope.T))).FirstOrDefault();

    public Task<DedupSet> CreateSetAsync(long? runId, string group = DedupSet.DefaultGroup, long? sharesFindingsOf = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        return scope.WriteAsync(async s =>
        {
            long? owner = null;
            if (sharesFindingsOf is { } shared)
                owner = (await GetAsync(s, shared, cancellationToken) ?? throw new RecordNotFoundException(SetNotFound(shared))).FindingsSetId;
            if (runId is { } run && await s.LongAsync("SELECT COUNT(*) FROM runs WHERE id = @r AND tenant_id = @t", cancellationToken, ("r", run), ("t", scope.T)) == 0)
                throw new RecordNotFoundException(NotInCatalog.Run(run, scope.Database.Location));
            return (await s.QueryAsync($"""
                INSERT INTO dedup_sets (tenant_id, run_id, created_at, group_name, findings_set_id) VALUES (@t, @r, clock_timestamp(), @g, @o) RETURNING {SetColumns}
                """, ReadSet, cancellationToken, ("t", scope.T), ("r", runId), ("g", group), ("o", owner))).Single();
        }, cancellationToken);
    }

    public Task<DedupSet?> GetSetAsync(long setId, CancellationToken cancellationToken = default) =>
        scope.ReadAsync(s => GetAsync(s, setId, cancellationToken), cancellationToken);

    public async Task<DedupSet?> LatestSetAsync(string group = DedupSet.DefaultGroup, CancellationToken cancellationToken = default) =>
        (await scope.ReadAsync(s => s.QueryAsync($"SELECT {SetColumns} FROM dedup_sets WHERE tenant_id = @t AND group_name = @g ORDER BY id DESC LIMIT 1",
            ReadSet, cancellationToken, ("t", scope.T), ("g", group)), cancellationToken)).FirstOrDefault();

    public async Task<IReadOnlyList<DedupSet>> ListSetsAsync(string? group = null, Page page = default, CancellationToken cancellationToken = default) =>
        await scope.ReadAsync(s => s.QueryAsync(
            $"SELECT {SetColumns} FROM dedup_sets WHERE tenant_id = @t AND id > @after {(group is null ? "" : "AND group_name = @g")} ORDER BY id LIMIT @limit",
            ReadSet, cancellationToken, ("t", scope.T), ("after", page.AfterId), ("g", group ?? ""), ("limit", PgCol.Limit(page))), cancellationToken);

    public Task AddFindingsAsync(long setId, IReadOnlyList<NewFinding> findings, CancellationToken cancellationToken = default) =>
        scope.WriteAsync(async s =>
        {
            var set = await GetAsync(s, setId, cancellationToken) ?? throw new RecordNotFoundException(SetNotFound(setId));
            if (set.FindingsSetId != set.Id)
                throw new CatalogException($"Dedup set {setId} shares the findings of set {set.FindingsSetId}; it cannot have rows of its own.");
            if (findings.Count == 0)
                return;
            // Stored smaller media id first so (a, b) and (b, a) are the same pair; faces follow their media. Ids in input order.
            var rows = findings.Select(f => f.MediaA > f.MediaB ? f with { MediaA = f.MediaB, MediaB = f.MediaA, FaceA = f.FaceB, FaceB = f.FaceA } : f).ToList();
            await s.ExecuteAsync("""
                INSERT INTO findings (tenant_id, set_id, media_a, media_b, face_a, face_b, score, status, settings_json)
                SELECT @t, @set, u.ma, u.mb, u.fa, u.fb, u.score, 'new', u.settings
                FROM unnest(@ma::bigint[], @mb::bigint[], @fa::bigint[], @fb::bigint[], @score::real[], @settings::text[]) WITH ORDINALITY AS u(ma, mb, fa, fb, score, settings, n)
                ORDER BY u.n
                """, cancellationToken, ("t", scope.T), ("set", setId), ("ma", rows.Select(f => f.MediaA).ToArray()), ("mb", rows.Select(f => f.MediaB).ToArray()),
                ("fa", rows.Select(f => f.FaceA).ToArray()), ("fb", rows.Select(f => f.FaceB).ToArray()), ("score", rows.Select(f => f.Score).ToArray()),
                ("settings", rows.Select(f => f.SettingsJson).ToArray()));
        }, cancellationToken);

    public async Task<IReadOnlyList<Finding>> GetFindingsAsync(long setId, FindingQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= FindingQuery.All;
        return await scope.ReadAsync(s => s.QueryAsync(CatalogRows.FindingsOfSetSql(query), ReadFinding, cancellationToken,
            ("t", scope.T), ("set", setId), ("after", query.Page.AfterId), ("limit", PgCol.Limit(query.Page)),
            ("status", query.Status is { } st ? StoreCodes.Code(st) : ""), ("min", query.MinScore ?? 0f)), cancellationToken);
    }

    public async Task<Finding?> GetFindingAsync(long findingId, CancellationToken cancellationToken = default) =>
        (await scope.ReadAsync(s => s.QueryAsync($"SELECT {FindingColumns} FROM findings f WHERE f.id = @id AND f.tenant_id = @t", ReadFinding, cancellationToken,
            ("id", findingId), ("t", scope.T)), cancellationToken)).FirstOrDefault();

    public Task SetFindingStatusAsync(long findingId, FindingStatus status, string? decidedBy = null, CancellationToken cancellationToken = default) =>
        scope.WriteAsync(async s =>
        {
            if (await s.ExecuteAsync("UPDATE findings SET status = @s WHERE id = @id AND tenant_id = @t", cancellationToken,
                    ("s", StoreCodes.Code(status)), ("id", findingId), ("t", scope.T)) != 1)
                throw new RecordNotFoundException(NotInCatalog.Finding(findingId, scope.Database.Location));
        }, cancellationToken);
}

internal sealed class PgIgnoredPairStore(PgScope scope) : IIgnoredPairStore
{
    private static (string A, string B) Ordered(string hashA, string hashB)
    {
        foreach (var hash in (ReadOnlySpan<string>)[hashA, hashB])
            if (!ContentHash.IsValid(hash))
                throw new ArgumentException($"'{hash}' is not a lowercase SHA-256 hex digest.");
        return string.CompareOrdinal(hashA, hashB) <= 0 ? (hashA, hashB) : (hashB, hashA);
    }

    public Task<bool> AddAsync(string hashA, string hashB, string? reason, string? createdBy, CancellationToken cancellationToken = default)
    {
        var (a, b) = Ordered(hashA, hashB);
        return scope.WriteAsync(async s => await s.ExecuteAsync("""
            INSERT INTO ignored_pairs (tenant_id, hash_a, hash_b, reason, created_by, created_at) VALUES (@t, @a, @b, @r, @w, clock_timestamp())
            ON CONFLICT (tenant_id, hash_a, hash_b) DO NOTHING
            """, cancellationToken, ("t", scope.T), ("a", a), ("b", b), ("r", reason), ("w", createdBy)) == 1, cancellationToken);
    }

    public Task<bool> RemoveAsync(string hashA, string hashB, CancellationToken cancellationToken = default)
    {
        var (a, b) = Ordered(hashA, hashB);
        return scope.WriteAsync(async s => await s.ExecuteAsync("DELETE FROM ignored_pairs WHERE tenant_id = @t AND hash_a = @a AND hash_b = @b", cancellationToken,
            ("t", scope.T), ("a", a), ("b", b)) == 1, cancellationToken);
    }

    public Task<bool> ContainsAsync(string hashA, string hashB, CancellationToken cancellationToken = default)
    {
        var (a, b) = Ordered(hashA, hashB);
        return scope.ReadAsync(async s => await s.LongAsync("SELECT COUNT(*) FROM ignored_pairs WHERE tenant_id = @t AND hash_a = @a AND hash_b = @b", cancellationToken,
            ("t", scope.T), ("a", a), ("b", b)) > 0, cancellationToken);
    }

    public async Task<IReadOnlyList<IgnoredPair>> ListAsync(CancellationToken cancellationToken = default) =>
        await scope.ReadAsync(s => s.QueryAsync("SELECT hash_a, hash_b, reason, created_by, created_at FROM ignored_pairs WHERE tenant_id = @t ORDER BY hash_a, hash_b",
            r => new IgnoredPair(r.GetString(0), r.GetString(1), PgCol.Str(r, 2), PgCol.Str(r, 3), PgCol.Time(r, 4)), cancellationToken, ("t", scope.T)), cancellationToken);
}
