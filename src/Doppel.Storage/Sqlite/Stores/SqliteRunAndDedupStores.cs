using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite.Stores;

internal sealed class SqliteRunStore(SqliteScope scope) : IRunStore
{
    private const string Columns = CatalogRows.RunColumns;

    private static RunRecord Read(SqliteDataReader r) => SqliteRows.Instance.Run(r);

    public Task<long> StartAsync(string kind, string argsJson, long total = 0, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(argsJson);
        return Task.FromResult(scope.Write(s => s.Long("""
            INSERT INTO runs (tenant_id, kind, args_json, state, started_at, total, owner_pid, owner_host, heartbeat_at)
            VALUES (@t, @k, @a, 'running', @now, @n, @pid, @host, @now) RETURNING id
            """, ("@t", scope.T), ("@k", kind), ("@a", argsJson), ("@now", SqliteTime.Now()), ("@n", total),
            ("@pid", Environment.ProcessId), ("@host", Environment.MachineName))));
    }

    public Task<RunRecord?> GetAsync(long runId, CancellationToken cancellationToken = default) =>
        Task.FromResult(scope.Read(s => s.Query($"SELECT {Columns} FROM runs WHERE id = @id AND tenant_id = @t", Read, ("@id", runId), ("@t", scope.T)).FirstOrDefault()));

    public Task<RunRecord?> FindUnfinishedAsync(string kind, CancellationToken cancellationToken = default) =>
        Task.FromResult(scope.Read(s => s.Query(
            $"SELECT {Columns} FROM runs WHERE tenant_id = @t AND kind = @k AND state = 'running' ORDER BY id DESC LIMIT 1", Read,
            ("@t", scope.T), ("@k", kind)).FirstOrDefault()));

    public Task<IReadOnlyList<RunRecord>> ListAsync(Page page = default, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RunRecord>>(scope.Read(s => s.Query(
            $"SELECT {Columns} FROM runs WHERE tenant_id = @t AND id > @after ORDER BY id LIMIT @limit", Read,
            ("@t", scope.T), ("@after", page.AfterId), ("@limit", page.Limit <= 0 ? int.MaxValue : page.Limit))));

    public Task UpdateAsync(long runId, long? total = null, CancellationToken cancellationToken = default)
    {
        scope.Write(s =>
        {
            if (s.Execute("""
                    UPDATE runs SET total = COALESCE(@n, total), owner_pid = @pid, owner_host = @host, heartbeat_at = @now WHERE id = @id AND tenant_id = @t
                    """, ("@n", total), ("@pid", Environment.ProcessId), ("@host", Environment.MachineName), ("@now", SqliteTime.Now()),
                    ("@id", runId), ("@t", scope.T)) != 1)
                throw new RecordNotFoundException(NotInCatalog.Run(runId, scope.Database.Location));
        });
        return Task.CompletedTask;
    }

    public Task FinishAsync(long runId, RunState state, string? error = null, CancellationToken cancellationToken = default)
    {
        if (state == RunState.Running)
            throw new ArgumentException("A run finishes as completed, failed or cancelled.", nameof(state));
        scope.Write(s =>
        {
            if (s.Execute("UPDATE runs SET state = @s, finished_at = @now, heartbeat_at = @now, error = @e WHERE id = @id AND tenant_id = @t",
                    ("@s", StoreCodes.Code(state)), ("@now", SqliteTime.Now()), ("@e", error), ("@id", runId), ("@t", scope.T)) != 1)
                throw new RecordNotFoundException(NotInCatalog.Run(runId, scope.Database.Location));
        });
        return Task.CompletedTask;
    }
}

internal sealed class SqliteDedupStore(SqliteScope scope) : IDedupStore
{
    private const string SetColumns = CatalogRows.DedupSetColumns;

    private static DedupSet ReadSet(SqliteDataReader r) => SqliteRows.Instance.DedupSet(r);

    private const string FindingColumns = CatalogRows.FindingColumns;

