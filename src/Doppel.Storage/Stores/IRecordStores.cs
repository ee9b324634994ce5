namespace Doppel.Storage;

/// <summary>A media file as a listing of its store gives it to registration (see <see cref="IMediaRecordStore.RegisterAsync"/>).
/// <see cref="MovedFrom"/> is the caller's finding that the same bytes' earlier key no longer exists in its
/// store (a move or rename: the record keeps its id and faces); stores never look at a file system. A null
/// <see cref="ContentHash"/> registers the key unread (<see cref="Storage.ContentHash.NotRead"/>): the analysis records its hash.</summary>
public sealed record MediaEntry(MediaKey Key, string? ContentHash, long SizeBytes, MediaKey? MovedFrom = null);

/// <summary>Media records (one row per (tenant, source, key), with its content hash and processing state).</summary>
public interface IMediaRecordStore
{
    /// <summary>
    /// Registers entries, results in input order: a key already known with the same hash is
    /// <see cref="MediaChange.Unchanged"/>; with another hash <see cref="MediaChange.Changed"/> (its faces,
    /// embeddings and findings go, it is pending again); an unknown key whose <see cref="MediaEntry.MovedFrom"/>
    /// names a record of the same hash is <see cref="MediaChange.Moved"/> (that record takes the new key,
    /// keeping id and faces); anything else is <see cref="MediaChange.New"/>. An entry with no hash (unread) is
    /// unchanged on a record that is still unread, else changed. Atomic.
    /// </summary>
    Task<IReadOnlyList<MediaRegistration>> RegisterAsync(IReadOnlyList<MediaEntry> entries, CancellationToken cancellationToken = default);

    Task<MediaFile?> GetAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>The records among <paramref name="ids"/> (unknown ids are skipped), in id order.</summary>
    Task<IReadOnlyList<MediaFile>> GetManyAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default);

    Task<MediaFile?> FindAsync(MediaKey key, CancellationToken cancellationToken = default);

    /// <summary>Records with any of these content hashes (every key they are known under), in id order.</summary>
    Task<IReadOnlyList<MediaFile>> FindByHashesAsync(IReadOnlyCollection<string> contentHashes, CancellationToken cancellationToken = default);

    /// <summary>Records (in <paramref name="state"/> when given) in id order, one page.</summary>
    Task<IReadOnlyList<MediaFile>> ListAsync(MediaState? state = null, Page page = default, CancellationToken cancellationToken = default);

    Task<long> CountAsync(MediaState? state = null, CancellationToken cancellationToken = default);

    /// <summary>Stores the analysis of several media at once: replaces their faces and embeddings (new faces
    /// get new ids, never reused), marks them done, adds them to run <paramref name="runId"/>'s counters, and records
    /// the content hash and size of the bytes analysed where a result gives them. Atomic.</summary>
    Task SaveResultsAsync(IReadOnlyList<MediaResult> results, long? runId = null, CancellationToken cancellationToken = default);

    /// <summary>Marks media pending again; their faces and findings go.</summary>
    Task ResetAsync(IReadOnlyList<long> mediaIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// In a unit of work only: up to <paramref name="limit"/> pending media (id order) that no other open unit
    /// of work has claimed; the claim lasts until this unit ends, so several workers analyse disjoint batches
    /// and a worker that dies releases its batch with its connection. PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>;
    /// SQLite: the unit already holds the only write lock, so the next pending media are this unit's.
    /// </summary>
    Task<IReadOnlyList<MediaFile>> ClaimPendingAsync(int limit, CancellationToken cancellationToken = default);
}

/// <summary>Faces, their vectors (one per model) and a reviewer's per-face corrections.</summary>
public interface IFaceStore
{
    Task<FaceRecord?> GetAsync(long faceId, CancellationToken cancellationToken = default);

    /// <summary>The faces of these media, in face id order.</summary>
    Task<IReadOnlyList<FaceRecord>> ListOfMediaAsync(IReadOnlyCollection<long> mediaIds, CancellationToken cancellationToken = default);

    /// <summary>Faces in id order, one page.</summary>
    Task<IReadOnlyList<FaceRecord>> ListAsync(Page page = default, CancellationToken cancellationToken = default);

    Task<long> CountAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<FaceEmbedding>> GetEmbeddingsAsync(long faceId, CancellationToken cancellationToken = default);

    /// <summary>Every stored vector of <paramref name="model"/>, in face id order, streamed.</summary>
    IAsyncEnumerable<FaceEmbedding> ReadEmbeddingsAsync(string model, CancellationToken cancellationToken = default);

    /// <summary>The <paramref name="model"/> vectors made by <paramref name="modelVersion"/> of these faces only (faces
    /// without one are left out), in face id order, streamed: what one matching partition of a distributed set reads.</summary>
    IAsyncEnumerable<FaceEmbedding> ReadEmbeddingsOfFacesAsync(string model, string modelVersion, IReadOnlyCollection<long> faceIds, CancellationToken cancellationToken = default);

