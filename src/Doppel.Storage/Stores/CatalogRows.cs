using System.Data.Common;

namespace Doppel.Storage;

/// <summary>
/// The rows of the catalog's record tables as both engines read them: the SQLite and PostgreSQL stores select
/// the same columns in the same order (the <c>*Columns</c> lists here) and read them with the same code. Only
/// how a timestamp is stored differs (SQLite: ISO-8601 text; PostgreSQL: <c>timestamptz</c>), which each
/// engine's subclass says. Faces and vectors are not here: their landmarks, exclusions and vector bytes are
/// stored differently by each engine.
/// </summary>
internal abstract class CatalogRows
{
    /// <summary>A timestamp column as this engine stores it.</summary>
    public abstract DateTimeOffset Time(DbDataReader r, int i);

    public DateTimeOffset? TimeOrNull(DbDataReader r, int i) => r.IsDBNull(i) ? null : Time(r, i);

    public static string? Str(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    public static long? Long(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    public static int? Int(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    public static float? Float(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFloat(i);

    public const string TenantColumns = "id, name, created_at";

    public Tenant Tenant(DbDataReader r) => new(new TenantId(r.GetInt64(0)), r.GetString(1), Time(r, 2));

    public const string MediaColumns =
        "id, path, content_hash, size_bytes, format, width, height, state, reason_code, reason_detail, processed_at, processed_run_id, created_at, updated_at, tenant_id, source";

    public MediaFile Media(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3), Str(r, 4), Int(r, 5), Int(r, 6),
        StoreCodes.ParseMediaState(r.GetString(7)), Str(r, 8), Str(r, 9), TimeOrNull(r, 10), Long(r, 11),
        Time(r, 12), Time(r, 13))
    {
        Tenant = new TenantId(r.GetInt64(14)),
        Source = r.GetString(15),
    };

    public const string PersonColumns = "id, name, representative_face_id, created_at, modified_at";

    public Person Person(DbDataReader r) => new(r.GetInt64(0), Str(r, 1), Long(r, 2), Time(r, 3), Time(r, 4));

    public const string RunColumns =
        "id, kind, args_json, state, started_at, finished_at, total, processed, rejected, owner_pid, owner_host, heartbeat_at, error";

    public RunRecord Run(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), StoreCodes.ParseRunState(r.GetString(3)), Time(r, 4), TimeOrNull(r, 5),
        r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt32(9), r.GetString(10), Time(r, 11), Str(r, 12));

    public const string DedupSetColumns = "id, run_id, created_at, group_name, COALESCE(findings_set_id, id)";

    public DedupSet DedupSet(DbDataReader r) =>
        new(r.GetInt64(0), Long(r, 1), Time(r, 2)) { Group = r.GetString(3), FindingsSetId = r.GetInt64(4) };

    /// <summary>A finding's columns on alias <c>f</c>.</summary>
    public const string FindingColumns = "f.id, f.set_id, f.media_a, f.media_b, f.face_a, f.face_b, f.score, f.status, f.settings_json";

    public static Finding Finding(DbDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), Long(r, 4), Long(r, 5), r.GetFloat(6),
        StoreCodes.ParseFindingStatus(r.GetString(7)), r.GetString(8));

    /// <summary>A set's findings (its own rows or the ones it shares) as <paramref name="query"/> filters them, in id order; parameters
    /// <c>@t</c>, <c>@set</c>, <c>@after</c>, <c>@limit</c>, and <c>@status</c>, <c>@min</c> when the query has them.</summary>
    public static string FindingsOfSetSql(FindingQuery query)
    {
        var filters = new List<string>();
        if (query.Status is not null)
            filters.Add("f.status = @status");
        if (query.MinScore is not null)
            filters.Add("f.score >= @min");
        if (query.SkipIgnored)
            filters.Add("""
                NOT EXISTS (SELECT 1 FROM media_files a, media_files b, ignored_pairs i
                    WHERE a.id = f.media_a AND b.id = f.media_b AND i.tenant_id = f.tenant_id
                      AND ((i.hash_a = a.content_hash AND i.hash_b = b.content_hash) OR (i.hash_a = b.content_hash AND i.hash_b = a.content_hash)))
                """);
        var where = string.Concat(filters.Select(f => " AND " + f));
        return $"""
            SELECT {FindingColumns} FROM findings f
            WHERE f.tenant_id = @t AND f.set_id = (SELECT COALESCE(findings_set_id, id) FROM dedup_sets WHERE id = @set AND tenant_id = @t)
              AND f.id > @after{where}
            ORDER BY f.id LIMIT @limit
            """;
    }

    /// <summary>What both engines refuse before registering anything: an entry without a source or key, a hash that is not a
    /// lowercase SHA-256 digest, a negative size.</summary>
    /// <summary>A result's status code, vectors and, when given, content hash and size (both engines' check).</summary>
    public static void Validate(MediaResult result)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(result.ReasonCode, nameof(result.ReasonCode));
        if (result.ContentHash is not null && !ContentHash.IsValid(result.ContentHash))
            throw new ArgumentException($"'{result.ContentHash}' (for media {result.MediaId}) is not a lowercase SHA-256 hex digest.", nameof(result));
        if (result.SizeBytes is < 0)
            throw new ArgumentOutOfRangeException(nameof(result), $"Media {result.MediaId}: a size of {result.SizeBytes} bytes.");
        foreach (var face in result.Faces)
            foreach (var embedding in face.Embeddings)
                Sqlite.Stores.SqliteFaceStore.CheckVector(embedding.Model, embedding.Vector, result.MediaId);
    }

