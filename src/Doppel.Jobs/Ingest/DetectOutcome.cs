using Doppel.Storage;

namespace Doppel.Jobs.Ingest;

/// <summary>What a detect run did. <see cref="ReasonCounts"/> and <see cref="Faces"/> describe the
/// files processed by this invocation; <see cref="Registered"/> how the scanned files were found.</summary>
public sealed record DetectOutcome(
    long RunId,
    int Scanned,
    IReadOnlyDictionary<MediaChange, int> Registered,
    int ProcessedThisRun,
    bool Resumed,
    IReadOnlyDictionary<string, int> ReasonCounts,
    int Faces,
    long MediaInCatalog,
    TimeSpan Elapsed);
