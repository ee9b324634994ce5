namespace Doppel.Reports.Dedup;

/// <summary>A small picture for the report: a file to read, bytes already in memory, or a picture drawn
/// on demand (any format Skia decodes: JPEG, PNG, WebP, GIF, BMP). The writer shrinks it to a JPEG and
/// embeds it in a one-file report or writes it once under <c>thumbs/</c> of a paged one.</summary>
public sealed record ReportThumbnail
{
    public string? FilePath { get; }
    public byte[]? Bytes { get; }

    /// <summary>For a drawn picture: what it shows, such that equal keys mean equal pictures (for example
    /// the source image's content hash and the crop's geometry). A paged report names the thumbnail file
    /// after it, so a later run into the same folder finds the file and never draws the picture again.</summary>
    public string? RenderKey { get; }

    private readonly Func<byte[]?>? _render;

    private ReportThumbnail(string? filePath, byte[]? bytes, string? renderKey, Func<byte[]?>? render) =>
        (FilePath, Bytes, RenderKey, _render) = (filePath, bytes, renderKey, render);

    public static ReportThumbnail FromFile(string path) => new(path ?? throw new ArgumentNullException(nameof(path)), null, null, null);

    public static ReportThumbnail FromBytes(byte[] bytes) => new(null, bytes ?? throw new ArgumentNullException(nameof(bytes)), null, null);

    /// <summary>A picture drawn only when the writer needs it, so a report over many images never holds
    /// them all in memory. <paramref name="render"/> returns the encoded picture, or null when it cannot
    /// be drawn (the report then shows a placeholder); it may be called from several threads at once.</summary>
    public static ReportThumbnail Rendered(string renderKey, Func<byte[]?> render)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(renderKey);
        ArgumentNullException.ThrowIfNull(render);
        return new(null, null, renderKey, render);
    }

    /// <summary>The encoded picture, or null when the file cannot be read or the picture cannot be drawn.</summary>
    internal byte[]? LoadEncoded()
    {
        if (Bytes is not null)
            return Bytes;
        if (_render is not null)
            return _render();
        try
        {
            return File.ReadAllBytes(FilePath!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>An image as the report shows it: its path (absolute, or relative to the scanned folder) and a thumbnail.</summary>
public sealed record ReportImage(string Path, ReportThumbnail? Thumbnail = null)
{
    /// <summary>The shown face's quality in [0, 1], when the run assessed it.</summary>
    public float? Quality { get; init; }
}

/// <summary>Two members of a group (indexes into <see cref="DuplicateGroup.Members"/>), their match score in
/// [0, 1] and their calibrated match probability (null when the recogniser has none).</summary>
public sealed record DuplicatePair(int A, int B, double Score, double? Probability = null);

/// <summary>Images showing the same person that dedup joined, and the pairwise matches that joined them.</summary>
public sealed record DuplicateGroup(IReadOnlyList<ReportImage> Members, IReadOnlyList<DuplicatePair> Pairs)
{
    /// <summary>Why each member is in the group: its best match inside it and how many members it matches
    /// (one entry per member, in member order; a member with no pair in the group has none).</summary>
    public IReadOnlyList<MemberSupport> Support()
    {
        var best = new DuplicatePair?[Members.Count];
        var matches = new int[Members.Count];
        foreach (var pair in Pairs)
            foreach (var (member, _) in new[] { (pair.A, pair.B), (pair.B, pair.A) })
            {
                matches[member]++;
                if (best[member] is not { } known || pair.Score > known.Score)
                    best[member] = pair;
            }
        return Enumerable.Range(0, Members.Count).Select(m => best[m] is { } b
            ? new MemberSupport(m, b.A == m ? b.B : b.A, b.Score, b.Probability, matches[m])
            : new MemberSupport(m, null, null, null, 0)).ToList();
    }
}

/// <summary>Why <see cref="Member"/> is in its group: its best match <see cref="BestMatch"/> inside it
/// (score and probability) and how many of the other members it matches.</summary>
public sealed record MemberSupport(int Member, int? BestMatch, double? Score, double? Probability, int Matches);

/// <summary>Two images whose match reached the pair threshold but that no group holds together: the grouping
/// kept them apart (their groups do not match on average, or one of them matches its group too weakly). Each is
/// a finding a reviewer decides on its own; paths as <see cref="ReportImage.Path"/>.</summary>
public sealed record UngroupedPair(string ImageA, string ImageB, double Score, double? Probability = null);

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
    double? Threshold = null,
    double? GroupCut = null,
    double? GroupCutProbability = null);

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
    string Title = "Doppel duplicate report")
{
    /// <summary>Pairs above the threshold that no group holds together (<see cref="UngroupedPair"/>).</summary>
    public IReadOnlyList<UngroupedPair> UngroupedPairs { get; init; } = [];
}
