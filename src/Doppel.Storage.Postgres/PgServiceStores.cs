using Doppel.Storage.Sqlite.Stores;
using Npgsql;

namespace Doppel.Storage.Postgres;

/// <summary>Sessions of the service's stores, which are not confined to one tenant (tokens, webhooks) or filter by it themselves.</summary>
internal static class PgService
{
    public static async Task<T> ReadAsync<T>(PostgresDatabase db, Func<PgSession, Task<T>> body, CancellationToken cancellationToken)
    {
        await using var session = await db.OpenSessionAsync(cancellationToken);
        return await body(session);
    }

    /// <summary>One transaction (retried on a deadlock); a unique violation of a service table is a conflict the caller can act on.</summary>
    public static async Task<T> WriteAsync<T>(PostgresDatabase db, Func<PgSession, Task<T>> body, CancellationToken cancellationToken)
    {
        await using var session = await db.OpenSessionAsync(cancellationToken);
        try
        {
            return await db.Retrying(() => session.AtomicallyAsync(() => body(session), cancellationToken), cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "ux_service_sets_open")
        {
            // Two requests raced past the check in CreateSetAsync: the index keeps one open set per group.
            throw new StoreConflictException("The group already has an open deduplication set; approve, reject or delete it first.");
        }
    }

    /// <summary>One statement on a pooled connection, with no transaction around it (a statement is atomic on its own:
    /// BEGIN and COMMIT would add a round trip), run again when PostgreSQL aborted it to break a deadlock.</summary>
    public static async Task<T> StatementAsync<T>(PostgresDatabase db, Func<PgSession, Task<T>> body, CancellationToken cancellationToken)
    {
        await using var session = await db.OpenSessionAsync(cancellationToken);
        return await db.Retrying(() => body(session), cancellationToken);
    }

    /// <summary>Now, to the microsecond PostgreSQL keeps, so a value written and read back compares equal.</summary>
    public static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.Ticks % 10));
    }
}

internal sealed class PgApiTokenStore(PostgresDatabase db) : IApiTokenStore
{
    private const string Columns = "id, tenant_id, name, prefix, scope, created_at, revoked_at, last_used_at";

    private static ApiToken Read(NpgsqlDataReader r) => new(r.GetInt64(0), new TenantId(r.GetInt64(1)), r.GetString(2), r.GetString(3),
        ServiceCodes.ParseScope(r.GetString(4)), PgCol.Time(r, 5), PgCol.TimeOrNull(r, 6), PgCol.TimeOrNull(r, 7));

    public Task<ApiToken> CreateAsync(TenantId tenant, string name, string prefix, string secretHash, TokenScope scope, CancellationToken cancellationToken = default) =>
        PgService.WriteAsync(db, async s =>
        {
            if (await s.LongAsync("SELECT COUNT(*) FROM tenants WHERE id = @t", cancellationToken, ("t", tenant.Value)) == 0)
                throw new RecordNotFoundException($"No tenant {tenant}.");
            return (await s.QueryAsync($"INSERT INTO api_tokens (tenant_id, name, prefix, secret_hash, scope, created_at) VALUES (@t, @n, @p, @h, @s, @now) RETURNING {Columns}",
                Read, cancellationToken, ("t", tenant.Value), ("n", name), ("p", prefix), ("h", secretHash), ("s", ServiceCodes.Scope(scope)), ("now", PgService.Now()))).Single();
        }, cancellationToken);

    public async Task<ApiToken?> FindByHashAsync(string secretHash, CancellationToken cancellationToken = default) =>
        (await PgService.ReadAsync(db, s => s.QueryAsync($"SELECT {Columns} FROM api_tokens WHERE secret_hash = @h", Read, cancellationToken, ("h", secretHash)),
            cancellationToken)).FirstOrDefault();

    public async Task<ApiToken?> GetAsync(TenantId tenant, long id, CancellationToken cancellationToken = default) =>
        (await PgService.ReadAsync(db, s => s.QueryAsync($"SELECT {Columns} FROM api_tokens WHERE id = @id AND tenant_id = @t", Read, cancellationToken,
            ("id", id), ("t", tenant.Value)), cancellationToken)).FirstOrDefault();

    public async Task<IReadOnlyList<ApiToken>> ListAsync(TenantId tenant, CancellationToken cancellationToken = default) =>
        await PgService.ReadAsync(db, s => s.QueryAsync($"SELECT {Columns} FROM api_tokens WHERE tenant_id = @t ORDER BY id", Read, cancellationToken,
            ("t", tenant.Value)), cancellationToken);

    public Task<bool> RevokeAsync(TenantId tenant, long id, CancellationToken cancellationToken = default) =>
        PgService.WriteAsync(db, async s => await s.ExecuteAsync("UPDATE api_tokens SET revoked_at = @now WHERE id = @id AND tenant_id = @t AND revoked_at IS NULL",
            cancellationToken, ("now", PgService.Now()), ("id", id), ("t", tenant.Value)) == 1, cancellationToken);

    public Task TouchAsync(long id, CancellationToken cancellationToken = default)
    {
        var now = PgService.Now();
        return PgService.ReadAsync(db, s => s.ExecuteAsync("UPDATE api_tokens SET last_used_at = @now WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @before)",
            cancellationToken, ("now", now), ("id", id), ("before", now.AddMinutes(-1))), cancellationToken);
    }
}

