using Doppel.Jobs.Ingest;
using Doppel.Matching;
using Doppel.Storage;

namespace Doppel.Jobs.Dedup;

/// <summary>One scanned image as the outcome reports it.</summary>
public sealed record DedupImage(MediaFile Media, ScannedFile File);

/// <summary>What a dedup run found, for the CLI summary and the report.</summary>
public sealed record DedupOutcome(
    long RunId,
    long DedupSetId,
    float Threshold,
    string Model,
    IReadOnlyList<DedupImage> Images,
    IReadOnlyList<FaceRecord> Faces,
    IReadOnlyList<ImagePair> Pairs,
    IReadOnlyList<IReadOnlyList<long>> Groups,
    int ProcessedThisRun,
    bool Resumed,
    TimeSpan Elapsed)
{
    /// <summary>Entries under the roots that were not read, each with its reason (special files,
    /// dangling links, loops, unreadable files and folders, bad names, hidden files).</summary>
    public IReadOnlyList<ScanEntry> Skipped { get; init; } = [];
    /// <summary>Images not matched because every face scored below <see cref="MinQuality"/>, with their best face's quality.</summary>
    public IReadOnlyDictionary<long, float> LowQuality { get; init; } = new Dictionary<long, float>();

    /// <summary>The run's <c>--min-quality</c>, if any.</summary>
    public float? MinQuality { get; init; }
    /// <summary>Each face's normalisation level (<see cref="CohortNormalisation"/>), when the profile normalises.</summary>
    public IReadOnlyDictionary<long, float>? FaceLevels { get; init; }

    /// <summary>The mean score at which groups joined and its match probability (<see cref="DedupMatch.GroupCut"/>), or null.</summary>
    public float? GroupCut { get; init; }
    public double? GroupCutProbability { get; init; }

    /// <summary>The vectors matching read (the set's faces, the outcome's model), when the job kept them: the
    /// report's score histogram uses them instead of reading the catalog again.</summary>
    public IReadOnlyList<FaceEmbedding>? Vectors { get; init; }
}

/// <summary>How a run's passed-over entries are summed up in one line.</summary>
public static class Skipped
{
    /// <summary>"3 entries (dangling_link 1, special_file 2)".</summary>
    public static string Describe(IReadOnlyCollection<ScanEntry> skipped) =>
        $"{skipped.Count} {(skipped.Count == 1 ? "entry" : "entries")} ({string.Join(", ", skipped.GroupBy(e => e.Status.ToCode()).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))})";
}
