using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Sqlite.Stores;

internal static class ServiceCodes
{
    public static string Scope(TokenScope scope) => scope switch
    {
        TokenScope.Read => "read",
        TokenScope.Write => "write",
        TokenScope.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, null),
    };

    public static TokenScope ParseScope(string code) => code switch
    {
        "read" => TokenScope.Read,
        "write" => TokenScope.Write,
        "admin" => TokenScope.Admin,
        _ => throw new FormatException($"Unknown token scope '{code}' in the catalog."),
    };

    public static SetState ParseState(string code) =>
        Enum.TryParse<SetState>(code, ignoreCase: false, out var state) ? state : throw new FormatException($"Unknown set state '{code}' in the catalog.");

    public static string Decision(FindingDecision? decision) => decision switch
    {
        FindingDecision.Confirmed => "confirmed",
        FindingDecision.NotDuplicate => "not_duplicate",
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, null),
    };

    public static FindingDecision? ParseDecision(string? code) => code switch
    {
        null => null,
        "confirmed" => FindingDecision.Confirmed,
        "not_duplicate" => FindingDecision.NotDuplicate,
        _ => throw new FormatException($"Unknown finding decision '{code}' in the catalog."),
    };

    public static string Kind(IgnoredKeyKind kind) => kind == IgnoredKeyKind.ReferencePk ? "reference_pk" : "filename";

    public static string Kind(DeliveryKind kind) => kind == DeliveryKind.Signed ? "signed" : "hope_get";

    public static string State(DeliveryState state) => state switch
    {
        DeliveryState.Pending => "pending",
        DeliveryState.Delivered => "delivered",
        _ => "failed",
    };

    public static DeliveryState ParseDeliveryState(string code) => code switch
    {
        "pending" => DeliveryState.Pending,
        "delivered" => DeliveryState.Delivered,
        "failed" => DeliveryState.Failed,
        _ => throw new FormatException($"Unknown delivery state '{code}' in the catalog."),
    };

    /// <summary>States as a JSON list parameter for <c>IN (SELECT value FROM json_each(@s))</c>.</summary>
    public static string States(IEnumerable<SetState> states) => Col.Strings(states.Select(s => s.ToString()));
}

internal sealed class SqliteApiTokenStore(SqliteDatabase db) : IApiTokenStore
{
    private const string Columns = "id, tenant_id, name, prefix, scope, created_at, revoked_at, last_used_at";

    private static ApiToken Read(SqliteDataReader r) => new(r.GetInt64(0), new TenantId(r.GetInt64(1)), r.GetString(2), r.GetString(3),
        ServiceCodes.ParseScope(r.GetString(4)), Col.Time(r, 5), Col.TimeOrNull(r, 6), Col.TimeOrNull(r, 7));

    public Task<ApiToken> CreateAsync(TenantId tenant, string name, string prefix, string secretHash, TokenScope scope, CancellationToken cancellationToken = default)
    {
        using var s = db.OpenSession();
        return Task.FromResult(s.Atomically(() =>
        {
            if (s.Long("SELECT COUNT(*) FROM tenants WHERE id = @t", ("@t", tenant.Value)) == 0)
                throw new RecordNotFoundException($"No tenant {tenant}.");
            return s.Query($"INSERT INTO api_tokens (tenant_id, name, prefix, secret_hash, scope, created_at) VALUES (@t, @n, @p, @h, @s, @now) RETURNING {Columns}",
                Read, ("@t", tenant.Value), ("@n", name), ("@p", prefix), ("@h", secretHash), ("@s", ServiceCodes.Scope(scope)), ("@now", SqliteTime.Now())).Single();
        }));
    }

    public Task<ApiToken?> FindByHashAsync(string secretHash, CancellationToken cancellationToken = default)
    {
        using var s = db.OpenSession();
        return Task.FromResult(s.Query($"SELECT {Columns} FROM api_tokens WHERE secret_hash = @h", Read, ("@h", secretHash)).FirstOrDefault());
    }

    public Task<ApiToken?> GetAsync(TenantId tenant, long id, CancellationToken cancellationToken = default)
    {
        using var s = db.OpenSession();
        return Task.FromResult(s.Query($"SELECT {Columns} FROM api_tokens WHERE id = @id AND tenant_id = @t", Read, ("@id", id), ("@t", tenant.Value)).FirstOrDefault());
    }