internal sealed class PgSetStore(PostgresDatabase db, TenantId tenant) : ISetStore
{
    private const string GroupColumns = "id, tenant_id, reference_pk, settings_json, created_at, updated_at";

    private const string SetColumns =
        "s.id, s.tenant_id, s.group_id, g.reference_pk, s.state, s.error, s.notification_url, s.settings_json, s.run_id, s.created_at, s.updated_at";

    private const string SetFrom = "service_sets s JOIN set_groups g ON g.id = s.group_id";

    private const string ImageColumns = "i.id, i.set_id, i.reference_pk, i.filename, i.media_id, i.status_code, i.created_at, i.updated_at";

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

    private const string Closed = "('Inactive', 'Rejected')";

    public TenantId Tenant => tenant;

    private long T => tenant.Value;

    private static SetGroup ReadGroup(NpgsqlDataReader r) =>
        new(r.GetInt64(0), new TenantId(r.GetInt64(1)), r.GetString(2), r.GetString(3), PgCol.Time(r, 4), PgCol.Time(r, 5));

    private static DeduplicationSet ReadSet(NpgsqlDataReader r) => new(
        r.GetGuid(0), new TenantId(r.GetInt64(1)), r.GetInt64(2), r.GetString(3), ServiceCodes.ParseState(r.GetString(4)),
        PgCol.Str(r, 5), PgCol.Str(r, 6), r.GetString(7), PgCol.Long(r, 8), PgCol.Time(r, 9), PgCol.Time(r, 10));

    private static SetImage ReadImage(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetGuid(1), r.GetString(2), r.GetString(3), PgCol.Long(r, 4), PgCol.Int(r, 5), PgCol.Time(r, 6), PgCol.Time(r, 7));

    private static SetFinding ReadFinding(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetGuid(1), r.GetInt64(2), r.GetString(3), r.GetString(4), PgCol.Long(r, 5), r.GetString(6), r.GetString(7),
        r.GetFloat(8), r.GetFloat(9), r.GetInt32(10), PgCol.Time(r, 11), ServiceCodes.ParseDecision(PgCol.Str(r, 12)), PgCol.Str(r, 13), PgCol.TimeOrNull(r, 14));

    private static string[] States(IEnumerable<SetState> states) => states.Select(s => s.ToString()).ToArray();

    private Task<T1> Read<T1>(Func<PgSession, Task<T1>> body, CancellationToken cancellationToken) => PgService.ReadAsync(db, body, cancellationToken);

    private Task<T1> Write<T1>(Func<PgSession, Task<T1>> body, CancellationToken cancellationToken) => PgService.WriteAsync(db, body, cancellationToken);

    private async Task RequireSetAsync(PgSession s, Guid setId, CancellationToken cancellationToken)
    {
        if (await s.LongAsync("SELECT COUNT(*) FROM service_sets WHERE id = @id AND tenant_id = @t", cancellationToken, ("id", setId), ("t", T)) == 0)
            throw new RecordNotFoundException($"No deduplication set {setId}.");
    }

    private async Task RequireGroupAsync(PgSession s, long groupId, CancellationToken cancellationToken)
    {
        if (await s.LongAsync("SELECT COUNT(*) FROM set_groups WHERE id = @g AND tenant_id = @t", cancellationToken, ("g", groupId), ("t", T)) == 0)
            throw new RecordNotFoundException($"No group {groupId}.");
    }

    public Task<SetGroup> GetOrCreateGroupAsync(string referencePk, string defaultSettingsJson, CancellationToken cancellationToken = default) =>
        Write(async s =>
        {
            var now = PgService.Now();
            await s.ExecuteAsync("""
                INSERT INTO set_groups (tenant_id, reference_pk, settings_json, created_at, updated_at) VALUES (@t, @r, @j, @now, @now)
                ON CONFLICT (tenant_id, reference_pk) DO NOTHING
                """, cancellationToken, ("t", T), ("r", referencePk), ("j", defaultSettingsJson), ("now", now));
            return (await s.QueryAsync($"SELECT {GroupColumns} FROM set_groups WHERE tenant_id = @t AND reference_pk = @r", ReadGroup, cancellationToken,
                ("t", T), ("r", referencePk))).Single();
        }, cancellationToken);

    public async Task<SetGroup?> FindGroupAsync(string referencePk, CancellationToken cancellationToken = default) =>
        (await Read(s => s.QueryAsync($"SELECT {GroupColumns} FROM set_groups WHERE tenant_id = @t AND reference_pk = @r", ReadGroup, cancellationToken,
            ("t", T), ("r", referencePk)), cancellationToken)).FirstOrDefault();

    public async Task<SetGroup?> GetGroupAsync(long groupId, CancellationToken cancellationToken = default) =>
        (await Read(s => s.QueryAsync($"SELECT {GroupColumns} FROM set_groups WHERE tenant_id = @t AND id = @id", ReadGroup, cancellationToken,
            ("t", T), ("id", groupId)), cancellationToken)).FirstOrDefault();