    public static void Validate(IReadOnlyList<MediaEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(entry.Key.Source);
            ArgumentException.ThrowIfNullOrWhiteSpace(entry.Key.Key);
            if (entry.ContentHash is not null && !ContentHash.IsValid(entry.ContentHash))
                throw new ArgumentException($"'{entry.ContentHash}' (for {entry.Key}) is not a lowercase SHA-256 hex digest.", nameof(entries));
            ArgumentOutOfRangeException.ThrowIfNegative(entry.SizeBytes);
        }
    }

    /// <summary>The vector reads, the same SQL on both engines (each reads the <c>vector</c> bytes its own way): a face's
    /// vectors (parameters <c>@f</c>, <c>@t</c>), a model's vectors in face order (<c>@m</c>, <c>@t</c>), the faces having a
    /// vector of a model version (<c>@m</c>, <c>@v</c>, <c>@t</c>), and what matching reads (<c>@model</c>, <c>@t</c>).</summary>
    public const string EmbeddingsOfFaceSql = """
        SELECT e.face_id, e.model, e.model_version, e.dimension, e.vector FROM face_embeddings e JOIN faces f ON f.id = e.face_id
        WHERE e.face_id = @f AND f.tenant_id = @t ORDER BY e.model
        """;

    public const string EmbeddingsOfModelSql = """
        SELECT e.face_id, e.model, e.model_version, e.dimension, e.vector FROM face_embeddings e JOIN faces f ON f.id = e.face_id
        WHERE e.model = @m AND f.tenant_id = @t ORDER BY e.face_id
        """;

    /// <summary>The vectors of one model version of the faces <c>@ids</c> names: <paramref name="idsIn"/> is the engine's
    /// "face id is in the list" condition on <c>e.face_id</c>.</summary>
    public static string EmbeddingsOfFacesSql(string idsIn) => $"""
        SELECT e.face_id, e.model, e.model_version, e.dimension, e.vector FROM face_embeddings e JOIN faces f ON f.id = e.face_id
        WHERE e.model = @m AND e.model_version = @v AND f.tenant_id = @t AND {idsIn} ORDER BY e.face_id
        """;

    public const string FacesWithEmbeddingSql = """
        SELECT e.face_id FROM face_embeddings e JOIN faces f ON f.id = e.face_id
        WHERE e.model = @m AND e.model_version = @v AND f.tenant_id = @t
        """;

    /// <summary><see cref="FacesWithEmbeddingSql"/> among the faces <paramref name="idsIn"/> names (each engine's list form).</summary>
    public static string FacesWithEmbeddingAmongSql(string idsIn) => FacesWithEmbeddingSql.TrimEnd() + $" AND {idsIn}";

    /// <summary>Face id, media, person, pin, quality, dimension, vector; <paramref name="okMediaOnly"/>: only media whose reason code is ok.</summary>
    public static string FaceVectorsSql(bool okMediaOnly) => $"""
        SELECT f.id, f.media_id, f.person_id, f.pinned_person_id, f.quality, e.dimension, e.vector
        FROM face_embeddings e
        JOIN faces f ON f.id = e.face_id
        JOIN media_files m ON m.id = f.media_id
        WHERE e.model = @model AND f.tenant_id = @t AND m.state = 'done' {(okMediaOnly ? "AND m.reason_code = 'ok'" : "")}
        ORDER BY f.id
        """;

    /// <summary>A lease's columns; the tenth, <c>released</c>, is read by the engine (an integer in SQLite, a boolean in PostgreSQL).</summary>
    public const string LeaseColumns = "name, token, purpose, holder_host, holder_pid, holder_instance, acquired_at, renewed_at, expires_at, released";

    public Lease Lease(DbDataReader r) => new(
        r.GetString(0), new LeaseHolder(r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetString(5)), r.GetInt64(1),
        Time(r, 6), Time(r, 7), Time(r, 8));
}

/// <summary>How the record tables store their states as text, the same in both engines.</summary>
internal static class StoreCodes
{
    public static string Code(MediaState state) => state == MediaState.Done ? "done" : "pending";

    public static MediaState ParseMediaState(string code) => code == "done" ? MediaState.Done : MediaState.Pending;

    public static string Code(RunState state) => state switch
    {
        RunState.Running => "running",
        RunState.Completed => "completed",
        RunState.Failed => "failed",
        RunState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static RunState ParseRunState(string code) => code switch
    {
        "running" => RunState.Running,
        "completed" => RunState.Completed,
        "failed" => RunState.Failed,
        "cancelled" => RunState.Cancelled,
        _ => throw new FormatException($"Unknown run state '{code}' in the catalog."),
    };

    public static string Code(FindingStatus status) => status switch
    {
        FindingStatus.New => "new",
        FindingStatus.Confirmed => "confirmed",
        FindingStatus.NotDuplicate => "not_duplicate",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static FindingStatus ParseFindingStatus(string code) => code switch
    {
        "new" => FindingStatus.New,
        "confirmed" => FindingStatus.Confirmed,
        "not_duplicate" => FindingStatus.NotDuplicate,
        _ => throw new FormatException($"Unknown finding status '{code}' in the catalog."),
    };
}

/// <summary>The messages of a row a tenant does not have, the same from both engines.</summary>
internal static class NotInCatalog
{
    public static string Media(long id, string location) => $"Media id {id} is not in the catalog {location}.";

    public static string Face(long id, string location) => $"Face id {id} is not in the catalog {location}.";

    public static string Person(long id, string location) => $"Person id {id} is not in the catalog {location}.";

    public static string Run(long id, string location) => $"Run {id} is not in the catalog {location}.";

    public static string DedupSet(long id, string location) => $"Dedup set {id} is not in the catalog {location}.";

    public static string Finding(long id, string location) => $"Finding {id} is not in the catalog {location}.";
}
