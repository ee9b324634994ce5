namespace Doppel.Application.Queue;

/// <summary>A request to deduplicate media already registered in the catalog (the CLI registers a folder's
/// files, the service a set's images), in one tenant.</summary>
public sealed record DedupRequest
{
    public required long Tenant { get; init; }

    /// <summary>The catalog run the work is counted in (its counters and final state).</summary>
    public required long RunId { get; init; }

    public required IReadOnlyList<long> MediaIds { get; init; }

    /// <summary>The embedding model's catalogue name; the first worker records the version its vectors are made with.</summary>
    public required string Model { get; init; }

    /// <summary>The recogniser the set is opened with, an ensemble's weights kept (<c>IImageAnalyzer.Recogniser</c>; a service
    /// set's: its model profile's): every worker embeds the set with this recogniser's pipeline and every step scores it with
    /// its recognition profile. Null: queued by code that records none (a schedule made before), see <c>WorkSet.Profile</c>.</summary>
    public string? Recogniser { get; init; }

    /// <summary>Null: the model's calibrated threshold, as recorded by the first worker.</summary>
    public float? Threshold { get; init; }

    /// <summary><c>average</c> (default), <c>connected</c> or <c>core</c>.</summary>
    public string Grouping { get; init; } = "average";

    /// <summary>Media per analysis job.</summary>
    public int ChunkSize { get; init; } = 64;

    /// <summary>Faces per matching block: a partition joins two blocks (with IVF: face probes per cell-range partition).</summary>
    public int BlockSize { get; init; } = 16384;

    /// <summary><c>exact</c> (default: row × column block partitions) or <c>ivf</c> (cells trained once, a partition per
    /// range of cells): the same findings as a single process with the same search.</summary>
    public string Search { get; init; } = "exact";

    /// <summary>Faces whose stored quality is below this take no part in matching (<c>--min-quality</c>; <c>QualityGate</c>).</summary>
    public float? MinQuality { get; init; }

    /// <summary>The service's set this work processes (null: a catalog dedup); its fan-in stores the set's results
    /// through the application's <c>SetResults</c> instead of catalog findings.</summary>
    public Guid? ServiceSet { get; init; }

    /// <summary>With <see cref="ServiceSet"/>: image id → media record of each image whose file was found.</summary>
    public IReadOnlyDictionary<long, long>? ImageMedia { get; init; }
}

/// <summary>How far queued work got, for progress bars, the API and the admin page.</summary>
public sealed record QueuedWorkProgress(
    string Id,
    string State,
    int ChunksDone,
    int Chunks,
    int PartitionsDone,
    int? Partitions,
    long? DedupSetId,
    string? Error)
{
    public bool IsCompleted => State == "completed";
    public bool IsFailed => State == "failed";
    public bool IsFinal => IsCompleted || IsFailed;
}

/// <summary>
/// Where the CLI (<c>dedup --distributed</c>) and the service hand work to workers (register it with <c>services.AddDoppelJobs(address)</c>). The Hangfire implementation
/// (<c>Doppel.Workers.HangfireJobQueue</c>) queues the job graph in PostgreSQL for any number of
/// <c>doppel worker</c> processes; work ids are strings so an implementation may use its own.
/// </summary>
public interface IJobQueue
{
    /// <summary>Queues a dedup of the request's media; returns the work's id at once.</summary>
    Task<string> EnqueueDedupAsync(DedupRequest request, CancellationToken cancellationToken = default);

    /// <summary>The work's progress, or null for an unknown id.</summary>
    Task<QueuedWorkProgress?> GetProgressAsync(string id, CancellationToken cancellationToken = default);
}
