using System.Globalization;
using System.Text;
using Doppel.Reports.Html;
using static Doppel.Reports.Html.Html;

namespace Doppel.Reports.Dedup;

/// <summary>The files one dedup report consists of.</summary>
public sealed record DedupReportFiles(string IndexHtml, string FindingsCsv, string SummaryJson, string? ScoreHistogramPng);

/// <summary>
/// Writes the output of <c>doppel dedup --report DIR</c>: <c>index.html</c> (self-contained: thumbnails
/// and the score histogram are embedded, no network resources), <c>findings.csv</c>
/// (<see cref="DedupFindings"/>), <c>summary.json</c> (<see cref="DedupSummary"/>) and the histogram
/// as <c>score-histogram.png</c> when one is given.
/// </summary>
public static class DedupReportWriter
{
    /// <summary>Faces shown per person: enough to judge the cluster, few enough that thousands of persons stay one page.</summary>
    public const int MaxFacesPerPerson = 12;

    public static DedupReportFiles Write(DedupReport report, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        Directory.CreateDirectory(outputDirectory);

        var findings = DedupFindings.Rows(report);
        var files = new DedupReportFiles(
            Path.Combine(outputDirectory, "index.html"),
            Path.Combine(outputDirectory, "findings.csv"),
            Path.Combine(outputDirectory, "summary.json"),
            report.ScoreHistogramPng is null ? null : Path.Combine(outputDirectory, "score-histogram.png"));

        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        File.WriteAllText(files.FindingsCsv, DedupFindings.ToCsv(findings), utf8);
        File.WriteAllText(files.SummaryJson, DedupSummary.ToJson(report, findings.Count), utf8);
        if (files.ScoreHistogramPng is not null)
            File.WriteAllBytes(files.ScoreHistogramPng, report.ScoreHistogramPng!);
        File.WriteAllText(files.IndexHtml, RenderHtml(report, findings.Count), utf8);
        return files;
    }

