namespace Doppel.Reports.Dedup;

/// <summary>
/// How a dedup report is split. A report whose every section fits on one page and which shows at most
/// <see cref="MaxEmbeddedThumbnails"/> distinct pictures is one self-contained <c>index.html</c> (it
/// can be e-mailed). Anything larger is paged: <c>index.html</c> holds the summary, the histogram and
/// the first page of each section; further pages are <c>pages/groups-0002.html</c>,
/// <c>pages/persons-0002.html</c>, <c>pages/rejected-0002.html</c>...; thumbnails are files under
/// <c>thumbs/</c>.
/// </summary>
public sealed record DedupReportPaging
{
    /// <summary>Duplicate groups per page, largest first as the report lists them.</summary>
    public int GroupsPerPage { get; init; } = 100;

    /// <summary>Persons per page (each shows up to <see cref="DedupReportWriter.MaxFacesPerPerson"/> faces).</summary>
    public int PersonsPerPage { get; init; } = 100;

    /// <summary>Rows of the table of images without a usable face per page: text only, so many fit.</summary>
    public int RejectedPerPage { get; init; } = 1000;

    /// <summary>Rows of the table of pairs no group holds together per page: text only, so many fit.</summary>
    public int UngroupedPairsPerPage { get; init; } = 1000;

    /// <summary>Most distinct pictures a one-file report embeds, about 3 KB each: beyond this the single
    /// file grows past what mail and browsers take comfortably, so the report is paged even when its
    /// sections would fit on one page.</summary>
    public int MaxEmbeddedThumbnails { get; init; } = 600;

    public static DedupReportPaging Default { get; } = new();

    internal void Validate()
    {
        if (GroupsPerPage < 1 || PersonsPerPage < 1 || RejectedPerPage < 1 || UngroupedPairsPerPage < 1)
            throw new ArgumentException($"Report pages must hold at least one entry (groups {GroupsPerPage}, persons {PersonsPerPage}, rejected {RejectedPerPage}, ungrouped pairs {UngroupedPairsPerPage}).");
        if (MaxEmbeddedThumbnails < 0)
            throw new ArgumentException($"MaxEmbeddedThumbnails must not be negative (got {MaxEmbeddedThumbnails}).");
    }
}

/// <summary>The sections that can span several pages.</summary>
internal enum ReportSection
{
    Groups,
    Persons,
    Rejected,
    UngroupedPairs,
}

/// <summary>One page of one section: entries [<see cref="First"/>, <see cref="First"/> + <see cref="Count"/>),
/// page <see cref="Number"/> (from 1) of <see cref="PageCount"/>.</summary>
internal sealed record SectionPage(ReportSection Section, int Number, int PageCount, int First, int Count, int Total)
{
    public const string Folder = "pages";

    /// <summary>Page 1 lives in index.html; page k in <c>pages/SECTION-000k.html</c>.</summary>
    public bool InIndex => Number == 1;

    /// <summary>Folders between the report folder and this page's file.</summary>
    public int Depth => InIndex ? 0 : 1;

    public string FileName => FileNameOf(Section, Number);

    public static string FileNameOf(ReportSection section, int number) =>
        $"{SectionPages.Slug(section)}-{number.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)}.html";

    /// <summary>The URL of page <paramref name="number"/> of this section, relative to this page.</summary>
    public string Href(int number)
    {
        var slug = SectionPages.Slug(Section);
        if (number == 1)
            return (InIndex ? "" : "../index.html") + "#" + slug;
        return (InIndex ? Folder + "/" : "") + FileNameOf(Section, number);
    }
}

internal static class SectionPages
{
    public static string Slug(ReportSection section) => section switch
    {
        ReportSection.Groups => "groups",
        ReportSection.Persons => "persons",
        ReportSection.UngroupedPairs => "ungrouped-pairs",
        _ => "rejected",
    };

    /// <summary>A section all on one page.</summary>
    public static SectionPage Whole(ReportSection section, int total) => new(section, 1, 1, 0, total, total);

    /// <summary>The pages of a section of <paramref name="total"/> entries; an empty section is one empty page.</summary>
    public static IReadOnlyList<SectionPage> Split(ReportSection section, int total, int perPage)
    {
        var count = Math.Max(1, (total + perPage - 1) / perPage);
        return Enumerable.Range(1, count)
            .Select(n => new SectionPage(section, n, count, (n - 1) * perPage, Math.Min(perPage, total - (n - 1) * perPage), total))
            .ToList();
    }
}
