using System.Text;
using Doppel.Reports.Html;
using static Doppel.Reports.Html.Html;

namespace Doppel.Reports.Dedup;

/// <summary>The sections of the dedup report's HTML, each able to render one page of its entries.</summary>
internal static class DedupSections
{
    public static void Summary(StringBuilder html, DedupReport report, int pairCount)
    {
        var stats = report.Statistics;
        html.Append("<section class=\"cards\" id=\"summary\">\n");
        Card(html, "images", N(stats.Images), "images scanned");
        Card(html, "faces", N(stats.Faces), "faces");
        Card(html, "groups", N(report.Groups.Count), "duplicate groups");
        Card(html, "pairs", N(pairCount), report.UngroupedPairs.Count > 0 ? $"duplicate pairs ({N(report.UngroupedPairs.Count)} outside groups)" : "duplicate pairs");
        Card(html, "persons", N(report.Persons.Count), "persons");
        Card(html, "rejected", N(report.Rejected.Count), "without a usable face");
        Card(html, "seconds", F(stats.Seconds, 1), "seconds");
        html.Append("</section>\n");
    }

    private static void Card(StringBuilder html, string key, string value, string label) =>
        html.Append("<div class=\"card\" data-key=\"").Append(key).Append("\"><div class=\"value\">").Append(value)
            .Append("</div><div class=\"label\">").Append(E(label)).Append("</div></div>\n");

    /// <summary>The histogram, from <paramref name="source"/>: a data URI in a one-file report, the PNG's file name in a paged one.</summary>
    public static void Histogram(StringBuilder html, DedupReport report, string source)
    {
        html.Append("<section id=\"histogram\">\n<h2>Match scores</h2>\n<div class=\"panel\"><img class=\"chart\" alt=\"Histogram of match scores")
            .Append(report.Statistics.Threshold is double t ? $" with the threshold {F(t, 3)} marked" : "")
            .Append("\" src=\"").Append(E(source)).Append("\"></div>\n</section>\n");
    }

    public static void Groups(StringBuilder html, DedupReport report, SectionPage page, IThumbnailMarkup thumbnails)
    {
        SectionStart(html, page, "group-count", "Duplicate groups");
        if (report.Groups.Count == 0)
            html.Append("<p class=\"empty\">No duplicates found.</p>\n");
        for (int g = page.First; g < page.First + page.Count; g++)
        {
            var group = report.Groups[g];
            var paths = group.Members.Select(m => ReportPaths.Relative(report.ScannedRoot, m.Path)).ToList();
            var best = group.Pairs.Count > 0 ? group.Pairs.Max(p => p.Score) : (double?)null;
            html.Append("<article class=\"panel group\" id=\"group-").Append(g + 1).Append("\" data-group=\"").Append(g + 1)
                .Append("\" data-members=\"").Append(group.Members.Count).Append("\">\n<h3>Group ").Append(g + 1).Append(" · ")
                .Append(group.Members.Count).Append(" images").Append(best is double b ? $" · best score {F(b, 3)}" : "").Append("</h3>\n");
            html.Append("<div class=\"members\">\n");
            var support = group.Support();
            for (int m = 0; m < Math.Min(group.Members.Count, DedupReportWriter.MaxMembersPerGroup); m++)
                Figure(html, thumbnails, group.Members[m].Thumbnail, paths[m], page.Depth, Why(support[m], paths, group.Members.Count), group.Members[m].Quality);
            html.Append("</div>\n");
            if (group.Members.Count > DedupReportWriter.MaxMembersPerGroup)
                html.Append("<p class=\"more\">").Append(N(group.Members.Count - DedupReportWriter.MaxMembersPerGroup))
                    .Append(" more images of this group are listed in <code>findings.csv</code>.</p>\n");
            if (group.Pairs.Count > 0)
            {
                html.Append("<div class=\"pairs\">\n");
                foreach (var pair in ShownPairs(group))
                {
                    html.Append("<div class=\"pair\">");
                    Figure(html, thumbnails, group.Members[pair.A].Thumbnail, paths[pair.A], page.Depth, quality: group.Members[pair.A].Quality);
                    html.Append("<div class=\"score\">");
                    if (pair.Probability is double p)
                        html.Append(E(Percent(p))).Append("<small>match probability</small><small>score ").Append(F(pair.Score, 3)).Append("</small>");
                    else
                        html.Append(F(pair.Score, 3)).Append("<small>match score</small>");
                    html.Append("</div>");
                    Figure(html, thumbnails, group.Members[pair.B].Thumbnail, paths[pair.B], page.Depth, quality: group.Members[pair.B].Quality);
                    html.Append("</div>\n");
                }
                html.Append("</div>\n");
                if (group.Pairs.Count > DedupReportWriter.MaxPairsPerGroup)
                    html.Append("<p class=\"more\">").Append(N(group.Pairs.Count - DedupReportWriter.MaxPairsPerGroup))
                        .Append(" weaker pairs of this group are listed in <code>findings.csv</code>.</p>\n");
            }
            html.Append("</article>\n");
        }
        SectionEnd(html, page, "Duplicate groups");
    }

