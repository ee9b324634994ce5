using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Doppel.Reports.Html;
using static Doppel.Reports.Html.Html;

namespace Doppel.Reports.Dedup;

/// <summary>The files one dedup report consists of. <see cref="Pages"/> lists every HTML page, index.html
/// first; <see cref="ThumbnailDirectory"/> is set when the report is paged and its thumbnails are files.</summary>
public sealed record DedupReportFiles(
    string IndexHtml,
    string FindingsCsv,
    string SummaryJson,
    string? ScoreHistogramPng,
    IReadOnlyList<string> Pages,
    string? ThumbnailDirectory)
{
    public bool IsSingleFile => Pages.Count == 1 && ThumbnailDirectory is null;
}

/// <summary>
/// Writes the output of <c>doppel dedup --report DIR</c>: the HTML report, <c>findings.csv</c>
/// (<see cref="DedupFindings"/>), <c>summary.json</c> (<see cref="DedupSummary"/>) and the histogram as
/// <c>score-histogram.png</c> when one is given. A small report is one self-contained
/// <c>index.html</c>; a large one is paged with thumbnail files (the rule: <see cref="DedupReportPaging"/>).
/// Either way the pages load nothing from the network, need no server (they open from disk) and no
/// JavaScript. Writing into a folder that holds an earlier report replaces it as a whole (a new folder
/// swapped in); thumbnails of the earlier report are reused.
/// </summary>
public static partial class DedupReportWriter
{
    /// <summary>Faces shown per person: enough to judge the cluster, few enough that a page of persons stays light.</summary>
    public const int MaxFacesPerPerson = 12;

    /// <summary>Images shown per group: a group of hundreds of photos of one person is reviewed from
    /// findings.csv anyway, and this bounds what one group adds to a page.</summary>
    public const int MaxMembersPerGroup = 200;

    /// <summary>Pairs shown per group, best first: a group of hundreds of photos can hold thousands of
    /// pairs, which would make one page huge; findings.csv lists them all.</summary>
    public const int MaxPairsPerGroup = 50;