    private static Finding ReadFinding(SqliteDataReader r) => CatalogRows.Finding(r);

    private DedupSet? Get(SqliteSession s, long setId) =>
        s.Query($"SELECT {SetColumns} FROM dedup_sets WHERE id = @id AND tenant_id = @t", ReadSet, ("@id", setId), ("@t", scope.T)).FirstOrDefault();

    public Task<DedupSet> CreateSetAsync(long? runId, string group = DedupSet.DefaultGroup, long? sharesFindingsOf = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        return Task.FromResult(scope.Write(s =>
        {
            long? owner = null;
            if (sharesFindingsOf is { } shared)
                owner = (Get(s, shared) ?? throw new RecordNotFoundException(NotInCatalog.DedupSet(shared, scope.Database.Location))).FindingsSetId;
            if (runId is { } run && s.Long("SELECT COUNT(*) FROM runs WHERE id = @r AND tenant_id = @t", ("@r", run), ("@t", scope.T)) == 0)
                throw new RecordNotFoundException(NotInCatalog.Run(run, scope.Database.Location));
            return s.Query($"""
                INSERT INTO dedup_sets (tenant_id, run_id, created_at, group_name, findings_set_id) VALUES (@t, @r, @now, @g, @o) RETURNING {SetColumns}
                """, ReadSet, ("@t", scope.T), ("@r", runId), ("@now", SqliteTime.Now()), ("@g", group), ("@o", owner)).Single();
        }));
    }

    public Task<DedupSet?> GetSetAsync(long setId, CancellationToken cancellationToken = default) => Task.FromResult(scope.Read(s => Get(s, setId)));

    public Task<DedupSet?> LatestSetAsync(string group = DedupSet.DefaultGroup, CancellationToken cancellationToken = default) =>
        Task.FromResult(scope.Read(s => s.Query(
            $"SELECT {SetColumns} FROM dedup_sets WHERE tenant_id = @t AND group_name = @g ORDER BY id DESC LIMIT 1", ReadSet,
            ("@t", scope.T), ("@g", group)).FirstOrDefault()));