    /// <summary>The pairs a group shows, best first.</summary>
    public static IEnumerable<DuplicatePair> ShownPairs(DuplicateGroup group) =>
        group.Pairs.OrderByDescending(p => p.Score).Take(DedupReportWriter.MaxPairsPerGroup);

    /// <summary>Every image a group shows: its first members, then those its shown pairs name.</summary>
    public static IEnumerable<ReportImage> ShownImages(DuplicateGroup group) =>
        group.Members.Take(DedupReportWriter.MaxMembersPerGroup)
            .Concat(ShownPairs(group).SelectMany(p => new[] { group.Members[p.A], group.Members[p.B] }));

    private static void Figure(StringBuilder html, IThumbnailMarkup thumbnails, ReportThumbnail? thumbnail, string path, int depth, string? why = null, float? quality = null)
    {
        html.Append("<figure>").Append(thumbnails.Box(thumbnail, path, depth)).Append("<figcaption class=\"path\">").Append(E(path));
        if (quality is float q)
            html.Append("<br><span class=\"quality\">quality ").Append(q.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)).Append("</span>");
        if (why is not null)
            html.Append("<small class=\"why\">").Append(E(why)).Append("</small>");
        html.Append("</figcaption></figure>\n");
    }

    /// <summary>Why a member is in its group, for a reviewer: its best match inside it and how many members it matches.</summary>
    internal static string Why(MemberSupport support, IReadOnlyList<string> paths, int memberCount)
    {
        if (support.BestMatch is not int best)
            return "no direct match in this group";
        var strength = support.Probability is double p ? $"{Percent(p)} match" : $"score {F(support.Score!.Value, 3)}";
        return $"best match {Path.GetFileName(paths[best])} ({strength}); matches {support.Matches} of {memberCount - 1}";
    }

    /// <summary>A probability as a reviewer reads it: whole percent, with "&gt;99.9 %" rather than a rounded 100.</summary>
    internal static string Percent(double p) =>
        p >= 0.9995 ? ">99.9 %" : p < 0.001 ? "<0.1 %" : (p * 100).ToString(p >= 0.995 || p < 0.01 ? "0.0" : "0", System.Globalization.CultureInfo.InvariantCulture) + " %";

    public static void Persons(StringBuilder html, DedupReport report, SectionPage page, IThumbnailMarkup thumbnails)
    {
        SectionStart(html, page, "person-count", "Persons");
        if (report.Persons.Count == 0)
            html.Append("<p class=\"empty\">No persons were clustered in this run.</p>\n");
        else
        {
            html.Append("<div class=\"persons\">\n");
            for (int p = page.First; p < page.First + page.Count; p++)
            {
                var person = report.Persons[p];
                html.Append("<div class=\"panel person\"><h3>").Append(E(person.Label)).Append(" · ").Append(N(person.FaceCount))
                    .Append(person.FaceCount == 1 ? " face" : " faces").Append("</h3><div class=\"faces\">");
                foreach (var face in person.Faces.Take(DedupReportWriter.MaxFacesPerPerson))
                    html.Append(thumbnails.Box(face.Thumbnail, ReportPaths.Relative(report.ScannedRoot, face.Path), page.Depth));
                html.Append("</div></div>\n");
            }
            html.Append("</div>\n");
        }
        SectionEnd(html, page, "Persons");
    }

    /// <summary>Images without a usable face; <paramref name="sorted"/> is <see cref="DedupReport.Rejected"/> in display order.</summary>
    public static void Rejected(StringBuilder html, DedupReport report, IReadOnlyList<RejectedImage> sorted, SectionPage page)
    {
        SectionStart(html, page, "rejected-count", "Images without a usable face");
        var reasonCounts = report.Statistics.ReasonCounts.Where(kv => kv.Key != "ok" && kv.Value > 0).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        if (reasonCounts.Count > 0 && page.InIndex)
        {
            html.Append("<p class=\"chips\">");
            foreach (var (code, count) in reasonCounts)
                html.Append("<span data-reason=\"").Append(E(code)).Append("\"><code>").Append(E(code)).Append("</code> ").Append(N(count)).Append("</span>");
            html.Append("</p>\n");
        }
        if (sorted.Count == 0)
            html.Append("<p class=\"empty\">Every image had a usable face.</p>\n");
        else
        {
            html.Append("<table>\n<thead><tr><th>Image</th><th>Reason</th><th>Detail</th></tr></thead>\n<tbody>\n");
            for (int r = page.First; r < page.First + page.Count; r++)
            {
                var image = sorted[r];
                html.Append("<tr><td class=\"path\">").Append(E(ReportPaths.Relative(report.ScannedRoot, image.Path))).Append("</td><td><code>")
                    .Append(E(image.ReasonCode)).Append("</code></td><td>").Append(E(image.Detail)).Append("</td></tr>\n");
            }
            html.Append("</tbody>\n</table>\n");
        }
        SectionEnd(html, page, "Images without a usable face");
    }

    public const string UngroupedTitle = "Pairs no group holds together";

    /// <summary>Pairs above the threshold that the grouping kept apart, strongest first; each names the groups its
    /// images are in, so a reviewer sees which groups a pair would bridge. <paramref name="sorted"/> is
    /// <see cref="DedupReport.UngroupedPairs"/> in display order.</summary>
    public static void UngroupedPairs(StringBuilder html, DedupReport report, IReadOnlyList<UngroupedPair> sorted, SectionPage page)
    {
        if (sorted.Count == 0)
            return;
        SectionStart(html, page, "ungrouped-count", UngroupedTitle);
        if (page.InIndex)
            html.Append("<p class=\"note\">These images match above the threshold, but joining them would put faces in one group that do not match ")
                .Append("each other well enough on average")
                .Append(report.Statistics.GroupCutProbability is double p ? $" (a group asks for a mean match probability of {F(p, 2)})" : "")
                .Append(". Review each pair on its own.</p>\n");
        var groupOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int g = 0; g < report.Groups.Count; g++)
            foreach (var member in report.Groups[g].Members)
                groupOf.TryAdd(member.Path, g + 1);
        string Where(string path) => groupOf.TryGetValue(path, out var g) ? $"group {g}" : "no group";
        html.Append("<table>\n<thead><tr><th>Image</th><th>Image</th><th>Score</th><th>Probability</th><th>Groups</th></tr></thead>\n<tbody>\n");
        for (int r = page.First; r < page.First + page.Count; r++)
        {
            var pair = sorted[r];
            html.Append("<tr class=\"ungrouped\"><td class=\"path\">").Append(E(ReportPaths.Relative(report.ScannedRoot, pair.ImageA)))
                .Append("</td><td class=\"path\">").Append(E(ReportPaths.Relative(report.ScannedRoot, pair.ImageB)))
                .Append("</td><td>").Append(F(pair.Score, 3)).Append("</td><td>").Append(pair.Probability is double p ? F(p, 2) : "")
                .Append("</td><td>").Append(E(Where(pair.ImageA))).Append(" · ").Append(E(Where(pair.ImageB))).Append("</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
        SectionEnd(html, page, UngroupedTitle);
    }

    public static IReadOnlyList<UngroupedPair> UngroupedInDisplayOrder(DedupReport report) =>
        report.UngroupedPairs.OrderByDescending(p => p.Score).ThenBy(p => p.ImageA, StringComparer.Ordinal).ThenBy(p => p.ImageB, StringComparer.Ordinal).ToList();

    public static IReadOnlyList<RejectedImage> RejectedInDisplayOrder(DedupReport report) =>
        report.Rejected.OrderBy(r => r.ReasonCode, StringComparer.Ordinal).ThenBy(r => r.Path, StringComparer.Ordinal).ToList();

    private static void SectionStart(StringBuilder html, SectionPage page, string countAttribute, string title)
    {
        html.Append("<section id=\"").Append(SectionPages.Slug(page.Section)).Append("\" data-").Append(countAttribute).Append("=\"").Append(page.Total)
            .Append("\" data-page=\"").Append(page.Number).Append("\" data-page-count=\"").Append(page.PageCount).Append("\">\n<h2>")
            .Append(E(title)).Append(" (").Append(N(page.Total)).Append(")");
        if (page.PageCount > 1)
            html.Append(" <small>").Append(N(page.First + 1)).Append('–').Append(N(page.First + page.Count)).Append("</small>");
        html.Append("</h2>\n");
        Pager(html, page, title);
    }

    private static void SectionEnd(StringBuilder html, SectionPage page, string title)
    {
        Pager(html, page, title);
        html.Append("</section>\n");
    }

    /// <summary>Links to the neighbouring pages and to a window of page numbers around this one (plus the
    /// first and last), so the links stay a few hundred bytes however many pages there are.</summary>
    private static void Pager(StringBuilder html, SectionPage page, string title)
    {
        if (page.PageCount < 2)
            return;
        const int Around = 3;
        html.Append("<nav class=\"pager\" aria-label=\"").Append(E(title)).Append(" pages\">");
        if (page.Number > 1)
            html.Append("<a rel=\"prev\" href=\"").Append(page.Href(page.Number - 1)).Append("\">‹ previous</a>");
        int last = 0;
        foreach (var n in new[] { 1, page.PageCount }.Concat(Enumerable.Range(page.Number - Around, 2 * Around + 1))
                     .Where(n => n >= 1 && n <= page.PageCount).Distinct().Order())
        {
            if (n > last + 1)
                html.Append("<span class=\"gap\">…</span>");
            if (n == page.Number)
                html.Append("<span aria-current=\"page\">").Append(n).Append("</span>");
            else
                html.Append("<a href=\"").Append(page.Href(n)).Append("\">").Append(n).Append("</a>");
            last = n;
        }
        if (page.Number < page.PageCount)
            html.Append("<a rel=\"next\" href=\"").Append(page.Href(page.Number + 1)).Append("\">next ›</a>");
        html.Append("</nav>\n");
    }
}