    /// <summary>Ids of faces with a <paramref name="model"/> vector made by <paramref name="modelVersion"/> (no vectors read).</summary>
    Task<IReadOnlySet<long>> FacesWithEmbeddingAsync(string model, string modelVersion, CancellationToken cancellationToken = default);

    /// <summary>Which of <paramref name="faceIds"/> have a <paramref name="model"/> vector made by
    /// <paramref name="modelVersion"/> (no vectors read, no other face listed): what a set's matching asks of its own
    /// faces, where <see cref="FacesWithEmbeddingAsync(string, string, CancellationToken)"/> lists every face of the
    /// model version in the catalog.</summary>
    Task<IReadOnlySet<long>> FacesWithEmbeddingAsync(string model, string modelVersion, IReadOnlyCollection<long> faceIds, CancellationToken cancellationToken = default);

    /// <summary>What matching and clustering read: every face of a processed media with a <paramref name="model"/>
    /// vector, with media, person and quality, in face id order, streamed; with <paramref name="okMediaOnly"/>
    /// only media whose reason code is <c>ok</c>.</summary>
    IAsyncEnumerable<FaceVector> ReadFaceVectorsAsync(string model, bool okMediaOnly = true, CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces vectors (one per face and model): the bulk path (COPY on PostgreSQL). Atomic.</summary>
    Task PutEmbeddingsAsync(IReadOnlyList<FaceEmbedding> embeddings, CancellationToken cancellationToken = default);

    /// <summary>Sets the clustering's person of many faces at once (null = unassigned). Atomic.</summary>
    Task AssignPersonsAsync(IReadOnlyList<(long FaceId, long? PersonId)> assignments, CancellationToken cancellationToken = default);

    /// <summary>A human's correction: this face is this person (null removes the pin).</summary>
    Task PinAsync(long faceId, long? personId, CancellationToken cancellationToken = default);

    /// <summary>A human's correction: this face is not this person (a pin to it goes: the newer correction wins).</summary>
    Task ExcludeAsync(long faceId, long personId, CancellationToken cancellationToken = default);

    Task SetThumbnailAsync(long faceId, string? thumbnailPath, CancellationToken cancellationToken = default);
}

/// <summary>Persons and a reviewer's merges and splits (the history of decisions).</summary>
public interface IPersonStore
{
    /// <summary>A new person; its id was never given to another (deleted or merged) person.</summary>
    Task<long> CreateAsync(string? name, long? representativeFaceId = null, CancellationToken cancellationToken = default);

