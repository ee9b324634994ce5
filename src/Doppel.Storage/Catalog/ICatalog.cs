namespace Doppel.Storage;

/// <summary>
/// The persistent record of what Doppel has seen: media files, faces, embeddings, persons, runs,
/// dedup findings, ignored pairs and run locks. SQLite (<see cref="Sqlite.SqliteCatalog"/>) is the
/// default; a PostgreSQL implementation is to follow, so nothing here names an engine.
///
/// An instance holds one connection and is not thread-safe: use one per thread. Every write method
/// is atomic on its own; <see cref="BeginTransaction"/> groups several into one all-or-nothing unit
/// (writes made inside it join it, and disposing it without <see cref="ICatalogTransaction.Commit"/>
/// undoes them all).
/// </summary>
public interface ICatalog : IDisposable
{
    /// <summary>Where the catalog lives (a file path for SQLite).</summary>
    string Location { get; }

    /// <summary>The schema version the database is at (always the code's latest after opening).</summary>
    int SchemaVersion { get; }

    ICatalogTransaction BeginTransaction();

    // ---- Media files ----

    /// <summary>Records that <paramref name="path"/> has content <paramref name="contentHash"/>,
    /// applying move/change semantics (see <see cref="MediaChange"/>). <paramref name="pathExists"/>
    /// decides whether an older path with the same hash is gone (a move) or still there (a copy);
    /// default <see cref="File.Exists"/>.</summary>
    MediaRegistration RegisterMedia(string path, string contentHash, long sizeBytes, Func<string, bool>? pathExists = null);

    /// <summary><see cref="RegisterMedia"/> for many files in one transaction (the fast path for scans),
    /// results in input order.</summary>
    IReadOnlyList<MediaRegistration> RegisterMediaBatch(IReadOnlyList<MediaFileInfo> files, Func<string, bool>? pathExists = null);

    MediaFile? GetMedia(long id);

    MediaFile? FindMediaByPath(string path);

    IReadOnlyList<MediaFile> FindMediaByHash(string contentHash);

    /// <summary>All media, or those in <paramref name="state"/>, ordered by id.</summary>
    IReadOnlyList<MediaFile> ListMedia(MediaState? state = null);

    long CountMedia(MediaState? state = null);

    /// <summary>Stores the results of several processed files in one transaction: replaces their
    /// faces and embeddings, marks them done, and adds them to the run's counters. Either all of the
    /// batch is stored or none of it. Replacing faces gives the new ones new ids: a face id is never
    /// given out twice, so pins, exclusions and decisions on the old faces never reach the new ones.</summary>
    void SaveResults(IReadOnlyList<MediaResult> results, long? runId = null);

    /// <summary>Marks media pending again (e.g. to re-run with another detector); their faces go.</summary>
    void ResetMedia(IReadOnlyList<long> mediaIds);

    // ---- Faces and embeddings ----

    FaceRecord? GetFace(long faceId);

    IReadOnlyList<FaceRecord> GetFacesOfMedia(long mediaId);

    IReadOnlyList<FaceRecord> ListFaces();

    long CountFaces();

    IReadOnlyList<FaceEmbedding> GetEmbeddings(long faceId);

    /// <summary>Every stored vector of <paramref name="model"/>, in face id order, streamed.</summary>
    IEnumerable<FaceEmbedding> ReadEmbeddings(string model);

    /// <summary>Ids of the faces that have a vector of <paramref name="model"/> made by
    /// <paramref name="modelVersion"/> (no vectors are read).</summary>
    IReadOnlySet<long> FacesWithEmbedding(string model, string modelVersion);

    /// <summary>What matching and clustering read: every face of a processed file with a
    /// <paramref name="model"/> vector, with its media, current person and quality, in face id order.
    /// With <paramref name="okMediaOnly"/> only files whose reason code is <c>ok</c> take part.</summary>
    IEnumerable<FaceVector> ReadFaceVectors(string model, bool okMediaOnly = true);

    /// <summary>Adds or replaces one face's vector for a model (e.g. a second embedder run later).</summary>
    void PutEmbedding(FaceEmbedding embedding);

    /// <summary>Sets the clustering's person assignment of many faces at once (null = unassigned).</summary>
    void AssignPersons(IReadOnlyList<(long FaceId, long? PersonId)> assignments);

    /// <summary>A human's correction: this face is this person (null removes the pin).</summary>
    void PinFace(long faceId, long? personId);

    /// <summary>A human's correction: this face is not this person.</summary>
    void ExcludeFaceFromPerson(long faceId, long personId);

    void SetFaceThumbnail(long faceId, string? thumbnailPath);

    // ---- Persons ----

