namespace Doppel.Storage;

/// <summary>Where a media file stands in processing. A file is <see cref="Pending"/> until the
/// transaction that stores its faces and embeddings commits, which also marks it <see cref="Done"/>;
/// so a run killed at any moment resumes with exactly the files whose results were not stored.</summary>
public enum MediaState
{
    Pending,
    Done,
}

/// <summary>One image file known to the catalog. <see cref="ReasonCode"/> is the image status code
/// (<c>ok</c>, <c>no_face</c>, ... as in <c>Doppel.Vision.ImageStatusNames</c>) once processed.</summary>
public sealed record MediaFile(
    long Id,
    string Path,
    string ContentHash,
    long SizeBytes,
    string? Format,
    int? Width,
    int? Height,
    MediaState State,
    string? ReasonCode,
    string? ReasonDetail,
    DateTimeOffset? ProcessedAt,
    long? ProcessedByRunId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public TenantId Tenant { get; init; } = TenantId.Default;

    /// <summary>The media store the file is in (<see cref="MediaSources.File"/>: <see cref="Path"/> is a full local path).</summary>
    public string Source { get; init; } = MediaSources.File;

    /// <summary>Where the file is: <see cref="Path"/> is the key inside <see cref="Source"/>.</summary>
    public MediaKey Key => new(Source, Path);
}

/// <summary>What registration (<see cref="IMediaRecordStore.RegisterAsync"/>) found for a key and its content hash.</summary>
public enum MediaChange
{
    /// <summary>Never seen: a new pending row.</summary>
    New,
    /// <summary>Same path, same content: nothing to do (still pending if it was never processed).</summary>
    Unchanged,
    /// <summary>Same content known under a path that no longer exists: the row's path was updated and its faces kept.</summary>
    Moved,
    /// <summary>Same path, different content: old faces, embeddings and findings deleted, row pending again.</summary>
    Changed,
}

public sealed record MediaRegistration(MediaFile Media, MediaChange Change, string? PreviousPath = null);

/// <summary>A face box in image pixels.</summary>
public readonly record struct FaceBox(float X, float Y, float Width, float Height);

/// <summary>A face stored in the catalog. <see cref="Landmarks"/> holds x,y pairs in the detector
/// contract's order (left eye, right eye, nose, mouth centre, then mouth corners when present).
/// <see cref="PersonId"/> is the clustering's answer; <see cref="PinnedPersonId"/> and
/// <see cref="ExcludedPersonIds"/> are a human's corrections that clustering must respect.
/// <see cref="Id"/> is never given to another face, even after this one is deleted (its file changed
/// or was detected again), so a decision or a reviewer's note naming it never describes another face.</summary>
public sealed record FaceRecord(
    long Id,
    long MediaId,
    int FaceIndex,
    FaceBox Box,
    float[]? Landmarks,
    string Detector,
    float DetectorScore,
    float? Quality,
    long? PersonId,
    long? PinnedPersonId,
    IReadOnlyList<long> ExcludedPersonIds,
    string? ThumbnailPath,
    DateTimeOffset CreatedAt);

/// <summary>A face vector under one embedding model.</summary>
public sealed record FaceEmbedding(long FaceId, string Model, string ModelVersion, float[] Vector)
{
    public int Dimension => Vector.Length;
}

/// <summary>A face vector with what matching needs around it (see <see cref="IFaceStore.ReadFaceVectorsAsync"/>).</summary>
public sealed record FaceVector(long FaceId, long MediaId, long? PersonId, long? PinnedPersonId, float? Quality, float[] Vector);

/// <summary>A face found in a file, with its vectors, as a pipeline hands it to the catalog.</summary>
public sealed record NewFace(
    FaceBox Box,
    float[]? Landmarks,
    string Detector,
    float DetectorScore,
    float? Quality,
    IReadOnlyList<NewEmbedding> Embeddings,
    string? ThumbnailPath = null);