    private const string HistogramFileName = "score-histogram.png";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the report as a new folder and swaps it in for <paramref name="outputDirectory"/>
    /// (<see cref="ReportFolder"/>): a reader or a killed run sees the old report or the new one, never a
    /// mix of the two, and a full disk leaves the old one and no temporary files.</summary>
    public static DedupReportFiles Write(DedupReport report, string outputDirectory, DedupReportPaging? paging = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        paging ??= DedupReportPaging.Default;
        paging.Validate();
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory));
        string staging = "";
        var files = ReportFolder.Replace(target, folder => WriteInto(report, staging = folder, paging));
        string Moved(string path) => ReportFolder.Moved(path, staging, target);
        return new DedupReportFiles(Moved(files.IndexHtml), Moved(files.FindingsCsv), Moved(files.SummaryJson),
            files.ScoreHistogramPng is { } png ? Moved(png) : null, files.Pages.Select(Moved).ToList(),
            files.ThumbnailDirectory is { } thumbs ? Moved(thumbs) : null);
    }

    private static DedupReportFiles WriteInto(DedupReport report, string outputDirectory, DedupReportPaging paging)
    {
        Directory.CreateDirectory(outputDirectory);

        var findings = DedupFindings.Rows(report);
        var indexHtml = Path.Combine(outputDirectory, "index.html");
        var findingsCsv = Path.Combine(outputDirectory, "findings.csv");
        var summaryJson = Path.Combine(outputDirectory, "summary.json");
        var histogramPng = Path.Combine(outputDirectory, HistogramFileName);

        File.WriteAllText(findingsCsv, DedupFindings.ToCsv(findings), Utf8);
        File.WriteAllText(summaryJson, DedupSummary.ToJson(report, findings.Count), Utf8);
        if (report.ScoreHistogramPng is not null)
            File.WriteAllBytes(histogramPng, report.ScoreHistogramPng);
        else
            File.Delete(histogramPng);

        var groups = SectionPages.Split(ReportSection.Groups, report.Groups.Count, paging.GroupsPerPage);
        var persons = SectionPages.Split(ReportSection.Persons, report.Persons.Count, paging.PersonsPerPage);
        var rejected = SectionPages.Split(ReportSection.Rejected, report.Rejected.Count, paging.RejectedPerPage);
        var ungrouped = SectionPages.Split(ReportSection.UngroupedPairs, report.UngroupedPairs.Count, paging.UngroupedPairsPerPage);
        bool singleFile = groups.Count == 1 && persons.Count == 1 && rejected.Count == 1 && ungrouped.Count == 1
                          && DistinctThumbnails(report).Count() <= paging.MaxEmbeddedThumbnails;

        if (singleFile)
        {
            WriteAtomically(indexHtml, RenderHtml(report, findings.Count));
            RemovePagesExcept(outputDirectory, new HashSet<string>());
            ThumbnailFolder.RemoveAll(outputDirectory);
            return new DedupReportFiles(indexHtml, findingsCsv, summaryJson, report.ScoreHistogramPng is null ? null : histogramPng, [indexHtml], null);
        }
        var thumbnails = new ThumbnailFolder(outputDirectory);
        var pages = WritePaged(report, findings.Count, outputDirectory, [groups, ungrouped, persons, rejected], thumbnails);
        RemovePagesExcept(outputDirectory, pages.Skip(1).Select(p => Path.GetFileName(p)).ToHashSet(StringComparer.Ordinal));
        thumbnails.RemoveUnused();
        return new DedupReportFiles(indexHtml, findingsCsv, summaryJson, report.ScoreHistogramPng is null ? null : histogramPng, pages, thumbnails.Directory);
    }

    /// <summary>Writes the thumbnails, then every section page after the first, then index.html (last, so
    /// a reader never meets a link to a page not yet written). Returns the pages, index.html first.</summary>
    private static List<string> WritePaged(DedupReport report, int pairCount, string outputDirectory,
        IReadOnlyList<IReadOnlyList<SectionPage>> sections, ThumbnailFolder thumbnails)
    {
        thumbnails.Prepare(DistinctThumbnails(report));
        var sortedRejected = DedupSections.RejectedInDisplayOrder(report);
        var sortedUngrouped = DedupSections.UngroupedInDisplayOrder(report);
        void Section(StringBuilder html, SectionPage page)
        {
            switch (page.Section)
            {
                case ReportSection.Groups: DedupSections.Groups(html, report, page, thumbnails); break;
                case ReportSection.UngroupedPairs: DedupSections.UngroupedPairs(html, report, sortedUngrouped, page); break;
                case ReportSection.Persons: DedupSections.Persons(html, report, page, thumbnails); break;
                default: DedupSections.Rejected(html, report, sortedRejected, page); break;
            }
        }

        var written = new List<string>();
        var pagesFolder = Path.Combine(outputDirectory, SectionPage.Folder);
        foreach (var page in sections.SelectMany(pages => pages).Where(p => !p.InIndex))
        {
            Directory.CreateDirectory(pagesFolder);
            var body = new StringBuilder();
            Section(body, page);
            var path = Path.Combine(pagesFolder, page.FileName);
            WriteAtomically(path, Page(report, body, "", depth: 1, $"{SectionTitle(page.Section)} · page {page.Number} of {page.PageCount}", selfContained: false));
            written.Add(path);
        }
        var index = new StringBuilder();
        DedupSections.Summary(index, report, pairCount);
        if (report.ScoreHistogramPng is not null)
            DedupSections.Histogram(index, report, HistogramFileName);
        foreach (var pages in sections)
            Section(index, pages[0]);
        var indexHtml = Path.Combine(outputDirectory, "index.html");
        WriteAtomically(indexHtml, Page(report, index, "", depth: 0, subtitle: null, selfContained: false));
        return [indexHtml, .. written];
    }

    /// <summary>The whole report as one self-contained page: thumbnails and histogram embedded, every
    /// group, person and rejected image on it.</summary>
    public static string RenderHtml(DedupReport report, int pairCount)
    {
        var thumbnails = new EmbeddedThumbnails();
        // Sections first, so the thumbnails they use are known when the style sheet is written.
        var body = new StringBuilder();
        DedupSections.Summary(body, report, pairCount);
        if (report.ScoreHistogramPng is not null)
            DedupSections.Histogram(body, report, PngDataUri(report.ScoreHistogramPng));
        DedupSections.Groups(body, report, SectionPages.Whole(ReportSection.Groups, report.Groups.Count), thumbnails);
        DedupSections.UngroupedPairs(body, report, DedupSections.UngroupedInDisplayOrder(report), SectionPages.Whole(ReportSection.UngroupedPairs, report.UngroupedPairs.Count));
        DedupSections.Persons(body, report, SectionPages.Whole(ReportSection.Persons, report.Persons.Count), thumbnails);
        DedupSections.Rejected(body, report, DedupSections.RejectedInDisplayOrder(report), SectionPages.Whole(ReportSection.Rejected, report.Rejected.Count));
        return Page(report, body, thumbnails.StyleRules(), depth: 0, subtitle: null, selfContained: true);
    }

    private static string SectionTitle(ReportSection section) => section switch
    {
        ReportSection.Groups => "Duplicate groups",
        ReportSection.Persons => "Persons",
        ReportSection.UngroupedPairs => DedupSections.UngroupedTitle,
        _ => "Images without a usable face",
    };

    /// <summary>Every thumbnail the report shows, in page order, each source once.</summary>
    private static IEnumerable<ReportThumbnail> DistinctThumbnails(DedupReport report)
    {
        var seen = new HashSet<object>();
        var shown = report.Groups.SelectMany(DedupSections.ShownImages)
            .Concat(report.Persons.SelectMany(p => p.Faces.Take(MaxFacesPerPerson)))
            .Select(i => i.Thumbnail).OfType<ReportThumbnail>();
        foreach (var thumbnail in shown)
            if (seen.Add((object?)ThumbnailSources.Key(thumbnail) ?? thumbnail.Bytes!))
                yield return thumbnail;
    }

    /// <summary>A whole HTML page around <paramref name="body"/>; <paramref name="depth"/> is its folder depth below the report folder.</summary>
    private static string Page(DedupReport report, StringBuilder body, string extraCss, int depth, string? subtitle, bool selfContained)
    {
        var index = depth == 0 ? "" : "../index.html";
        var page = new StringBuilder(body.Length + 4096 + extraCss.Length);
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(report.Title)).Append(subtitle is null ? "" : " · " + E(subtitle)).Append("</title>\n<style>\n").Append(BaseCss).Append('\n')
            .Append(extraCss).Append("</style>\n</head>\n<body>\n");
        page.Append("<header>\n<h1>").Append(depth == 0 ? E(report.Title) : $"<a href=\"{index}\">{E(report.Title)}</a>").Append("</h1>\n");
        if (subtitle is not null)
            page.Append("<p class=\"subtitle\">").Append(E(subtitle)).Append("</p>\n");
        page.Append("<p class=\"meta\">Scanned <code id=\"scanned-root\">").Append(E(report.ScannedRoot)).Append("</code>");
        if (report.CreatedAt is { } created)
            page.Append(" · ").Append(E(created.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)));
        var stats = report.Statistics;
        if (stats.Detector is not null) page.Append(" · detector <code>").Append(E(stats.Detector)).Append("</code>");
        if (stats.Model is not null) page.Append(" · model <code>").Append(E(stats.Model)).Append("</code>");
        if (stats.Threshold is double t) page.Append(" · threshold <code>").Append(F(t, 3)).Append("</code>");
        if (stats.GroupCut is double cut)
        {
            page.Append(" · groups join at a mean score of <code id=\"group-cut\">").Append(F(cut, 3)).Append("</code>");
            if (stats.GroupCutProbability is double p) page.Append(" (match probability ").Append(F(p, 2)).Append(')');
        }
        page.Append("</p>\n<nav>");
        if (depth > 0)
            page.Append("<a href=\"").Append(index).Append("#summary\">Summary</a>");
        page.Append("<a href=\"").Append(index).Append("#groups\">Duplicate groups</a><a href=\"").Append(index).Append("#persons\">Persons</a><a href=\"")
            .Append(index).Append("#rejected\">Without a usable face</a></nav>\n</header>\n<main>\n")
            .Append(body)
            .Append("</main>\n<footer>Written by Doppel. ")
            .Append(selfContained
                ? "This page is self-contained: it loads nothing from the network."
                : "This report loads nothing from the network: its pages and thumbnails are files beside this one.")
            .Append("</footer>\n</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>Writes beside the target, then renames, so a browser or a killed run never sees half a page.</summary>
    private static void WriteAtomically(string path, string text)
    {
        var temporary = $"{path}.tmp-{Guid.NewGuid():N}";
        File.WriteAllText(temporary, text, Utf8);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Deletes the section pages of an earlier run that this run did not write (a report with
    /// fewer groups has fewer pages), then the pages folder if it is empty. Only page names this writer
    /// uses are touched.</summary>
    private static void RemovePagesExcept(string outputDirectory, IReadOnlySet<string> keep)
    {
        var folder = Path.Combine(outputDirectory, SectionPage.Folder);
        if (!Directory.Exists(folder))
            return;
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(file);
            if ((OwnPageName().IsMatch(name) && !keep.Contains(name)) || OwnTemporaryPage().IsMatch(name))
                File.Delete(file);
        }
        if (!Directory.EnumerateFileSystemEntries(folder).Any())
            Directory.Delete(folder);
    }

    [GeneratedRegex("^(groups|persons|rejected)-[0-9]{4,}\\.html$")]
    private static partial Regex OwnPageName();

    [GeneratedRegex("^(groups|persons|rejected)-[0-9]{4,}\\.html\\.tmp-[0-9a-f]{32}$")]
    private static partial Regex OwnTemporaryPage();
}
