namespace Doppel.Reports.Dedup;

/// <summary>A small picture for the report: a file to read, or bytes already in memory (any format
/// Skia decodes: JPEG, PNG, WebP, GIF, BMP). The writer shrinks it and embeds it in the HTML.</summary>
public sealed record ReportThumbnail
{
    public string? FilePath { get; }
    public byte[]? Bytes { get; }

    private ReportThumbnail(string? filePath, byte[]? bytes) => (FilePath, Bytes) = (filePath, bytes);

    public static ReportThumbnail FromFile(string path) => new(path ?? throw new ArgumentNullException(nameof(path)), null);

    public static ReportThumbnail FromBytes(byte[] bytes) => new(null, bytes ?? throw new ArgumentNullException(nameof(bytes)));
}

/// <summary>An image as the report shows it: its path (absolute, or relative to the scanned folder) and a thumbnail.</summary>
public sealed record ReportImage(string Path, ReportThumbnail? Thumbnail = null);

/// <summary>Two members of a group (indexes into <see cref="DuplicateGroup.Members"/>) and their match score in [0, 1].</summary>
public sealed record DuplicatePair(int A, int B, double Score);

/// <summary>Images showing the same person that dedup joined, and the pairwise matches that joined them.</summary>
public sealed record DuplicateGroup(IReadOnlyList<ReportImage> Members, IReadOnlyList<DuplicatePair> Pairs);

/// <summary>An identity found by clustering, with some of its face crops.</summary>
public sealed record PersonEntry(string Label, int FaceCount, IReadOnlyList<ReportImage> Faces);

/// <summary>An image that yielded no usable face, with its status code (<c>no_face</c>, <c>unreadable</c>...).</summary>
public sealed record RejectedImage(string Path, string ReasonCode, string? Detail = null);

/// <summary>What the run did and with which settings.</summary>
public sealed record DedupRunStatistics(
    int Images,
    int Faces,
    double Seconds,
    IReadOnlyDictionary<string, int> ReasonCounts,
    string? Detector = null,
    string? Model = null,
    double? Threshold = null);

/// <summary>Everything the dedup report shows. <see cref="ScoreHistogramPng"/> is the match-score
/// histogram with the threshold marked (see <see cref="Charts.ChartRenderer"/>).</summary>
public sealed record DedupReport(
    string ScannedRoot,
    IReadOnlyList<DuplicateGroup> Groups,
    IReadOnlyList<PersonEntry> Persons,
    IReadOnlyList<RejectedImage> Rejected,
    DedupRunStatistics Statistics,
    byte[]? ScoreHistogramPng = null,
    DateTimeOffset? CreatedAt = null,
    string Title = "Doppel duplicate report");