public sealed record NewEmbedding(string Model, string ModelVersion, float[] Vector);

/// <summary>The processing result of one media file: its status code and the faces to keep, and the content hash
/// and size of the bytes analysed when the analysis read them itself (null: the record's stay).</summary>
public sealed record MediaResult(
    long MediaId,
    string ReasonCode,
    string? ReasonDetail,
    string? Format,
    int? Width,
    int? Height,
    IReadOnlyList<NewFace> Faces,
    string? ContentHash = null,
    long? SizeBytes = null);

public sealed record Person(long Id, string? Name, long? RepresentativeFaceId, DateTimeOffset CreatedAt, DateTimeOffset ModifiedAt);

public enum RunState
{
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>One command run (scan, dedup, cluster...). Counters are updated in the same transaction
/// as the results they count, so they never disagree with the stored rows: <see cref="Processed"/>
/// counts every media result saved, <see cref="Rejected"/> those whose reason code is not <c>ok</c>.</summary>
public sealed record RunRecord(
    long Id,
    string Kind,
    string ArgsJson,
    RunState State,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    long Total,
    long Processed,
    long Rejected,
    int OwnerPid,
    string OwnerHost,
    DateTimeOffset HeartbeatAt,
    string? Error);

public sealed record DedupSet(long Id, long? RunId, DateTimeOffset CreatedAt)
{
    /// <summary>The group (programme) of the CLI, and of every set from before schema 5.</summary>
    public const string DefaultGroup = "default";

    public string Group { get; init; } = DefaultGroup;

    /// <summary>The set whose finding rows this set reads: itself, or an earlier set whose findings this
    /// run found again unchanged (so history is kept as sets, not copies).</summary>
    public long FindingsSetId { get; init; } = 0;

    public long OwnerOfFindings => FindingsSetId == 0 ? Id : FindingsSetId;
}

public enum FindingStatus
{
    New,
    Confirmed,
    NotDuplicate,
}

/// <summary>One duplicate candidate: two media (and the faces that matched) with their score and the
/// settings (model, threshold, algorithm) that produced it, as JSON. <see cref="Id"/> is never reused,
/// so an id read from a listing names this pair or none.</summary>
public sealed record Finding(
    long Id,
    long SetId,
    long MediaA,
    long MediaB,
    long? FaceA,
    long? FaceB,
    float Score,
    FindingStatus Status,
    string SettingsJson);

public sealed record NewFinding(long MediaA, long MediaB, long? FaceA, long? FaceB, float Score, string SettingsJson);

/// <summary>A pair a human declared not a duplicate, keyed by content hashes (smaller first) so it
/// survives moves and renames.</summary>
public sealed record IgnoredPair(string HashA, string HashB, string? Reason, string? CreatedBy, DateTimeOffset CreatedAt);

/// <summary>Who holds a named lock on the catalog.</summary>
public sealed record LockOwner(string Name, string Purpose, int Pid, string Host, string Token, DateTimeOffset AcquiredAt, DateTimeOffset HeartbeatAt);

public enum PersonDecisionKind
{
    /// <summary><see cref="PersonDecision.OtherPersonId"/>'s faces went to <see cref="PersonDecision.PersonId"/>, which kept its id and name; the other person was removed.</summary>
    Merge,
    /// <summary>The faces were taken from <see cref="PersonDecision.OtherPersonId"/> into the new person <see cref="PersonDecision.PersonId"/>.</summary>
    Split,
}

/// <summary>A reviewer's merge or split of persons, as recorded in the catalog's history.
/// <see cref="OtherName"/> is the other person's name at the time (a merged person no longer exists).</summary>
public sealed record PersonDecision(
    long Id,
    PersonDecisionKind Kind,
    long PersonId,
    long OtherPersonId,
    string? OtherName,
    IReadOnlyList<long> FaceIds,
    string? DecidedBy,
    DateTimeOffset DecidedAt);