    public Task<IReadOnlyList<ApiToken>> ListAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        using var s = db.OpenSession();
        return Task.FromResult<IReadOnlyList<ApiToken>>(s.Query($"SELECT {Columns} FROM api_tokens WHERE tenant_id = @t ORDER BY id", Read, ("@t", tenant.Value)));
    }

    public Task<bool> RevokeAsync(TenantId tenant, long id, CancellationToken cancellationToken = default)
    {
        using var s = db.OpenSession();
        return Task.FromResult(s.Execute("UPDATE api_tokens SET revoked_at = @now WHERE id = @id AND tenant_id = @t AND revoked_at IS NULL",
            ("@now", SqliteTime.Now()), ("@id", id), ("@t", tenant.Value)) == 1);
    }

    public Task TouchAsync(long id, CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        using var s = db.OpenSession();
        s.Execute("UPDATE api_tokens SET last_used_at = @now WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @before)",
            ("@now", SqliteTime.Write(now)), ("@id", id), ("@before", SqliteTime.Write(now.AddMinutes(-1))));
        return Task.CompletedTask;
    }
}

internal sealed class SqliteSetStore(SqliteDatabase db, TenantId tenant) : ISetStore
{
    private const string GroupColumns = "id, tenant_id, reference_pk, settings_json, created_at, updated_at";

    private const string SetColumns =
        "s.id, s.tenant_id, s.group_id, g.reference_pk, s.state, s.error, s.notification_url, s.settings_json, s.run_id, s.created_at, s.updated_at";

    private const string SetFrom = "service_sets s JOIN set_groups g ON g.id = s.group_id";

    private const string ImageColumns = "id, set_id, reference_pk, filename, media_id, status_code, created_at, updated_at";

    private const string FindingColumns = """
        f.id, f.set_id, f.first_image, a.reference_pk, a.filename, f.second_image, COALESCE(b.reference_pk, ''), COALESCE(b.filename, ''),
        f.score, f.confidence, f.status_code, f.updated_at, f.decision, f.decided_by, f.decided_at
        """;

    private const string FindingFrom = """
        set_findings f JOIN service_sets s ON s.id = f.set_id
        JOIN set_images a ON a.id = f.first_image LEFT JOIN set_images b ON b.id = f.second_image
        """;

    /// <summary>What a page's total counts from when no filter names an image: every finding has its first image (a
    /// foreign key that cascades) and the second is a left join, so neither join changes the count; without them the
    /// count reads the set's findings index alone instead of two image lookups per finding on every page.</summary>
    private const string FindingCountFrom = "set_findings f JOIN service_sets s ON s.id = f.set_id";

    public TenantId Tenant => tenant;

    private long T => tenant.Value;

    private static SetGroup ReadGroup(SqliteDataReader r) =>
        new(r.GetInt64(0), new TenantId(r.GetInt64(1)), r.GetString(2), r.GetString(3), Col.Time(r, 4), Col.Time(r, 5));

    private static DeduplicationSet ReadSet(SqliteDataReader r) => new(
        Guid.Parse(r.GetString(0)), new TenantId(r.GetInt64(1)), r.GetInt64(2), r.GetString(3), ServiceCodes.ParseState(r.GetString(4)),
        Col.Str(r, 5), Col.Str(r, 6), r.GetString(7), Col.Long(r, 8), Col.Time(r, 9), Col.Time(r, 10));

    private static SetImage ReadImage(SqliteDataReader r) => new(
        r.GetInt64(0), Guid.Parse(r.GetString(1)), r.GetString(2), r.GetString(3), Col.Long(r, 4), Col.Int(r, 5), Col.Time(r, 6), Col.Time(r, 7));

    private static SetFinding ReadFinding(SqliteDataReader r) => new(
        r.GetInt64(0), Guid.Parse(r.GetString(1)), r.GetInt64(2), r.GetString(3), r.GetString(4), Col.Long(r, 5), r.GetString(6), r.GetString(7),
        r.GetFloat(8), r.GetFloat(9), r.GetInt32(10), Col.Time(r, 11), ServiceCodes.ParseDecision(Col.Str(r, 12)), Col.Str(r, 13), Col.TimeOrNull(r, 14));

    private static string Id(Guid id) => id.ToString("D");

    private T1 Read<T1>(Func<SqliteSession, T1> body)
    {
        using var s = db.OpenSession();
        return body(s);
    }

    private T1 Write<T1>(Func<SqliteSession, T1> body)
    {
        using var s = db.OpenSession();
        return s.Atomically(() => body(s));
    }

    private bool OwnsSet(SqliteSession s, Guid setId) =>
        s.Long("SELECT COUNT(*) FROM service_sets WHERE id = @id AND tenant_id = @t", ("@id", Id(setId)), ("@t", T)) > 0;

    public Task<SetGroup> GetOrCreateGroupAsync(string referencePk, string defaultSettingsJson, CancellationToken cancellationToken = default) =>
        Task.FromResult(Write(s =>
        {
            var now = SqliteTime.Now();
            s.Execute("INSERT INTO set_groups (tenant_id, reference_pk, settings_json, created_at, updated_at) VALUES (@t, @r, @j, @now, @now) ON CONFLICT (tenant_id, reference_pk) DO NOTHING",
                ("@t", T), ("@r", referencePk), ("@j", defaultSettingsJson), ("@now", now));
            return s.Query($"SELECT {GroupColumns} FROM set_groups WHERE tenant_id = @t AND reference_pk = @r", ReadGroup, ("@t", T), ("@r", referencePk)).Single();
        }));