    public async Task<IReadOnlyList<SetGroup>> ListGroupsAsync(long offset, int limit, CancellationToken cancellationToken = default) =>
        await Read(s => s.QueryAsync($"SELECT {GroupColumns} FROM set_groups WHERE tenant_id = @t ORDER BY id LIMIT @l OFFSET @o", ReadGroup, cancellationToken,
            ("t", T), ("l", limit), ("o", offset)), cancellationToken);

    public Task<long> CountGroupsAsync(CancellationToken cancellationToken = default) =>
        Read(s => s.LongAsync("SELECT COUNT(*) FROM set_groups WHERE tenant_id = @t", cancellationToken, ("t", T)), cancellationToken);

    public Task UpdateGroupSettingsAsync(long groupId, string settingsJson, CancellationToken cancellationToken = default) =>
        Write(async s => await s.ExecuteAsync("UPDATE set_groups SET settings_json = @j, updated_at = @now WHERE id = @id AND tenant_id = @t", cancellationToken,
                ("j", settingsJson), ("now", PgService.Now()), ("id", groupId), ("t", T)) == 1
            ? 0 : throw new RecordNotFoundException($"No group {groupId}."), cancellationToken);

    public Task<DeduplicationSet> CreateSetAsync(long groupId, string? notificationUrl, string settingsJson, CancellationToken cancellationToken = default) =>
        Write(async s =>
        {
            await RequireGroupAsync(s, groupId, cancellationToken);
            if (await s.LongAsync($"SELECT COUNT(*) FROM service_sets WHERE group_id = @g AND state NOT IN {Closed}", cancellationToken, ("g", groupId)) > 0)
                throw new StoreConflictException("The group already has an open deduplication set; approve, reject or delete it first.");
            var id = Guid.NewGuid();
            var now = PgService.Now();
            await s.ExecuteAsync("""
                INSERT INTO service_sets (id, tenant_id, group_id, state, notification_url, settings_json, created_at, updated_at)
                VALUES (@id, @t, @g, 'Ready', @u, @j, @now, @now)
                """, cancellationToken, ("id", id), ("t", T), ("g", groupId), ("u", notificationUrl), ("j", settingsJson), ("now", now));
            return (await GetSetAsync(s, id, cancellationToken))!;
        }, cancellationToken);

    private const string SetByIdSql = $"SELECT {SetColumns} FROM {SetFrom} WHERE s.id = @id AND s.tenant_id = @t";

    private async Task<DeduplicationSet?> GetSetAsync(PgSession s, Guid id, CancellationToken cancellationToken) =>
        (await s.QueryAsync(SetByIdSql, ReadSet, cancellationToken, ("id", id), ("t", T))).FirstOrDefault();

    public Task<DeduplicationSet?> GetSetAsync(Guid id, CancellationToken cancellationToken = default) => Read(s => GetSetAsync(s, id, cancellationToken), cancellationToken);

    public async Task<DeduplicationSet?> FindActiveSetAsync(long groupId, CancellationToken cancellationToken = default) =>
        (await Read(s => s.QueryAsync($"SELECT {SetColumns} FROM {SetFrom} WHERE s.group_id = @g AND s.tenant_id = @t AND s.state NOT IN {Closed}",
            ReadSet, cancellationToken, ("g", groupId), ("t", T)), cancellationToken)).FirstOrDefault();

    public async Task<DeduplicationSet?> FindSetOfGroupAsync(string referencePk, CancellationToken cancellationToken = default) =>
        (await Read(s => s.QueryAsync($"""
            SELECT {SetColumns} FROM {SetFrom} WHERE g.tenant_id = @t AND g.reference_pk = @r AND s.tenant_id = @t
            ORDER BY s.state IN {Closed}, s.created_at DESC, s.id LIMIT 1
            """, ReadSet, cancellationToken, ("t", T), ("r", referencePk)), cancellationToken)).FirstOrDefault();

    private (string Where, (string, object?)[] Parameters) SetFilter(long? groupId, IReadOnlyCollection<SetState>? states)
    {
        var where = "s.tenant_id = @t" + (groupId is null ? "" : " AND s.group_id = @g") + (states is null ? "" : " AND s.state = ANY(@states)");
        var parameters = new List<(string, object?)> { ("t", T) };
        if (groupId is not null)
            parameters.Add(("g", groupId.Value));
        if (states is not null)
            parameters.Add(("states", States(states)));
        return (where, parameters.ToArray());
    }

    public async Task<IReadOnlyList<DeduplicationSet>> ListSetsAsync(long? groupId, IReadOnlyCollection<SetState>? states, long offset, int limit, CancellationToken cancellationToken = default)
    {
        var (where, parameters) = SetFilter(groupId, states);
        return await Read(s => s.QueryAsync($"SELECT {SetColumns} FROM {SetFrom} WHERE {where} ORDER BY s.created_at DESC, s.id LIMIT @l OFFSET @o", ReadSet,
            cancellationToken, [.. parameters, ("l", limit), ("o", offset)]), cancellationToken);
    }

    public Task<long> CountSetsAsync(long? groupId, IReadOnlyCollection<SetState>? states, CancellationToken cancellationToken = default)
    {
        var (where, parameters) = SetFilter(groupId, states);
        return Read(s => s.LongAsync($"SELECT COUNT(*) FROM service_sets s WHERE {where}", cancellationToken, parameters), cancellationToken);
    }