    Task<Person?> GetAsync(long personId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Person>> ListAsync(Page page = default, CancellationToken cancellationToken = default);

    Task UpdateAsync(long personId, string? name, long? representativeFaceId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a person; its faces become unassigned, pins and exclusions naming it go.</summary>
    Task DeleteAsync(long personId, CancellationToken cancellationToken = default);

    /// <summary>A reviewer's verdict that two persons are one: every face of either (assigned or pinned to it) is pinned to
    /// <paramref name="intoPersonId"/>, which keeps its id and name (or takes the other's name when it has none); exclusions
    /// from the merged person become exclusions from the kept one; the merged person is removed and the decision recorded.
    /// Because the faces are pinned, no recluster splits them again. Atomic.</summary>
    Task MergeAsync(long intoPersonId, long mergedPersonId, string? decidedBy = null, CancellationToken cancellationToken = default);

    /// <summary>A reviewer's verdict that some faces of a person are someone else: they move to a new person (named
    /// <paramref name="name"/>) and are pinned there, so they never go back on recluster. Every face must belong to
    /// <paramref name="personId"/> (assigned or pinned). Returns the new person's id. Atomic.</summary>
    Task<long> SplitAsync(long personId, IReadOnlyList<long> faceIds, string? name, string? decidedBy = null, CancellationToken cancellationToken = default);

    /// <summary>Every merge and split, oldest first, as decided: a face id in one may name a face since deleted (its photo
    /// changed or was detected again), never a different face.</summary>
    Task<IReadOnlyList<PersonDecision>> ListDecisionsAsync(CancellationToken cancellationToken = default);
}

/// <summary>Runs of jobs (dedup, detect, recognise...) with counters updated with the results they count.</summary>
public interface IRunStore
{
    Task<long> StartAsync(string kind, string argsJson, long total = 0, CancellationToken cancellationToken = default);

    Task<RunRecord?> GetAsync(long runId, CancellationToken cancellationToken = default);

    /// <summary>The newest run of <paramref name="kind"/> still marked running: the one a restarted job resumes
    /// (hold the job's lease to know its process is gone).</summary>
    Task<RunRecord?> FindUnfinishedAsync(string kind, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RunRecord>> ListAsync(Page page = default, CancellationToken cancellationToken = default);

    /// <summary>Sets the total (when given), refreshes the heartbeat and records this process as the run's owner.</summary>
    Task UpdateAsync(long runId, long? total = null, CancellationToken cancellationToken = default);

    Task FinishAsync(long runId, RunState state, string? error = null, CancellationToken cancellationToken = default);
}

/// <summary>What a findings listing keeps.</summary>
public sealed record FindingQuery
{
    public FindingStatus? Status { get; init; }
    public float? MinScore { get; init; }
    /// <summary>Leaves out pairs whose content hashes are on the tenant's ignore list.</summary>
    public bool SkipIgnored { get; init; }
    public Page Page { get; init; } = Page.All;

    public static FindingQuery All { get; } = new();
}

/// <summary>
/// Dedup sets (one per dedup run, in a group: the CLI's is <see cref="DedupSet.DefaultGroup"/>) and their
/// findings. A set either owns finding rows or shares those of an earlier set
/// (<see cref="DedupSet.FindingsSetId"/>): a re-run that finds the same pairs records a set, not a copy.
/// </summary>
public interface IDedupStore
{
    /// <summary>A new set; with <paramref name="sharesFindingsOf"/> it reads that set's findings (which must
    /// own its rows, or the one it shares is taken) and gets no rows of its own.</summary>
    Task<DedupSet> CreateSetAsync(long? runId, string group = DedupSet.DefaultGroup, long? sharesFindingsOf = null, CancellationToken cancellationToken = default);

    Task<DedupSet?> GetSetAsync(long setId, CancellationToken cancellationToken = default);

    /// <summary>The newest set of a group, or null.</summary>
    Task<DedupSet?> LatestSetAsync(string group = DedupSet.DefaultGroup, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DedupSet>> ListSetsAsync(string? group = null, Page page = default, CancellationToken cancellationToken = default);

    /// <summary>Adds findings to a set that owns its rows, media ids stored smaller first. Atomic.</summary>
    Task AddFindingsAsync(long setId, IReadOnlyList<NewFinding> findings, CancellationToken cancellationToken = default);

    /// <summary>A set's findings in id order (its own rows or the ones it shares).</summary>
    Task<IReadOnlyList<Finding>> GetFindingsAsync(long setId, FindingQuery? query = null, CancellationToken cancellationToken = default);

    Task<Finding?> GetFindingAsync(long findingId, CancellationToken cancellationToken = default);

    /// <summary>Records a reviewer's verdict on one finding, and only that: the ignore list is the application's
    /// business (the review use case writes both in one unit of work).</summary>
    Task SetFindingStatusAsync(long findingId, FindingStatus status, string? decidedBy = null, CancellationToken cancellationToken = default);
}

/// <summary>Pairs of content hashes a reviewer declared different people, respected by every later run.</summary>
public interface IIgnoredPairStore
{
    /// <summary>Adds the pair (either order); adding it again keeps the first reason. Returns false when it was there.</summary>
    Task<bool> AddAsync(string hashA, string hashB, string? reason, string? createdBy, CancellationToken cancellationToken = default);

    /// <summary>Returns false when the pair was not ignored.</summary>
    Task<bool> RemoveAsync(string hashA, string hashB, CancellationToken cancellationToken = default);

    Task<bool> ContainsAsync(string hashA, string hashB, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<IgnoredPair>> ListAsync(CancellationToken cancellationToken = default);
}

/// <summary>Who asks for a lease: what for, and which process (for messages; liveness is decided by expiry).</summary>
public sealed record LeaseHolder(string Purpose, string Host, int Pid, string Instance)
{
    /// <summary>This process, with a fresh instance id.</summary>
    public static LeaseHolder ThisProcess(string purpose) =>
        new(purpose, Environment.MachineName, Environment.ProcessId, Guid.NewGuid().ToString("N"));
}

/// <summary>A granted lease. <see cref="Token"/> is the fencing token: it grows with every grant of the name,
/// so a write fenced with an older token is refused.</summary>
public sealed record Lease(string Name, LeaseHolder Holder, long Token, DateTimeOffset AcquiredAt, DateTimeOffset RenewedAt, DateTimeOffset ExpiresAt)
{
    public LeaseFence Fence => new(Name, Token);
}

/// <summary>The answer to an acquisition: <see cref="Granted"/>, or the lease that stands in the way.</summary>
public sealed record LeaseAttempt(Lease? Granted, Lease? HeldBy, Lease? Replaced)
{
    public bool Succeeded => Granted is not null;
}

/// <summary>
/// Named leases in the database: a holder renews (heartbeats) before <see cref="Lease.ExpiresAt"/>; once
/// expired any process may take it over, which bumps the fencing token. Expiry is by the database's
/// clock for PostgreSQL, the host's for SQLite (one file, one host).
/// </summary>
public interface ILeaseStore
{
    /// <summary>Grants the lease when it is free, released, expired, or currently has token
    /// <paramref name="replacingToken"/> (the caller proved that holder dead, e.g. a process gone on this host).</summary>
    Task<LeaseAttempt> TryAcquireAsync(string name, LeaseHolder holder, TimeSpan timeToLive, long? replacingToken = null, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease still held with this token; null when it was taken over or released.</summary>
    Task<Lease?> RenewAsync(string name, long token, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Releases the lease if still held with this token (the token counter is kept).</summary>
    Task ReleaseAsync(string name, long token, CancellationToken cancellationToken = default);

    /// <summary>The current holder, or null when free (released or never taken). An expired lease is still returned.</summary>
    Task<Lease?> GetAsync(string name, CancellationToken cancellationToken = default);
}