    public Task<SetGroup?> FindGroupAsync(string referencePk, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(s => s.Query($"SELECT {GroupColumns} FROM set_groups WHERE tenant_id = @t AND reference_pk = @r", ReadGroup, ("@t", T), ("@r", referencePk)).FirstOrDefault()));

    public Task<SetGroup?> GetGroupAsync(long groupId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(s => s.Query($"SELECT {GroupColumns} FROM set_groups WHERE tenant_id = @t AND id = @id", ReadGroup, ("@t", T), ("@id", groupId)).FirstOrDefault()));

    public Task<IReadOnlyList<SetGroup>> ListGroupsAsync(long offset, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<SetGroup>>(Read(s => s.Query($"SELECT {GroupColumns} FROM set_groups WHERE tenant_id = @t ORDER BY id LIMIT @l OFFSET @o", ReadGroup,
            ("@t", T), ("@l", limit), ("@o", offset))));

    public Task<long> CountGroupsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(s => s.Long("SELECT COUNT(*) FROM set_groups WHERE tenant_id = @t", ("@t", T))));

    public Task UpdateGroupSettingsAsync(long groupId, string settingsJson, CancellationToken cancellationToken = default)
    {
        Write(s => s.Execute("UPDATE set_groups SET settings_json = @j, updated_at = @now WHERE id = @id AND tenant_id = @t",
            ("@j", settingsJson), ("@now", SqliteTime.Now()), ("@id", groupId), ("@t", T)) == 1
            ? 0 : throw new RecordNotFoundException($"No group {groupId}."));
        return Task.CompletedTask;
    }

    public Task<DeduplicationSet> CreateSetAsync(long groupId, string? notificationUrl, string settingsJson, CancellationToken cancellationToken = default) =>
        Task.FromResult(Write(s =>
        {
            if (s.Long("SELECT COUNT(*) FROM set_groups WHERE id = @g AND tenant_id = @t", ("@g", groupId), ("@t", T)) == 0)
                throw new RecordNotFoundException($"No group {groupId}.");
            if (s.Long("SELECT COUNT(*) FROM service_sets WHERE group_id = @g AND state NOT IN ('Inactive', 'Rejected')", ("@g", groupId)) > 0)
                throw new StoreConflictException("The group already has an open deduplication set; approve, reject or delete it first.");
            var id = Guid.NewGuid();
            var now = SqliteTime.Now();
            s.Execute("""
                INSERT INTO service_sets (id, tenant_id, group_id, state, notification_url, settings_json, created_at, updated_at)
                VALUES (@id, @t, @g, 'Ready', @u, @j, @now, @now)
                """, ("@id", Id(id)), ("@t", T), ("@g", groupId), ("@u", notificationUrl), ("@j", settingsJson), ("@now", now));
            return GetSet(s, id)!;
        }));

    private DeduplicationSet? GetSet(SqliteSession s, Guid id) =>
        s.Query($"SELECT {SetColumns} FROM {SetFrom} WHERE s.id = @id AND s.tenant_id = @t", ReadSet, ("@id", Id(id)), ("@t", T)).FirstOrDefault();

    public Task<DeduplicationSet?> GetSetAsync(Guid id, CancellationToken cancellationToken = default) => Task.FromResult(Read(s => GetSet(s, id)));

    public Task<DeduplicationSet?> FindActiveSetAsync(long groupId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(s => s.Query($"SELECT {SetColumns} FROM {SetFrom} WHERE s.group_id = @g AND s.tenant_id = @t AND s.state NOT IN ('Inactive', 'Rejected')",
            ReadSet, ("@g", groupId), ("@t", T)).FirstOrDefault()));

    public Task<DeduplicationSet?> FindSetOfGroupAsync(string referencePk, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(s => s.Query($"""
            SELECT {SetColumns} FROM {SetFrom} WHERE g.tenant_id = @t AND g.reference_pk = @r AND s.tenant_id = @t
            ORDER BY s.state IN ('Inactive', 'Rejected'), s.created_at DESC, s.id LIMIT 1
            """, ReadSet, ("@t", T), ("@r", referencePk)).FirstOrDefault()));

    private static string SetFilter(long? groupId, IReadOnlyCollection<SetState>? states) =>
        "s.tenant_id = @t" + (groupId is null ? "" : " AND s.group_id = @g") + (states is null ? "" : " AND s.state IN (SELECT value FROM json_each(@states))");