    public async Task<IReadOnlyList<DeduplicationSet>> ListAllTenantsInStateAsync(SetState state, CancellationToken cancellationToken = default) =>
        await Read(s => s.QueryAsync($"SELECT {SetColumns} FROM {SetFrom} WHERE s.state = @s ORDER BY s.updated_at", ReadSet, cancellationToken,
            ("s", state.ToString())), cancellationToken);

    public Task<DeduplicationSet?> TransitionAsync(Guid id, IReadOnlyCollection<SetState> from, SetState to, string? error = null, long? runId = null, CancellationToken cancellationToken = default) =>
        Write(async s =>
        {
            var run = runId is null ? "" : ", run_id = @run";
            int changed = await s.ExecuteAsync($"""
                UPDATE service_sets SET state = @to, error = @e{run}, updated_at = @now
                WHERE id = @id AND tenant_id = @t AND state = ANY(@from)
                """, cancellationToken, [("to", to.ToString()), ("e", error), ("now", PgService.Now()), ("id", id), ("t", T), ("from", States(from)),
                .. runId is null ? [] : new (string, object?)[] { ("run", runId.Value) }]);
            return changed == 1 ? await GetSetAsync(s, id, cancellationToken) : null;
        }, cancellationToken);

    public Task<bool> DeleteSetAsync(Guid id, CancellationToken cancellationToken = default) =>
        Write(async s => await s.ExecuteAsync("DELETE FROM service_sets WHERE id = @id AND tenant_id = @t", cancellationToken, ("id", id), ("t", T)) == 1, cancellationToken);

    /// <summary>Registration in one statement, without a transaction of its own (one statement is atomic): the set's
    /// check, the upsert and the rows as stored, where it took a transaction of three statements (four round trips with
    /// its COMMIT). Rows the upsert left as they were (the same file registered again) are read from the statement's
    /// snapshot, and only with that file; the rare registration that misses one (a racing registration of the same
    /// reference committed after the snapshot, which the snapshot shows new or with its old file) or names no set of this
    /// tenant takes <see cref="AddImagesCheckedAsync"/>, which reads the rows afresh or says the set is not found.</summary>
    private const string AddImagesSql = $"""
        WITH n AS (
            SELECT r, f FROM unnest(@refs, @files) AS n(r, f) WHERE EXISTS (SELECT 1 FROM service_sets WHERE id = @s AND tenant_id = @t)
        ), written AS (
            INSERT INTO set_images AS i (set_id, reference_pk, filename, created_at, updated_at)
            SELECT @s, n.r, n.f, @now, @now FROM n
            ON CONFLICT (set_id, reference_pk) DO UPDATE SET filename = excluded.filename, media_id = NULL, status_code = NULL, updated_at = excluded.updated_at
                WHERE i.filename <> excluded.filename
            RETURNING {ImageColumns}
        )
        SELECT * FROM written
        UNION ALL
        SELECT {ImageColumns} FROM set_images i JOIN n ON i.reference_pk = n.r AND i.filename = n.f
        WHERE i.set_id = @s AND NOT EXISTS (SELECT 1 FROM written w WHERE w.reference_pk = n.r)
        """;