    /// <summary>Creates a person and returns its id: never one a person had before, even a deleted or
    /// merged-away one, so a recorded decision or note about an id always means the same person.</summary>
    long CreatePerson(string? name, long? representativeFaceId = null);

    Person? GetPerson(long personId);

    IReadOnlyList<Person> ListPersons();

    void UpdatePerson(long personId, string? name, long? representativeFaceId);

    /// <summary>Deletes a person; its faces become unassigned and pins/exclusions on it go.</summary>
    void DeletePerson(long personId);

    /// <summary>A reviewer's verdict that two persons are one: every face of either (assigned or pinned
    /// to it) is pinned to <paramref name="intoPersonId"/>, which keeps its id and name (or takes the
    /// other's name when it has none); exclusions from the merged person become exclusions from the kept
    /// one; the merged person is removed and the decision recorded. Because the faces are pinned, no
    /// recluster splits them again. Atomic.</summary>
    void MergePersons(long intoPersonId, long mergedPersonId, string? decidedBy = null);

    /// <summary>A reviewer's verdict that some faces of a person are someone else: they move to a new
    /// person (named <paramref name="name"/>) and are pinned there, so they never go back on recluster.
    /// Every face must belong to <paramref name="personId"/> (assigned or pinned). Returns the new
    /// person's id. Atomic.</summary>
    long SplitPerson(long personId, IReadOnlyList<long> faceIds, string? name, string? decidedBy = null);

    /// <summary>Every merge and split, oldest first, as decided: a face id in one may name a face since
    /// deleted (its photo changed or was detected again), never a different face.</summary>
    IReadOnlyList<PersonDecision> ListPersonDecisions();

    // ---- Runs ----

    long StartRun(string kind, string argsJson, long total = 0);

    RunRecord? GetRun(long runId);

    /// <summary>The newest run of <paramref name="kind"/> still marked running (its process died or it is
    /// still going: hold the run lock to know which) — the run a restarted command resumes.</summary>
    RunRecord? FindUnfinishedRun(string kind);

    IReadOnlyList<RunRecord> ListRuns();

    /// <summary>Sets the run's total, refreshes its heartbeat and claims it for this process.</summary>
    void UpdateRun(long runId, long? total = null);

    void FinishRun(long runId, RunState state, string? error = null);

    // ---- Dedup findings ----

    long CreateDedupSet(long? runId);

    IReadOnlyList<DedupSet> ListDedupSets();

    /// <summary>Adds findings to a set in one transaction; media ids are stored smaller first.</summary>
    void AddFindings(long setId, IReadOnlyList<NewFinding> findings);

    /// <summary>A set's findings by id; with <paramref name="skipIgnored"/>, without pairs whose
    /// content hashes a human marked as not duplicates (wherever the files now live).</summary>
    IReadOnlyList<Finding> GetFindings(long setId, bool skipIgnored = false);

    /// <summary>Records a human's verdict. <see cref="FindingStatus.NotDuplicate"/> also ignores the
    /// pair by content hash (reason "marked not duplicate", by <paramref name="decidedBy"/>), so later
    /// runs do not report it again even after the files move.</summary>
    void SetFindingStatus(long findingId, FindingStatus status, string? decidedBy = null);

    // ---- Ignored pairs ----

    void IgnorePair(string hashA, string hashB, string? reason, string? createdBy);

    bool IsIgnored(string hashA, string hashB);

    void UnignorePair(string hashA, string hashB);

    IReadOnlyList<IgnoredPair> ListIgnoredPairs();

    // ---- Locks ----

    /// <summary>Takes the named lock for this process, or throws <see cref="CatalogLockedException"/>
    /// naming the holder. A lock whose owner process is dead (same host) or whose heartbeat is older
    /// than <paramref name="staleAfter"/> (default 2 minutes) is taken over. The returned handle keeps
    /// the heartbeat fresh until disposed, which releases the lock.</summary>
    ICatalogLock AcquireLock(string name, string purpose, TimeSpan? staleAfter = null);

    LockOwner? GetLockOwner(string name);
}

public interface ICatalogTransaction : IDisposable
{
    void Commit();
}

public interface ICatalogLock : IDisposable
{
    LockOwner Owner { get; }

    /// <summary>True when the takeover replaced a dead or silent owner.</summary>
    LockOwner? TookOverFrom { get; }

    /// <summary>False once another process took the lock over (this one's heartbeat had gone stale).</summary>
    bool IsHeld { get; }

    /// <summary>Refreshes the heartbeat now (it is also refreshed in the background); throws
    /// <see cref="CatalogException"/> when the lock was lost.</summary>
    void Heartbeat();
}
