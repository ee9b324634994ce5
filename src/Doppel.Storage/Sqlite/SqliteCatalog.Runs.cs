using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite;

public sealed partial class SqliteCatalog
{
    private const string RunColumns =
        "id, kind, args_json, state, started_at, finished_at, total, processed, rejected, owner_pid, owner_host, heartbeat_at, error";

    private static RunRecord ReadRun(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), ParseRunState(r.GetString(3)), ParseTime(r.GetString(4)), ParseTimeOrNull(r, 5),
        r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt32(9), r.GetString(10), ParseTime(r.GetString(11)), StringOrNull(r, 12));

    private static RunState ParseRunState(string code) => code switch
    {
        "running" => RunState.Running,
        "completed" => RunState.Completed,
        "failed" => RunState.Failed,
        "cancelled" => RunState.Cancelled,
        _ => throw new FormatException($"Unknown run state '{code}' in the catalog."),
    };

    private static string RunStateCode(RunState state) => state switch
    {
        RunState.Running => "running",
        RunState.Completed => "completed",
        RunState.Failed => "failed",
        RunState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public long StartRun(string kind, string argsJson, long total = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(argsJson);
        return Write(() => (long)Scalar($"""
            INSERT INTO runs (kind, args_json, state, started_at, total, owner_pid, owner_host, heartbeat_at)
            VALUES (@k, @a, 'running', @t, @n, @pid, @host, @t) RETURNING id
            """, ("@k", kind), ("@a", argsJson), ("@t", Now()), ("@n", total), ("@pid", Environment.ProcessId), ("@host", Environment.MachineName))!);
    }

    public RunRecord? GetRun(long runId) =>
        Query($"SELECT {RunColumns} FROM runs WHERE id = @id", ReadRun, ("@id", runId)).FirstOrDefault();

    public RunRecord? FindUnfinishedRun(string kind) =>
        Query($"SELECT {RunColumns} FROM runs WHERE kind = @k AND state = 'running' ORDER BY id DESC LIMIT 1", ReadRun, ("@k", kind)).FirstOrDefault();

    public IReadOnlyList<RunRecord> ListRuns() => Query($"SELECT {RunColumns} FROM runs ORDER BY id", ReadRun);

    public void UpdateRun(long runId, long? total = null) => Write(() =>
    {
        if (Execute("""
                UPDATE runs SET total = COALESCE(@n, total), owner_pid = @pid, owner_host = @host, heartbeat_at = @t WHERE id = @id
                """, ("@n", total), ("@pid", Environment.ProcessId), ("@host", Environment.MachineName), ("@t", Now()), ("@id", runId)) != 1)
            throw new CatalogException($"Run {runId} is not in the catalog {Location}.");
    });

    public void FinishRun(long runId, RunState state, string? error = null)
    {
        if (state == RunState.Running)
            throw new ArgumentException("A run finishes as completed, failed or cancelled.", nameof(state));
        Write(() =>
        {
            var now = Now();
            if (Execute("UPDATE runs SET state = @s, finished_at = @t, heartbeat_at = @t, error = @e WHERE id = @id",
                    ("@s", RunStateCode(state)), ("@t", now), ("@e", error), ("@id", runId)) != 1)
                throw new CatalogException($"Run {runId} is not in the catalog {Location}.");
        });
    }

    // ---- Dedup sets and findings ----

    public long CreateDedupSet(long? runId) => Write(() =>
        (long)Scalar("INSERT INTO dedup_sets (run_id, created_at) VALUES (@r, @t) RETURNING id", ("@r", runId), ("@t", Now()))!);

    public IReadOnlyList<DedupSet> ListDedupSets() =>
        Query("SELECT id, run_id, created_at FROM dedup_sets ORDER BY id", r => new DedupSet(r.GetInt64(0), LongOrNull(r, 1), ParseTime(r.GetString(2))));

    public void AddFindings(long setId, IReadOnlyList<NewFinding> findings) => Write(() =>
    {
        using var insert = Command("""
            INSERT INTO findings (set_id, media_a, media_b, face_a, face_b, score, status, settings_json)
            VALUES (@set, @ma, @mb, @fa, @fb, @score, 'new', @settings)
            """, ("@set", setId), ("@ma", 0L), ("@mb", 0L), ("@fa", null), ("@fb", null), ("@score", 0f), ("@settings", ""));
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

    private static FindingStatus ParseFindingStatus(string code) => code switch
    {
        "new" => FindingStatus.New,
        "confirmed" => FindingStatus.Confirmed,
        "not_duplicate" => FindingStatus.NotDuplicate,
        _ => throw new FormatException($"Unknown finding status '{code}' in the catalog."),
    };

    private static string FindingStatusCode(FindingStatus status) => status switch
    {
        FindingStatus.New => "new",
        FindingStatus.Confirmed => "confirmed",
        FindingStatus.NotDuplicate => "not_duplicate",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private const string FindingColumns = "f.id, f.set_id, f.media_a, f.media_b, f.face_a, f.face_b, f.score, f.status, f.settings_json";

    private static Finding ReadFinding(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), LongOrNull(r, 4), LongOrNull(r, 5), r.GetFloat(6),
        ParseFindingStatus(r.GetString(7)), r.GetString(8));

    public IReadOnlyList<Finding> GetFindings(long setId, bool skipIgnored = false) => skipIgnored
        ? Query($"""
            SELECT {FindingColumns} FROM findings f
            JOIN media_files a ON a.id = f.media_a
            JOIN media_files b ON b.id = f.media_b
            WHERE f.set_id = @s AND NOT EXISTS (
                SELECT 1 FROM ignored_pairs i
                WHERE (i.hash_a = a.content_hash AND i.hash_b = b.content_hash) OR (i.hash_a = b.content_hash AND i.hash_b = a.content_hash))
            ORDER BY f.id
            """, ReadFinding, ("@s", setId))
        : Query($"SELECT {FindingColumns} FROM findings f WHERE f.set_id = @s ORDER BY f.id", ReadFinding, ("@s", setId));

    public void SetFindingStatus(long findingId, FindingStatus status, string? decidedBy = null) => Write(() =>
    {
        if (Execute("UPDATE findings SET status = @s WHERE id = @id", ("@s", FindingStatusCode(status)), ("@id", findingId)) != 1)
            throw new CatalogException($"Finding {findingId} is not in the catalog {Location}.");
        if (status != FindingStatus.NotDuplicate)
            return;
        var hashes = Query("""
            SELECT a.content_hash, b.content_hash FROM findings f
            JOIN media_files a ON a.id = f.media_a JOIN media_files b ON b.id = f.media_b WHERE f.id = @id
            """, r => (r.GetString(0), r.GetString(1)), ("@id", findingId)).Single();
        // Two copies of the same bytes are always duplicates; there is no pair to remember.
        if (hashes.Item1 != hashes.Item2)
            IgnorePair(hashes.Item1, hashes.Item2, "marked not duplicate", decidedBy);
    });

    // ---- Ignored pairs (by content hash, smaller first) ----

    private static (string A, string B) Ordered(string hashA, string hashB)
    {
        foreach (var hash in (ReadOnlySpan<string>)[hashA, hashB])
            if (!ContentHash.IsValid(hash))
                throw new ArgumentException($"'{hash}' is not a lowercase SHA-256 hex digest.");
        return string.CompareOrdinal(hashA, hashB) <= 0 ? (hashA, hashB) : (hashB, hashA);
    }

    public void IgnorePair(string hashA, string hashB, string? reason, string? createdBy)
    {
        var (a, b) = Ordered(hashA, hashB);
        Write(() => Execute("""
            INSERT INTO ignored_pairs (hash_a, hash_b, reason, created_by, created_at) VALUES (@a, @b, @r, @w, @t)
            ON CONFLICT (tenant_id, hash_a, hash_b) DO UPDATE SET reason = excluded.reason, created_by = excluded.created_by, created_at = excluded.created_at
            """, ("@a", a), ("@b", b), ("@r", reason), ("@w", createdBy), ("@t", Now())));
    }

    public bool IsIgnored(string hashA, string hashB)
    {
        var (a, b) = Ordered(hashA, hashB);
        return (long)Scalar("SELECT COUNT(*) FROM ignored_pairs WHERE hash_a = @a AND hash_b = @b", ("@a", a), ("@b", b))! > 0;
    }

    public void UnignorePair(string hashA, string hashB)
    {
        var (a, b) = Ordered(hashA, hashB);
        Write(() => Execute("DELETE FROM ignored_pairs WHERE hash_a = @a AND hash_b = @b", ("@a", a), ("@b", b)));
    }

    public IReadOnlyList<IgnoredPair> ListIgnoredPairs() => Query(
        "SELECT hash_a, hash_b, reason, created_by, created_at FROM ignored_pairs ORDER BY hash_a, hash_b",
        r => new IgnoredPair(r.GetString(0), r.GetString(1), StringOrNull(r, 2), StringOrNull(r, 3), ParseTime(r.GetString(4))));
}