    public async Task<IReadOnlyList<SetImage>> AddImagesAsync(Guid setId, IReadOnlyList<NewSetImage> images, CancellationToken cancellationToken = default)
    {
        // A reference id given twice takes its last file name (one row may not be upserted twice in a statement), as
        // registering the images one after another would leave it.
        var last = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var image in images)
            last[image.ReferencePk] = image.Filename;
        var refs = last.Keys.ToArray();
        var stored = (await PgService.StatementAsync(db, s => s.QueryAsync(AddImagesSql, ReadImage, cancellationToken,
            ("s", setId), ("t", T), ("now", PgService.Now()), ("refs", refs), ("files", last.Values.ToArray())), cancellationToken))
            .ToDictionary(i => i.ReferencePk, StringComparer.Ordinal);
        if (stored.Count < refs.Length || refs.Length == 0)
            stored = await AddImagesCheckedAsync(setId, refs, cancellationToken);
        return images.Select(i => stored[i.ReferencePk]).ToList();
    }

    /// <summary>The rows of <paramref name="refs"/> as stored now, after the set's check (not found when it is not this tenant's).</summary>
    private Task<Dictionary<string, SetImage>> AddImagesCheckedAsync(Guid setId, string[] refs, CancellationToken cancellationToken) =>
        Read(async s =>
        {
            await RequireSetAsync(s, setId, cancellationToken);
            return (await s.QueryAsync($"SELECT {ImageColumns} FROM set_images i WHERE i.set_id = @s AND i.reference_pk = ANY(@refs)", ReadImage, cancellationToken,
                ("s", setId), ("refs", refs))).ToDictionary(i => i.ReferencePk, StringComparer.Ordinal);
        }, cancellationToken);

    public async Task<IReadOnlyList<SetImage>> ListImagesAsync(Guid setId, long offset, int limit, CancellationToken cancellationToken = default) =>
        await Read(s => s.QueryAsync($"""
            SELECT {ImageColumns} FROM set_images i WHERE i.set_id = @s AND EXISTS (SELECT 1 FROM service_sets WHERE id = @s AND tenant_id = @t)
            ORDER BY i.id LIMIT @l OFFSET @o
            """, ReadImage, cancellationToken, ("s", setId), ("t", T), ("l", limit), ("o", offset)), cancellationToken);

    public Task<long> CountImagesAsync(Guid setId, CancellationToken cancellationToken = default) =>
        Read(s => s.LongAsync("SELECT COUNT(*) FROM set_images WHERE set_id = @s AND EXISTS (SELECT 1 FROM service_sets WHERE id = @s AND tenant_id = @t)",
            cancellationToken, ("s", setId), ("t", T)), cancellationToken);

    public async Task<IReadOnlyList<SetImage>> ListReferenceImagesAsync(long groupId, CancellationToken cancellationToken = default) =>
        await Read(s => s.QueryAsync($"""
            SELECT {ImageColumns} FROM set_images i JOIN service_sets s ON s.id = i.set_id
            WHERE s.group_id = @g AND s.tenant_id = @t AND s.state = 'Inactive' ORDER BY i.id
            """, ReadImage, cancellationToken, ("g", groupId), ("t", T)), cancellationToken);

    public Task<int> RemoveImagesAsync(Guid setId, IReadOnlyCollection<string>? referencePks, CancellationToken cancellationToken = default) =>
        Write(async s =>
        {
            await RequireSetAsync(s, setId, cancellationToken);
            return referencePks is null
                ? await s.ExecuteAsync("DELETE FROM set_images WHERE set_id = @s", cancellationToken, ("s", setId))
                : await s.ExecuteAsync("DELETE FROM set_images WHERE set_id = @s AND reference_pk = ANY(@r)", cancellationToken, ("s", setId), ("r", referencePks.ToArray()));
        }, cancellationToken);

    public Task SaveImageResultsAsync(IReadOnlyList<SetImageResult> results, CancellationToken cancellationToken = default) =>
        Write(s => s.ExecuteAsync("""
            UPDATE set_images i SET media_id = n.m, status_code = n.c, updated_at = @now
            FROM unnest(@ids, @media, @codes) AS n(id, m, c)
            WHERE i.id = n.id AND EXISTS (SELECT 1 FROM service_sets x WHERE x.id = i.set_id AND x.tenant_id = @t)
            """, cancellationToken, ("now", PgService.Now()), ("t", T), ("ids", results.Select(r => r.ImageId).ToArray()),
            ("media", results.Select(r => r.MediaId).ToArray()), ("codes", results.Select(r => r.StatusCode).ToArray())), cancellationToken);

    public Task ReplaceFindingsAsync(Guid setId, IReadOnlyList<NewSetFinding> findings, CancellationToken cancellationToken = default) =>
        Write(async s =>
        {
            await RequireSetAsync(s, setId, cancellationToken);
            // Decisions outlive a re-run: keyed by the two images, which keep their ids while registered. The DELETE's
            // RETURNING hands the old rows to the INSERT of the same statement.
            return await s.ExecuteAsync("""
                WITH old AS (
                    DELETE FROM set_findings WHERE set_id = @s
                    RETURNING first_image, second_image, decision, decided_by, decided_at
                ), kept AS (
                    SELECT DISTINCT ON (first_image, second_image) first_image, second_image, decision, decided_by, decided_at
                    FROM old WHERE decision IS NOT NULL ORDER BY first_image, second_image, decided_at DESC
                )
                INSERT INTO set_findings (set_id, first_image, second_image, score, confidence, status_code, updated_at, decision, decided_by, decided_at)
                SELECT @s, n.a, n.b, n.score, n.conf, n.code, @now, k.decision, k.decided_by, k.decided_at
                FROM unnest(@firsts, @seconds, @scores, @confs, @codes) WITH ORDINALITY AS n(a, b, score, conf, code, ord)
                LEFT JOIN kept k ON k.first_image = n.a AND k.second_image IS NOT DISTINCT FROM n.b
                ORDER BY n.ord
                """, cancellationToken, ("s", setId), ("now", PgService.Now()),
                ("firsts", findings.Select(f => f.FirstImageId).ToArray()), ("seconds", findings.Select(f => f.SecondImageId).ToArray()),
                ("scores", findings.Select(f => f.Score).ToArray()), ("confs", findings.Select(f => f.Confidence).ToArray()),
                ("codes", findings.Select(f => f.StatusCode).ToArray()));
        }, cancellationToken);

    public async Task<FindingsPage> ListFindingsAsync(Guid? setId, long? groupId, SetFindingQuery query, CancellationToken cancellationToken = default)
    {
        var (countSql, pageSql, parameters) = FindingsPageQuery(T, setId, groupId, query);
        // The total and the page in one round trip (a batch), where they took two.
        return await Read(async s =>
        {
            await using var batch = s.Batch((countSql, parameters), (pageSql, PageParameters(parameters, query)));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            return await ReadPageAsync(reader, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>The set, the total and the page in one batch: a findings page request's one round trip (it took three).</summary>
    public async Task<(DeduplicationSet? Set, FindingsPage Page)> GetSetWithFindingsAsync(Guid setId, SetFindingQuery query, CancellationToken cancellationToken = default)
    {
        var (countSql, pageSql, parameters) = FindingsPageQuery(T, setId, null, query);
        return await Read(async s =>
        {
            await using var batch = s.Batch((SetByIdSql, [("id", setId), ("t", T)]), (countSql, parameters),
                (pageSql, PageParameters(parameters, query)));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            var set = await reader.ReadAsync(cancellationToken) ? ReadSet(reader) : null;
            await reader.NextResultAsync(cancellationToken);
            var page = await ReadPageAsync(reader, cancellationToken);
            return set is null ? (null, new FindingsPage(0, [])) : (set, page);
        }, cancellationToken);
    }

    /// <summary>The page statement's parameters: the filter's and the page's limit and offset.</summary>
    private static (string, object?)[] PageParameters((string, object?)[] filter, SetFindingQuery query) =>
        [.. filter, ("l", query.Limit), ("o", query.Offset)];

    /// <summary>A findings page from a reader at the total's result, followed by the page's.</summary>
    private static async Task<FindingsPage> ReadPageAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        await reader.ReadAsync(cancellationToken);
        long count = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        var items = new List<SetFinding>();
        while (await reader.ReadAsync(cancellationToken))
            items.Add(ReadFinding(reader));
        return new FindingsPage(count, items);
    }

    /// <summary>The statements of a findings page: the total, and the page (newest first, ties newest row first; it takes
    /// <c>@l</c> and <c>@o</c> beside <paramref name="Parameters"/>). A set's page reads <c>ix_set_findings_page</c>
    /// (set_id, updated_at, id) backwards and stops after OFFSET + LIMIT rows; with the index on (set_id, updated_at)
    /// alone (schema version 8) PostgreSQL sorted every finding of the set on each page. Internal for the plan test.</summary>
    internal static (string CountSql, string PageSql, (string, object?)[] Parameters) FindingsPageQuery(long tenant, Guid? setId, long? groupId, SetFindingQuery query)
    {
        if (setId is null && groupId is null)
            throw new ArgumentException("A set or a group is required.");
        var where = new List<string> { "s.tenant_id = @t" };
        var parameters = new List<(string, object?)> { ("t", tenant) };
        void Add(string condition, string? name = null, object? value = null)
        {
            where.Add(condition);
            if (name is not null)
                parameters.Add((name, value));
        }
        if (setId is not null)
            Add("f.set_id = @s", "s", setId.Value);
        if (groupId is not null)
            Add("s.group_id = @g", "g", groupId.Value);
        if (query.ReferencePks is { Count: > 0 } refs)
            Add("(a.reference_pk = ANY(@refs) OR b.reference_pk = ANY(@refs))", "refs", refs.ToArray());
        if (query.StatusCode is { } code)
            Add("f.status_code = @code", "code", code);
        if (query.MinScore is { } min)
            Add("f.score >= @min", "min", min);
        if (query.UpdatedAfter is { } after)
            Add("f.updated_at > @after", "after", after.ToUniversalTime());
        if (query.UpdatedBefore is { } before)
            Add("f.updated_at < @before", "before", before.ToUniversalTime());
        if (query.Undecided is bool undecided)
            Add(undecided ? "f.decision IS NULL" : "f.decision IS NOT NULL");
        if (query.ExcludeNotDuplicate)
            Add("(f.decision IS NULL OR f.decision <> 'not_duplicate')");
        var filter = string.Join(" AND ", where);
        return ($"SELECT COUNT(*) FROM {(query.ReferencePks is { Count: > 0 } ? FindingFrom : FindingCountFrom)} WHERE {filter}",
            $"SELECT {FindingColumns} FROM {FindingFrom} WHERE {filter} ORDER BY f.updated_at DESC, f.id DESC LIMIT @l OFFSET @o",
            parameters.ToArray());
    }

    public async Task<SetFinding?> GetFindingAsync(long findingId, CancellationToken cancellationToken = default) =>
        (await Read(s => s.QueryAsync($"SELECT {FindingColumns} FROM {FindingFrom} WHERE f.id = @id AND s.tenant_id = @t", ReadFinding, cancellationToken,
            ("id", findingId), ("t", T)), cancellationToken)).FirstOrDefault();

    public Task<bool> DecideFindingAsync(long findingId, FindingDecision? decision, string? decidedBy, CancellationToken cancellationToken = default)
    {
        var now = PgService.Now();
        return Write(async s => await s.ExecuteAsync("""
            UPDATE set_findings f SET decision = @d, decided_by = @by, decided_at = @at, updated_at = @now
            WHERE f.id = @id AND EXISTS (SELECT 1 FROM service_sets x WHERE x.id = f.set_id AND x.tenant_id = @t)
            """, cancellationToken, ("d", decision is null ? null : ServiceCodes.Decision(decision)), ("by", decision is null ? null : decidedBy),
            ("at", decision is null ? null : now), ("now", now), ("id", findingId), ("t", T)) == 1, cancellationToken);
    }

    private static SetIgnoredPair ReadIgnored(NpgsqlDataReader r) => new(r.GetInt64(0), r.GetInt64(1),
        r.GetString(2) == "reference_pk" ? IgnoredKeyKind.ReferencePk : IgnoredKeyKind.Filename, r.GetString(3), r.GetString(4), PgCol.Str(r, 5), PgCol.Time(r, 6));

    public Task<(SetIgnoredPair Pair, bool Created)> AddIgnoredAsync(long groupId, IgnoredKeyKind kind, string first, string second, string? createdBy, CancellationToken cancellationToken = default)
    {
        if (string.CompareOrdinal(first, second) > 0)
            (first, second) = (second, first);
        return Write(async s =>
        {
            await RequireGroupAsync(s, groupId, cancellationToken);
            int added = await s.ExecuteAsync("""
                INSERT INTO set_ignored_pairs (group_id, kind, first, second, created_by, created_at) VALUES (@g, @k, @a, @b, @by, @now)
                ON CONFLICT (group_id, kind, first, second) DO NOTHING
                """, cancellationToken, ("g", groupId), ("k", ServiceCodes.Kind(kind)), ("a", first), ("b", second), ("by", createdBy), ("now", PgService.Now()));
            var pair = (await s.QueryAsync("SELECT id, group_id, kind, first, second, created_by, created_at FROM set_ignored_pairs WHERE group_id = @g AND kind = @k AND first = @a AND second = @b",
                ReadIgnored, cancellationToken, ("g", groupId), ("k", ServiceCodes.Kind(kind)), ("a", first), ("b", second))).Single();
            return (pair, added == 1);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<SetIgnoredPair>> ListIgnoredAsync(long groupId, CancellationToken cancellationToken = default) =>
        await Read(s => s.QueryAsync("""
            SELECT p.id, p.group_id, p.kind, p.first, p.second, p.created_by, p.created_at FROM set_ignored_pairs p JOIN set_groups g ON g.id = p.group_id
            WHERE p.group_id = @g AND g.tenant_id = @t ORDER BY p.id
            """, ReadIgnored, cancellationToken, ("g", groupId), ("t", T)), cancellationToken);
}

internal sealed class PgWebhookStore(PostgresDatabase db) : IWebhookStore
{
    private const string EndpointColumns = "id, tenant_id, url, secret, active, created_at";

    private const string DeliveryColumns = "id, tenant_id, kind, endpoint_id, url, event_type, payload_json, state, attempts, next_attempt_at, created_at, set_id";

    private static WebhookEndpoint ReadEndpoint(NpgsqlDataReader r) =>
        new(r.GetInt64(0), new TenantId(r.GetInt64(1)), r.GetString(2), r.GetString(3), r.GetBoolean(4), PgCol.Time(r, 5));

    private static WebhookDelivery ReadDelivery(NpgsqlDataReader r) => new(
        r.GetInt64(0), new TenantId(r.GetInt64(1)), r.GetString(2) == "signed" ? DeliveryKind.Signed : DeliveryKind.HopeGet, PgCol.Long(r, 3), r.GetString(4),
        r.GetString(5), r.GetString(6), ServiceCodes.ParseDeliveryState(r.GetString(7)), r.GetInt32(8), PgCol.Time(r, 9), PgCol.Time(r, 10),
        r.IsDBNull(11) ? null : r.GetGuid(11));

    public async Task<WebhookEndpoint> AddEndpointAsync(TenantId tenant, string url, string secret, CancellationToken cancellationToken = default) =>
        (await PgService.WriteAsync(db, s => s.QueryAsync($"INSERT INTO webhook_endpoints (tenant_id, url, secret, created_at) VALUES (@t, @u, @s, @now) RETURNING {EndpointColumns}",
            ReadEndpoint, cancellationToken, ("t", tenant.Value), ("u", url), ("s", secret), ("now", PgService.Now())), cancellationToken)).Single();

    public async Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(TenantId tenant, CancellationToken cancellationToken = default) =>
        await PgService.ReadAsync(db, s => s.QueryAsync($"SELECT {EndpointColumns} FROM webhook_endpoints WHERE tenant_id = @t AND active ORDER BY id",
            ReadEndpoint, cancellationToken, ("t", tenant.Value)), cancellationToken);

    public Task<bool> RemoveEndpointAsync(TenantId tenant, long id, CancellationToken cancellationToken = default) =>
        PgService.WriteAsync(db, async s => await s.ExecuteAsync("UPDATE webhook_endpoints SET active = false WHERE id = @id AND tenant_id = @t AND active", cancellationToken,
            ("id", id), ("t", tenant.Value)) == 1, cancellationToken);

    public async Task<WebhookDelivery> EnqueueAsync(TenantId tenant, DeliveryKind kind, long? endpointId, string url, string eventType, string payloadJson, Guid? setId, CancellationToken cancellationToken = default) =>
        (await PgService.WriteAsync(db, s => s.QueryAsync($"""
            INSERT INTO webhook_deliveries (tenant_id, kind, endpoint_id, url, event_type, payload_json, state, next_attempt_at, created_at, set_id)
            VALUES (@t, @k, @e, @u, @ev, @p, 'pending', @now, @now, @set) RETURNING {DeliveryColumns}
            """, ReadDelivery, cancellationToken, ("t", tenant.Value), ("k", ServiceCodes.Kind(kind)), ("e", endpointId), ("u", url), ("ev", eventType), ("p", payloadJson),
            ("now", PgService.Now()), ("set", setId)), cancellationToken)).Single();

    public async Task<IReadOnlyList<WebhookDelivery>> ListDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        await PgService.ReadAsync(db, s => s.QueryAsync($"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @l",
            ReadDelivery, cancellationToken, ("now", now.ToUniversalTime()), ("l", limit)), cancellationToken);

    public Task RecordAttemptAsync(long deliveryId, int? statusCode, string? error, long durationMs, DeliveryState newState, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default) =>
        PgService.WriteAsync(db, async s =>
        {
            int attempts = (int)await s.LongAsync("UPDATE webhook_deliveries SET attempts = attempts + 1, state = @st, next_attempt_at = @next WHERE id = @id RETURNING attempts",
                cancellationToken, ("st", ServiceCodes.State(newState)), ("next", nextAttemptAt.ToUniversalTime()), ("id", deliveryId));
            return await s.ExecuteAsync("""
                INSERT INTO webhook_attempts (delivery_id, number, at, status_code, error, duration_ms) VALUES (@id, @n, @now, @code, @err, @ms)
                """, cancellationToken, ("id", deliveryId), ("n", attempts), ("now", PgService.Now()), ("code", statusCode), ("err", error), ("ms", durationMs));
        }, cancellationToken);

    public async Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(TenantId tenant, Guid? setId, long offset, int limit, CancellationToken cancellationToken = default) =>
        await PgService.ReadAsync(db, s => s.QueryAsync(
            $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE tenant_id = @t {(setId is null ? "" : "AND set_id = @set")} ORDER BY id DESC LIMIT @l OFFSET @o",
            ReadDelivery, cancellationToken, [("t", tenant.Value), ("l", limit), ("o", offset), .. setId is null ? [] : new (string, object?)[] { ("set", setId.Value) }]),
            cancellationToken);

    public async Task<WebhookDelivery?> GetDeliveryAsync(TenantId tenant, long id, CancellationToken cancellationToken = default) =>
        (await PgService.ReadAsync(db, s => s.QueryAsync($"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE id = @id AND tenant_id = @t", ReadDelivery, cancellationToken,
            ("id", id), ("t", tenant.Value)), cancellationToken)).FirstOrDefault();

    public async Task<IReadOnlyList<DeliveryAttempt>> ListAttemptsAsync(long deliveryId, CancellationToken cancellationToken = default) =>
        await PgService.ReadAsync(db, s => s.QueryAsync("SELECT id, delivery_id, number, at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = @id ORDER BY number",
            r => new DeliveryAttempt(r.GetInt64(0), r.GetInt64(1), r.GetInt32(2), PgCol.Time(r, 3), PgCol.Int(r, 4), PgCol.Str(r, 5), r.GetInt64(6)), cancellationToken,
            ("id", deliveryId)), cancellationToken);

    public Task<bool> ResendAsync(TenantId tenant, long id, CancellationToken cancellationToken = default) =>
        PgService.WriteAsync(db, async s => await s.ExecuteAsync("UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = @now WHERE id = @id AND tenant_id = @t",
            cancellationToken, ("now", PgService.Now()), ("id", id), ("t", tenant.Value)) == 1, cancellationToken);
}

internal sealed class PgAdminUserStore(PostgresDatabase db) : IAdminUserStore
{
    private const string Columns = "id, name, role, password_hash, created_at, disabled_at";

    private static AdminUser Read(NpgsqlDataReader r) => new(r.GetInt64(0), r.GetString(1), r.GetString(2) == "admin" ? AdminRole.Admin : AdminRole.Reviewer,
        r.GetString(3), PgCol.Time(r, 4), PgCol.TimeOrNull(r, 5));

    private static string Role(AdminRole role) => role == AdminRole.Admin ? "admin" : "reviewer";

    public Task<AdminUser> AddAsync(string name, AdminRole role, string passwordHash, CancellationToken cancellationToken = default) =>
        PgService.WriteAsync(db, async s =>
        {
            if (await s.LongAsync("SELECT COUNT(*) FROM admin_users WHERE lower(name) = lower(@n)", cancellationToken, ("n", name)) > 0)
                throw new StoreConflictException($"An admin page user named '{name}' already exists.");
            return (await s.QueryAsync($"INSERT INTO admin_users (name, role, password_hash, created_at) VALUES (@n, @r, @h, @now) RETURNING {Columns}",
                Read, cancellationToken, ("n", name), ("r", Role(role)), ("h", passwordHash), ("now", PgService.Now()))).Single();
        }, cancellationToken);

    public async Task<AdminUser?> FindAsync(string name, CancellationToken cancellationToken = default) =>
        (await PgService.ReadAsync(db, s => s.QueryAsync($"SELECT {Columns} FROM admin_users WHERE lower(name) = lower(@n)", Read, cancellationToken,
            ("n", name)), cancellationToken)).FirstOrDefault();

    public async Task<IReadOnlyList<AdminUser>> ListAsync(CancellationToken cancellationToken = default) =>
        await PgService.ReadAsync(db, s => s.QueryAsync($"SELECT {Columns} FROM admin_users ORDER BY lower(name)", Read, cancellationToken), cancellationToken);

    public Task<bool> SetPasswordAsync(string name, string passwordHash, CancellationToken cancellationToken = default) =>
        PgService.WriteAsync(db, async s => await s.ExecuteAsync("UPDATE admin_users SET password_hash = @h WHERE lower(name) = lower(@n)",
            cancellationToken, ("h", passwordHash), ("n", name)) == 1, cancellationToken);
}