    public Task<IReadOnlyList<DeduplicationSet>> ListSetsAsync(long? groupId, IReadOnlyCollection<SetState>? states, long offset, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DeduplicationSet>>(Read(s => s.Query(
            $"SELECT {SetColumns} FROM {SetFrom} WHERE {SetFilter(groupId, states)} ORDER BY s.created_at DESC, s.id LIMIT @l OFFSET @o", ReadSet,
            ("@t", T), ("@g", groupId), ("@states", states is null ? null : ServiceCodes.States(states)), ("@l", limit), ("@o", offset))));

    public Task<long> CountSetsAsync(long? groupId, IReadOnlyCollection<SetState>? states, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(s => s.Long($"SELECT COUNT(*) FROM service_sets s WHERE {SetFilter(groupId, states)}",
            ("@t", T), ("@g", groupId), ("@states", states is null ? null : ServiceCodes.States(states)))));

    public Task<IReadOnlyList<DeduplicationSet>> ListAllTenantsInStateAsync(SetState state, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DeduplicationSet>>(Read(s => s.Query($"SELECT {SetColumns} FROM {SetFrom} WHERE s.state = @s ORDER BY s.updated_at", ReadSet,
            ("@s", state.ToString()))));

    public Task<DeduplicationSet?> TransitionAsync(Guid id, IReadOnlyCollection<SetState> from, SetState to, string? error = null, long? runId = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(Write(s =>
        {
            int changed = s.Execute("""
                UPDATE service_sets SET state = @to, error = @e, run_id = COALESCE(@run, run_id), updated_at = @now
                WHERE id = @id AND tenant_id = @t AND state IN (SELECT value FROM json_each(@from))
                """, ("@to", to.ToString()), ("@e", error), ("@run", runId), ("@now", SqliteTime.Now()), ("@id", Id(id)), ("@t", T),
                ("@from", ServiceCodes.States(from)));
            return changed == 1 ? GetSet(s, id) : null;
        }));

    public Task<bool> DeleteSetAsync(Guid id, CancellationToken cancellationToken = default) =>
        Task.FromResult(Write(s => s.Execute("DELETE FROM service_sets WHERE id = @id AND tenant_id = @t", ("@id", Id(id)), ("@t", T)) == 1));

    public Task<IReadOnlyList<SetImage>> AddImagesAsync(Guid setId, IReadOnlyList<NewSetImage> images, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<SetImage>>(Write(s =>
        {
            if (!OwnsSet(s, setId))
                throw new RecordNotFoundException($"No deduplication set {setId}.");
            var now = SqliteTime.Now();
            var result = new List<SetImage>(images.Count);
            using var upsert = s.Command($"""
                INSERT INTO set_images (set_id, reference_pk, filename, created_at, updated_at) VALUES (@s, @r, @f, @now, @now)
                ON CONFLICT (set_id, reference_pk) DO UPDATE SET filename = excluded.filename, media_id = NULL, status_code = NULL, updated_at = excluded.updated_at
                    WHERE set_images.filename <> excluded.filename
                """, ("@s", Id(setId)), ("@r", ""), ("@f", ""), ("@now", now));
            using var select = s.Command($"SELECT {ImageColumns} FROM set_images WHERE set_id = @s AND reference_pk = @r", ("@s", Id(setId)), ("@r", ""));
            foreach (var image in images)
            {
                upsert.Parameters["@r"].Value = image.ReferencePk;
                upsert.Parameters["@f"].Value = image.Filename;
                upsert.ExecuteNonQuery();
                select.Parameters["@r"].Value = image.ReferencePk;
                using var reader = select.ExecuteReader();
                reader.Read();
                result.Add(ReadImage(reader));
            }
            return result;
        }));

    public Task<IReadOnlyList<SetImage>> ListImagesAsync(Guid setId, long offset, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<SetImage>>(Read(s => s.Query($"""
            SELECT {ImageColumns} FROM set_images WHERE set_id = @s AND EXISTS (SELECT 1 FROM service_sets WHERE id = @s AND tenant_id = @t)
            ORDER BY id LIMIT @l OFFSET @o
            """, ReadImage, ("@s", Id(setId)), ("@t", T), ("@l", limit), ("@o", offset))));

    public Task<long> CountImagesAsync(Guid setId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(s => s.Long("SELECT COUNT(*) FROM set_images WHERE set_id = @s AND EXISTS (SELECT 1 FROM service_sets WHERE id = @s AND tenant_id = @t)",
            ("@s", Id(setId)), ("@t", T))));

    public Task<IReadOnlyList<SetImage>> ListReferenceImagesAsync(long groupId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<SetImage>>(Read(s => s.Query($"""
            SELECT {string.Join(", ", ImageColumns.Split(", ").Select(c => "i." + c))} FROM set_images i JOIN service_sets s ON s.id = i.set_id
            WHERE s.group_id = @g AND s.tenant_id = @t AND s.state = 'Inactive' ORDER BY i.id
            """, ReadImage, ("@g", groupId), ("@t", T))));

    public Task<int> RemoveImagesAsync(Guid setId, IReadOnlyCollection<string>? referencePks, CancellationToken cancellationToken = default) =>
        Task.FromResult(Write(s =>
        {
            if (!OwnsSet(s, setId))
                throw new RecordNotFoundException($"No deduplication set {setId}.");
            return referencePks is null
                ? s.Execute("DELETE FROM set_images WHERE set_id = @s", ("@s", Id(setId)))
                : s.Execute("DELETE FROM set_images WHERE set_id = @s AND reference_pk IN (SELECT value FROM json_each(@r))", ("@s", Id(setId)), ("@r", Col.Strings(referencePks)));
        }));

    public Task SaveImageResultsAsync(IReadOnlyList<SetImageResult> results, CancellationToken cancellationToken = default)
    {
        Write(s =>
        {
            var now = SqliteTime.Now();
            using var update = s.Command("""
                UPDATE set_images SET media_id = @m, status_code = @c, updated_at = @now
                WHERE id = @id AND EXISTS (SELECT 1 FROM service_sets x WHERE x.id = set_images.set_id AND x.tenant_id = @t)
                """, ("@m", null), ("@c", 0), ("@now", now), ("@id", 0L), ("@t", T));
            foreach (var r in results)
            {
                update.Parameters["@m"].Value = (object?)r.MediaId ?? DBNull.Value;
                update.Parameters["@c"].Value = r.StatusCode;
                update.Parameters["@id"].Value = r.ImageId;
                update.ExecuteNonQuery();
            }
            return 0;
        });
        return Task.CompletedTask;
    }

    public Task ReplaceFindingsAsync(Guid setId, IReadOnlyList<NewSetFinding> findings, CancellationToken cancellationToken = default)
    {
        Write(s =>
        {
            if (!OwnsSet(s, setId))
                throw new RecordNotFoundException($"No deduplication set {setId}.");
            // Decisions outlive a re-run: keyed by the two images, which keep their ids while registered.
            var kept = s.Query("SELECT first_image, second_image, decision, decided_by, decided_at FROM set_findings WHERE set_id = @s AND decision IS NOT NULL",
                    r => (First: r.GetInt64(0), Second: Col.Long(r, 1), Decision: r.GetString(2), By: Col.Str(r, 3), At: Col.Str(r, 4)), ("@s", Id(setId)))
                .ToDictionary(d => (d.First, d.Second));
            s.Execute("DELETE FROM set_findings WHERE set_id = @s", ("@s", Id(setId)));
            var now = SqliteTime.Now();
            using var insert = s.Command("""
                INSERT INTO set_findings (set_id, first_image, second_image, score, confidence, status_code, updated_at, decision, decided_by, decided_at)
                VALUES (@s, @a, @b, @score, @conf, @code, @now, @d, @by, @at)
                """, ("@s", Id(setId)), ("@a", 0L), ("@b", null), ("@score", 0f), ("@conf", 0f), ("@code", 0), ("@now", now), ("@d", null), ("@by", null), ("@at", null));
            foreach (var f in findings)
            {
                insert.Parameters["@a"].Value = f.FirstImageId;
                insert.Parameters["@b"].Value = (object?)f.SecondImageId ?? DBNull.Value;
                insert.Parameters["@score"].Value = f.Score;
                insert.Parameters["@conf"].Value = f.Confidence;
                insert.Parameters["@code"].Value = f.StatusCode;
                bool decided = kept.TryGetValue((f.FirstImageId, f.SecondImageId), out var d);
                insert.Parameters["@d"].Value = decided ? d.Decision : DBNull.Value;
                insert.Parameters["@by"].Value = decided ? (object?)d.By ?? DBNull.Value : DBNull.Value;
                insert.Parameters["@at"].Value = decided ? (object?)d.At ?? DBNull.Value : DBNull.Value;
                insert.ExecuteNonQuery();
            }
            return 0;
        });
        return Task.CompletedTask;
    }

    public Task<FindingsPage> ListFindingsAsync(Guid? setId, long? groupId, SetFindingQuery query, CancellationToken cancellationToken = default)
    {
        var (countSql, pageSql, parameters) = FindingsPageQuery(T, setId, groupId, query);
        return Task.FromResult(Read(s => ReadPage(s, countSql, pageSql, parameters)));
    }

    public Task<(DeduplicationSet? Set, FindingsPage Page)> GetSetWithFindingsAsync(Guid setId, SetFindingQuery query, CancellationToken cancellationToken = default)
    {
        var (countSql, pageSql, parameters) = FindingsPageQuery(T, setId, null, query);
        return Task.FromResult(Read(s => GetSet(s, setId) is { } set
            ? ((DeduplicationSet?)set, ReadPage(s, countSql, pageSql, parameters))
            : (null, new FindingsPage(0, []))));
    }

    private static FindingsPage ReadPage(SqliteSession s, string countSql, string pageSql, (string, object?)[] parameters) =>
        new(s.Long(countSql, parameters), s.Query(pageSql, ReadFinding, parameters));

    /// <summary>The statements of a findings page (the total, then the page) and their parameters. Newest first, the
    /// newest row first among findings stored together (one set's are written with one time): exactly the order of
    /// ix_set_findings_page (set_id, updated_at, id) read backwards, so a set's page reads OFFSET + LIMIT rows with their
    /// two image lookups and stops. With ties by ascending id (before 2026-12-07) SQLite joined and sorted every finding
    /// of the set in a temporary B-tree on each page (EXPLAIN QUERY PLAN: "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY" on
    /// a 2,700-finding copy; now no sort step). Internal for the plan test.</summary>
    internal static (string CountSql, string PageSql, (string, object?)[] Parameters) FindingsPageQuery(long tenant, Guid? setId, long? groupId, SetFindingQuery query)
    {
        if (setId is null && groupId is null)
            throw new ArgumentException("A set or a group is required.");
        var where = new List<string> { "s.tenant_id = @t" };
        if (setId is not null)
            where.Add("f.set_id = @s");
        if (groupId is not null)
            where.Add("s.group_id = @g");
        if (query.ReferencePks is { Count: > 0 })
            where.Add("(a.reference_pk IN (SELECT value FROM json_each(@refs)) OR b.reference_pk IN (SELECT value FROM json_each(@refs)))");
        if (query.StatusCode is not null)
            where.Add("f.status_code = @code");
        if (query.MinScore is not null)
            where.Add("f.score >= @min");
        if (query.UpdatedAfter is not null)
            where.Add("f.updated_at > @after");
        if (query.UpdatedBefore is not null)
            where.Add("f.updated_at < @before");
        if (query.Undecided is bool undecided)
            where.Add(undecided ? "f.decision IS NULL" : "f.decision IS NOT NULL");
        if (query.ExcludeNotDuplicate)
            where.Add("(f.decision IS NULL OR f.decision <> 'not_duplicate')");
        (string, object?)[] parameters =
        [
            ("@t", tenant), ("@s", setId is null ? null : Id(setId.Value)), ("@g", groupId),
            ("@refs", query.ReferencePks is null ? null : Col.Strings(query.ReferencePks)), ("@code", query.StatusCode), ("@min", query.MinScore),
            ("@after", query.UpdatedAfter is null ? null : SqliteTime.Write(query.UpdatedAfter.Value)),
            ("@before", query.UpdatedBefore is null ? null : SqliteTime.Write(query.UpdatedBefore.Value)),
            ("@l", query.Limit), ("@o", query.Offset),
        ];
        var filter = string.Join(" AND ", where);
        return ($"SELECT COUNT(*) FROM {(query.ReferencePks is { Count: > 0 } ? FindingFrom : FindingCountFrom)} WHERE {filter}",
            $"SELECT {FindingColumns} FROM {FindingFrom} WHERE {filter} ORDER BY f.updated_at DESC, f.id DESC LIMIT @l OFFSET @o", parameters);
    }

    public Task<SetFinding?> GetFindingAsync(long findingId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(s => s.Query($"SELECT {FindingColumns} FROM {FindingFrom} WHERE f.id = @id AND s.tenant_id = @t", ReadFinding,
            ("@id", findingId), ("@t", T)).FirstOrDefault()));

    public Task<bool> DecideFindingAsync(long findingId, FindingDecision? decision, string? decidedBy, CancellationToken cancellationToken = default) =>
        Task.FromResult(Write(s => s.Execute("""
            UPDATE set_findings SET decision = @d, decided_by = @by, decided_at = @at, updated_at = @now
            WHERE id = @id AND EXISTS (SELECT 1 FROM service_sets x WHERE x.id = set_findings.set_id AND x.tenant_id = @t)
            """, ("@d", decision is null ? null : ServiceCodes.Decision(decision)), ("@by", decision is null ? null : decidedBy),
            ("@at", decision is null ? null : SqliteTime.Now()), ("@now", SqliteTime.Now()), ("@id", findingId), ("@t", T)) == 1));

    private static SetIgnoredPair ReadIgnored(SqliteDataReader r) => new(r.GetInt64(0), r.GetInt64(1),
        r.GetString(2) == "reference_pk" ? IgnoredKeyKind.ReferencePk : IgnoredKeyKind.Filename, r.GetString(3), r.GetString(4), Col.Str(r, 5), Col.Time(r, 6));

    public Task<(SetIgnoredPair Pair, bool Created)> AddIgnoredAsync(long groupId, IgnoredKeyKind kind, string first, string second, string? createdBy, CancellationToken cancellationToken = default) =>
        Task.FromResult(Write(s =>
        {
            if (s.Long("SELECT COUNT(*) FROM set_groups WHERE id = @g AND tenant_id = @t", ("@g", groupId), ("@t", T)) == 0)
                throw new RecordNotFoundException($"No group {groupId}.");
            if (string.CompareOrdinal(first, second) > 0)
                (first, second) = (second, first);
            int added = s.Execute("""
                INSERT INTO set_ignored_pairs (group_id, kind, first, second, created_by, created_at) VALUES (@g, @k, @a, @b, @by, @now)
                ON CONFLICT (group_id, kind, first, second) DO NOTHING
                """, ("@g", groupId), ("@k", ServiceCodes.Kind(kind)), ("@a", first), ("@b", second), ("@by", createdBy), ("@now", SqliteTime.Now()));
            var pair = s.Query("SELECT id, group_id, kind, first, second, created_by, created_at FROM set_ignored_pairs WHERE group_id = @g AND kind = @k AND first = @a AND second = @b",
                ReadIgnored, ("@g", groupId), ("@k", ServiceCodes.Kind(kind)), ("@a", first), ("@b", second)).Single();
            return (pair, added == 1);
        }));

    public Task<IReadOnlyList<SetIgnoredPair>> ListIgnoredAsync(long groupId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<SetIgnoredPair>>(Read(s => s.Query("""
            SELECT p.id, p.group_id, p.kind, p.first, p.second, p.created_by, p.created_at FROM set_ignored_pairs p JOIN set_groups g ON g.id = p.group_id
            WHERE p.group_id = @g AND g.tenant_id = @t ORDER BY p.id
            """, ReadIgnored, ("@g", groupId), ("@t", T))));
}

internal sealed class SqliteWebhookStore(SqliteDatabase db) : IWebhookStore
{
    private const string DeliveryColumns = "id, tenant_id, kind, endpoint_id, url, event_type, payload_json, state, attempts, next_attempt_at, created_at, set_id";

    private static WebhookEndpoint ReadEndpoint(SqliteDataReader r) =>
        new(r.GetInt64(0), new TenantId(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetInt64(4) == 1, Col.Time(r, 5));

    private static WebhookDelivery ReadDelivery(SqliteDataReader r) => new(
        r.GetInt64(0), new TenantId(r.GetInt64(1)), r.GetString(2) == "signed" ? DeliveryKind.Signed : DeliveryKind.HopeGet, Col.Long(r, 3), r.GetString(4),
        r.GetString(5), r.GetString(6), ServiceCodes.ParseDeliveryState(r.GetString(7)), r.GetInt32(8), Col.Time(r, 9), Col.Time(r, 10),
        r.IsDBNull(11) ? null : Guid.Parse(r.GetString(11)));

    private T1 Run<T1>(Func<SqliteSession, T1> body)
    {
        using var s = db.OpenSession();
        return s.Atomically(() => body(s));
    }

    public Task<WebhookEndpoint> AddEndpointAsync(TenantId tenant, string url, string secret, CancellationToken cancellationToken = default) =>
        Task.FromResult(Run(s => s.Query("INSERT INTO webhook_endpoints (tenant_id, url, secret, created_at) VALUES (@t, @u, @s, @now) RETURNING id, tenant_id, url, secret, active, created_at",
            ReadEndpoint, ("@t", tenant.Value), ("@u", url), ("@s", secret), ("@now", SqliteTime.Now())).Single()));

    public Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(TenantId tenant, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<WebhookEndpoint>>(Run(s => s.Query("SELECT id, tenant_id, url, secret, active, created_at FROM webhook_endpoints WHERE tenant_id = @t AND active = 1 ORDER BY id",
            ReadEndpoint, ("@t", tenant.Value))));

    public Task<bool> RemoveEndpointAsync(TenantId tenant, long id, CancellationToken cancellationToken = default) =>
        Task.FromResult(Run(s => s.Execute("UPDATE webhook_endpoints SET active = 0 WHERE id = @id AND tenant_id = @t AND active = 1", ("@id", id), ("@t", tenant.Value)) == 1));

    public Task<WebhookDelivery> EnqueueAsync(TenantId tenant, DeliveryKind kind, long? endpointId, string url, string eventType, string payloadJson, Guid? setId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Run(s => s.Query($"""
            INSERT INTO webhook_deliveries (tenant_id, kind, endpoint_id, url, event_type, payload_json, state, next_attempt_at, created_at, set_id)
            VALUES (@t, @k, @e, @u, @ev, @p, 'pending', @now, @now, @set) RETURNING {DeliveryColumns}
            """, ReadDelivery, ("@t", tenant.Value), ("@k", ServiceCodes.Kind(kind)), ("@e", endpointId), ("@u", url), ("@ev", eventType), ("@p", payloadJson),
            ("@now", SqliteTime.Now()), ("@set", setId?.ToString("D"))).Single()));

    public Task<IReadOnlyList<WebhookDelivery>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<WebhookDelivery>>(Run(s => s.Query($"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @l",
            ReadDelivery, ("@now", SqliteTime.Write(now)), ("@l", limit))));

    public Task RecordAttemptAsync(long deliveryId, int? statusCode, string? error, long durationMs, DeliveryState newState, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default)
    {
        Run(s =>
        {
            s.Execute("UPDATE webhook_deliveries SET attempts = attempts + 1, state = @st, next_attempt_at = @next WHERE id = @id",
                ("@st", ServiceCodes.State(newState)), ("@next", SqliteTime.Write(nextAttemptAt)), ("@id", deliveryId));
            return s.Execute("""
                INSERT INTO webhook_attempts (delivery_id, number, at, status_code, error, duration_ms)
                VALUES (@id, (SELECT attempts FROM webhook_deliveries WHERE id = @id), @now, @code, @err, @ms)
                """, ("@id", deliveryId), ("@now", SqliteTime.Now()), ("@code", statusCode), ("@err", error), ("@ms", durationMs));
        });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(TenantId tenant, Guid? setId, long offset, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<WebhookDelivery>>(Run(s => s.Query(
            $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE tenant_id = @t {(setId is null ? "" : "AND set_id = @set")} ORDER BY id DESC LIMIT @l OFFSET @o",
            ReadDelivery, ("@t", tenant.Value), ("@set", setId?.ToString("D")), ("@l", limit), ("@o", offset))));

    public Task<WebhookDelivery?> GetDeliveryAsync(TenantId tenant, long id, CancellationToken cancellationToken = default) =>
        Task.FromResult(Run(s => s.Query($"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE id = @id AND tenant_id = @t", ReadDelivery, ("@id", id), ("@t", tenant.Value)).FirstOrDefault()));

    public Task<IReadOnlyList<DeliveryAttempt>> ListAttemptsAsync(long deliveryId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DeliveryAttempt>>(Run(s => s.Query("SELECT id, delivery_id, number, at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = @id ORDER BY number",
            r => new DeliveryAttempt(r.GetInt64(0), r.GetInt64(1), r.GetInt32(2), Col.Time(r, 3), Col.Int(r, 4), Col.Str(r, 5), r.GetInt64(6)), ("@id", deliveryId))));

    public Task<bool> ResendAsync(TenantId tenant, long id, CancellationToken cancellationToken = default) =>
        Task.FromResult(Run(s => s.Execute("UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = @now WHERE id = @id AND tenant_id = @t",
            ("@now", SqliteTime.Now()), ("@id", id), ("@t", tenant.Value)) == 1));
}


internal sealed class SqliteAdminUserStore(SqliteDatabase db) : IAdminUserStore
{
    private const string Columns = "id, name, role, password_hash, created_at, disabled_at";

    private static AdminUser Read(SqliteDataReader r) => new(r.GetInt64(0), r.GetString(1), r.GetString(2) == "admin" ? AdminRole.Admin : AdminRole.Reviewer,
        r.GetString(3), Col.Time(r, 4), Col.TimeOrNull(r, 5));

    private static string Role(AdminRole role) => role == AdminRole.Admin ? "admin" : "reviewer";

    public Task<AdminUser> AddAsync(string name, AdminRole role, string passwordHash, CancellationToken cancellationToken = default)
    {
        using var s = db.OpenSession();
        return Task.FromResult(s.Atomically(() =>
        {
            if (s.Long("SELECT COUNT(*) FROM admin_users WHERE name = @n", ("@n", name)) > 0)
                throw new StoreConflictException($"An admin page user named '{name}' already exists.");
            return s.Query($"INSERT INTO admin_users (name, role, password_hash, created_at) VALUES (@n, @r, @h, @now) RETURNING {Columns}",
                Read, ("@n", name), ("@r", Role(role)), ("@h", passwordHash), ("@now", SqliteTime.Now())).Single();
        }));
    }

    public Task<AdminUser?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        using var s = db.OpenSession();
        return Task.FromResult(s.Query($"SELECT {Columns} FROM admin_users WHERE name = @n", Read, ("@n", name)).FirstOrDefault());
    }

    public Task<IReadOnlyList<AdminUser>> ListAsync(CancellationToken cancellationToken = default)
    {
        using var s = db.OpenSession();
        return Task.FromResult<IReadOnlyList<AdminUser>>(s.Query($"SELECT {Columns} FROM admin_users ORDER BY name", Read));
    }

    public Task<bool> SetPasswordAsync(string name, string passwordHash, CancellationToken cancellationToken = default)
    {
        using var s = db.OpenSession();
        return Task.FromResult(s.Execute("UPDATE admin_users SET password_hash = @h WHERE name = @n", ("@h", passwordHash), ("@n", name)) == 1);
    }
}