    public Task<IReadOnlyList<DedupSet>> ListSetsAsync(string? group = null, Page page = default, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DedupSet>>(scope.Read(s => s.Query(
            $"SELECT {SetColumns} FROM dedup_sets WHERE tenant_id = @t AND id > @after {(group is null ? "" : "AND group_name = @g")} ORDER BY id LIMIT @limit",
            ReadSet, ("@t", scope.T), ("@after", page.AfterId), ("@g", group), ("@limit", page.Limit <= 0 ? int.MaxValue : page.Limit))));

    public Task AddFindingsAsync(long setId, IReadOnlyList<NewFinding> findings, CancellationToken cancellationToken = default)
    {
        scope.Write(s =>
        {
            var set = Get(s, setId) ?? throw new RecordNotFoundException(NotInCatalog.DedupSet(setId, scope.Database.Location));
            if (set.FindingsSetId != set.Id)
                throw new CatalogException($"Dedup set {setId} shares the findings of set {set.FindingsSetId}; it cannot have rows of its own.");
            using var insert = s.Command("""
                INSERT INTO findings (tenant_id, set_id, media_a, media_b, face_a, face_b, score, status, settings_json)
                VALUES (@t, @set, @ma, @mb, @fa, @fb, @score, 'new', @settings)
                """, ("@t", scope.T), ("@set", setId), ("@ma", 0L), ("@mb", 0L), ("@fa", null), ("@fb", null), ("@score", 0f), ("@settings", ""));
            insert.Prepare();
            foreach (var finding in findings)
            {
                // Stored smaller media id first so (a, b) and (b, a) are the same pair; faces follow their media.
                var swap = finding.MediaA > finding.MediaB;
                insert.Parameters["@ma"].Value = swap ? finding.MediaB : finding.MediaA;
                insert.Parameters["@mb"].Value = swap ? finding.MediaA : finding.MediaB;
                insert.Parameters["@fa"].Value = (object?)(swap ? finding.FaceB : finding.FaceA) ?? DBNull.Value;
                insert.Parameters["@fb"].Value = (object?)(swap ? finding.FaceA : finding.FaceB) ?? DBNull.Value;
                insert.Parameters["@score"].Value = finding.Score;
                insert.Parameters["@settings"].Value = finding.SettingsJson;
                insert.ExecuteNonQuery();
            }
        });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Finding>> GetFindingsAsync(long setId, FindingQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= FindingQuery.All;
        return Task.FromResult<IReadOnlyList<Finding>>(scope.Read(s => s.Query(CatalogRows.FindingsOfSetSql(query), ReadFinding,
            ("@t", scope.T), ("@set", setId), ("@after", query.Page.AfterId), ("@limit", query.Page.Limit <= 0 ? int.MaxValue : query.Page.Limit),
            ("@status", query.Status is { } st ? StoreCodes.Code(st) : null), ("@min", query.MinScore))));
    }

    public Task<Finding?> GetFindingAsync(long findingId, CancellationToken cancellationToken = default) =>
        Task.FromResult(scope.Read(s => s.Query($"SELECT {FindingColumns} FROM findings f WHERE f.id = @id AND f.tenant_id = @t", ReadFinding,
            ("@id", findingId), ("@t", scope.T)).FirstOrDefault()));

    public Task SetFindingStatusAsync(long findingId, FindingStatus status, string? decidedBy = null, CancellationToken cancellationToken = default)
    {
        scope.Write(s =>
        {
            if (s.Execute("UPDATE findings SET status = @s WHERE id = @id AND tenant_id = @t", ("@s", StoreCodes.Code(status)), ("@id", findingId), ("@t", scope.T)) != 1)
                throw new RecordNotFoundException(NotInCatalog.Finding(findingId, scope.Database.Location));
        });
        return Task.CompletedTask;
    }
}

internal sealed class SqliteIgnoredPairStore(SqliteScope scope) : IIgnoredPairStore
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
        return Task.FromResult(scope.Write(s => s.Execute("""
            INSERT INTO ignored_pairs (tenant_id, hash_a, hash_b, reason, created_by, created_at) VALUES (@t, @a, @b, @r, @w, @now)
            ON CONFLICT (tenant_id, hash_a, hash_b) DO NOTHING
            """, ("@t", scope.T), ("@a", a), ("@b", b), ("@r", reason), ("@w", createdBy), ("@now", SqliteTime.Now())) == 1));
    }

    public Task<bool> RemoveAsync(string hashA, string hashB, CancellationToken cancellationToken = default)
    {
        var (a, b) = Ordered(hashA, hashB);
        return Task.FromResult(scope.Write(s =>
            s.Execute("DELETE FROM ignored_pairs WHERE tenant_id = @t AND hash_a = @a AND hash_b = @b", ("@t", scope.T), ("@a", a), ("@b", b)) == 1));
    }

    public Task<bool> ContainsAsync(string hashA, string hashB, CancellationToken cancellationToken = default)
    {
        var (a, b) = Ordered(hashA, hashB);
        return Task.FromResult(scope.Read(s =>
            s.Long("SELECT COUNT(*) FROM ignored_pairs WHERE tenant_id = @t AND hash_a = @a AND hash_b = @b", ("@t", scope.T), ("@a", a), ("@b", b)) > 0));
    }

    public Task<IReadOnlyList<IgnoredPair>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<IgnoredPair>>(scope.Read(s => s.Query(
            "SELECT hash_a, hash_b, reason, created_by, created_at FROM ignored_pairs WHERE tenant_id = @t ORDER BY hash_a, hash_b",
            r => new IgnoredPair(r.GetString(0), r.GetString(1), Col.Str(r, 2), Col.Str(r, 3), Col.Time(r, 4)), ("@t", scope.T))));
}