    public static string RenderHtml(DedupReport report, int pairCount)
    {
        var thumbnails = new ThumbnailSet();
        // Sections first, so the thumbnails they use are known when the style sheet is written.
        var body = new StringBuilder();
        WriteSummary(body, report, pairCount);
        WriteHistogram(body, report);
        WriteGroups(body, report, thumbnails);
        WritePersons(body, report, thumbnails);
        WriteRejected(body, report);

        var page = new StringBuilder(body.Length + 4096);
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(report.Title)).Append("</title>\n<style>\n").Append(BaseCss).Append('\n')
            .Append(thumbnails.StyleRules()).Append("</style>\n</head>\n<body>\n");
        page.Append("<header>\n<h1>").Append(E(report.Title)).Append("</h1>\n<p class=\"meta\">Scanned <code id=\"scanned-root\">")
            .Append(E(report.ScannedRoot)).Append("</code>");
        if (report.CreatedAt is { } created)
            page.Append(" · ").Append(E(created.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)));
        var stats = report.Statistics;
        if (stats.Detector is not null) page.Append(" · detector <code>").Append(E(stats.Detector)).Append("</code>");
        if (stats.Model is not null) page.Append(" · model <code>").Append(E(stats.Model)).Append("</code>");
        if (stats.Threshold is double t) page.Append(" · threshold <code>").Append(F(t, 3)).Append("</code>");
        page.Append("</p>\n<nav><a href=\"#groups\">Duplicate groups</a><a href=\"#persons\">Persons</a><a href=\"#rejected\">Without a usable face</a></nav>\n</header>\n<main>\n")
            .Append(body)
            .Append("</main>\n<footer>Written by Doppel. This page is self-contained: it loads nothing from the network.</footer>\n</body>\n</html>\n");
        return page.ToString();
    }

    private static void WriteSummary(StringBuilder html, DedupReport report, int pairCount)
    {
        var stats = report.Statistics;
        html.Append("<section class=\"cards\" id=\"summary\">\n");
        Card(html, "images", N(stats.Images), "images scanned");
        Card(html, "faces", N(stats.Faces), "faces");
        Card(html, "groups", N(report.Groups.Count), "duplicate groups");
        Card(html, "pairs", N(pairCount), "duplicate pairs");
        Card(html, "persons", N(report.Persons.Count), "persons");
        Card(html, "rejected", N(report.Rejected.Count), "without a usable face");
        Card(html, "seconds", F(stats.Seconds, 1), "seconds");
        html.Append("</section>\n");
    }

    private static void Card(StringBuilder html, string key, string value, string label) =>
        html.Append("<div class=\"card\" data-key=\"").Append(key).Append("\"><div class=\"value\">").Append(value)
            .Append("</div><div class=\"label\">").Append(E(label)).Append("</div></div>\n");

    private static void WriteHistogram(StringBuilder html, DedupReport report)
    {
        if (report.ScoreHistogramPng is null)
            return;
        html.Append("<section id=\"histogram\">\n<h2>Match scores</h2>\n<div class=\"panel\"><img class=\"chart\" alt=\"Histogram of match scores")
            .Append(report.Statistics.Threshold is double t ? $" with the threshold {F(t, 3)} marked" : "")
            .Append("\" src=\"").Append(PngDataUri(report.ScoreHistogramPng)).Append("\"></div>\n</section>\n");
    }

    private static void WriteGroups(StringBuilder html, DedupReport report, ThumbnailSet thumbnails)
    {
        html.Append("<section id=\"groups\" data-group-count=\"").Append(report.Groups.Count).Append("\">\n<h2>Duplicate groups (")
            .Append(N(report.Groups.Count)).Append(")</h2>\n");
        if (report.Groups.Count == 0)
            html.Append("<p class=\"empty\">No duplicates found.</p>\n");
        for (int g = 0; g < report.Groups.Count; g++)
        {
            var group = report.Groups[g];
            var paths = group.Members.Select(m => ReportPaths.Relative(report.ScannedRoot, m.Path)).ToList();
            var best = group.Pairs.Count > 0 ? group.Pairs.Max(p => p.Score) : (double?)null;
            html.Append("<article class=\"panel group\" id=\"group-").Append(g + 1).Append("\" data-group=\"").Append(g + 1)
                .Append("\" data-members=\"").Append(group.Members.Count).Append("\">\n<h3>Group ").Append(g + 1).Append(" · ")
                .Append(group.Members.Count).Append(" images").Append(best is double b ? $" · best score {F(b, 3)}" : "").Append("</h3>\n");
            html.Append("<div class=\"members\">\n");
            for (int m = 0; m < group.Members.Count; m++)
                Figure(html, thumbnails, group.Members[m].Thumbnail, paths[m]);
            html.Append("</div>\n");
            if (group.Pairs.Count > 0)
            {
                html.Append("<div class=\"pairs\">\n");
                foreach (var pair in group.Pairs.OrderByDescending(p => p.Score))
                {
                    html.Append("<div class=\"pair\">");
                    Figure(html, thumbnails, group.Members[pair.A].Thumbnail, paths[pair.A]);
                    html.Append("<div class=\"score\">").Append(F(pair.Score, 3)).Append("<small>match score</small></div>");
                    Figure(html, thumbnails, group.Members[pair.B].Thumbnail, paths[pair.B]);
                    html.Append("</div>\n");
                }
                html.Append("</div>\n");
            }
            html.Append("</article>\n");
        }
        html.Append("</section>\n");
    }

    private static void Figure(StringBuilder html, ThumbnailSet thumbnails, ReportThumbnail? thumbnail, string path) =>
        html.Append("<figure>").Append(thumbnails.Box(thumbnail, path)).Append("<figcaption class=\"path\">").Append(E(path)).Append("</figcaption></figure>\n");

    private static void WritePersons(StringBuilder html, DedupReport report, ThumbnailSet thumbnails)
    {
        html.Append("<section id=\"persons\" data-person-count=\"").Append(report.Persons.Count).Append("\">\n<h2>Persons (")
            .Append(N(report.Persons.Count)).Append(")</h2>\n");
        if (report.Persons.Count == 0)
        {
            html.Append("<p class=\"empty\">No persons were clustered in this run.</p>\n</section>\n");
            return;
        }
        html.Append("<div class=\"persons\">\n");
        foreach (var person in report.Persons)
        {
            html.Append("<div class=\"panel person\"><h3>").Append(E(person.Label)).Append(" · ").Append(N(person.FaceCount))
                .Append(person.FaceCount == 1 ? " face" : " faces").Append("</h3><div class=\"faces\">");
            foreach (var face in person.Faces.Take(MaxFacesPerPerson))
                html.Append(thumbnails.Box(face.Thumbnail, ReportPaths.Relative(report.ScannedRoot, face.Path)));
            html.Append("</div></div>\n");
        }
        html.Append("</div>\n</section>\n");
    }

    private static void WriteRejected(StringBuilder html, DedupReport report)
    {
        html.Append("<section id=\"rejected\" data-rejected-count=\"").Append(report.Rejected.Count).Append("\">\n<h2>Images without a usable face (")
            .Append(N(report.Rejected.Count)).Append(")</h2>\n");
        var reasonCounts = report.Statistics.ReasonCounts.Where(kv => kv.Key != "ok" && kv.Value > 0).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        if (reasonCounts.Count > 0)
        {
            html.Append("<p class=\"chips\">");
            foreach (var (code, count) in reasonCounts)
                html.Append("<span data-reason=\"").Append(E(code)).Append("\"><code>").Append(E(code)).Append("</code> ").Append(N(count)).Append("</span>");
            html.Append("</p>\n");
        }
        if (report.Rejected.Count == 0)
        {
            html.Append("<p class=\"empty\">Every image had a usable face.</p>\n</section>\n");
            return;
        }
        html.Append("<table>\n<thead><tr><th>Image</th><th>Reason</th><th>Detail</th></tr></thead>\n<tbody>\n");
        foreach (var image in report.Rejected.OrderBy(r => r.ReasonCode, StringComparer.Ordinal).ThenBy(r => r.Path, StringComparer.Ordinal))
            html.Append("<tr><td class=\"path\">").Append(E(ReportPaths.Relative(report.ScannedRoot, image.Path))).Append("</td><td><code>")
                .Append(E(image.ReasonCode)).Append("</code></td><td>").Append(E(image.Detail)).Append("</td></tr>\n");
        html.Append("</tbody>\n</table>\n</section>\n");
    }
}
