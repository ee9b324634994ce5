using System.Text;
using Doppel.Reports.Dedup;
using Doppel.Reports.Html;
using static Doppel.Reports.Html.Html;

namespace Doppel.Reports.Curation;

/// <summary>
/// Writes <c>doppel curate --report DIR</c>: one <c>index.html</c> with the counts per decision, the faces
/// dropped as mislabelled (the decisions a reviewer must check first), then every identity with its kept
/// and dropped faces, each with its reason and quality. Up to <see cref="MaxEmbeddedThumbnails"/> distinct
/// pictures are embedded and the page is self-contained; a larger set writes its thumbnails once under
/// <c>thumbs/</c> beside the page, loaded lazily. Nothing loads from the network, and the folder is
/// replaced as a whole, like the dedup report's (<see cref="ReportFolder"/>).
/// </summary>
public static class CurationReportWriter
{
    /// <summary>The dedup report's limit for one self-contained page.</summary>
    public static int MaxEmbeddedThumbnails => DedupReportPaging.Default.MaxEmbeddedThumbnails;

    /// <summary>Writes the report and returns the path of its <c>index.html</c>.</summary>
    public static string Write(CurationReport report, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory));
        ReportFolder.Replace(target, folder =>
        {
            var thumbnails = report.Faces.Select(f => f.Thumbnail).OfType<ReportThumbnail>().ToList();
            bool embedded = thumbnails.Select(t => (object?)ThumbnailSources.Key(t) ?? t.Bytes!).Distinct().Count() <= MaxEmbeddedThumbnails;
            if (embedded)
            {
                var markup = new EmbeddedThumbnails();
                var body = Body(report, markup);
                File.WriteAllText(Path.Combine(folder, "index.html"), Page(report, body, markup.StyleRules(), selfContained: true), Utf8);
            }
            else
            {
                var markup = new ThumbnailFolder(folder);
                markup.Prepare(thumbnails);
                var body = Body(report, markup);
                File.WriteAllText(Path.Combine(folder, "index.html"), Page(report, body, "", selfContained: false), Utf8);
            }
            return 0;
        });
        return Path.Combine(target, "index.html");
    }

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private static StringBuilder Body(CurationReport report, IThumbnailMarkup thumbnails)
    {
        var html = new StringBuilder();
        var identities = report.Faces.GroupBy(f => f.Identity, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        html.Append("<section class=\"cards\" id=\"summary\">\n");
        Card(html, "photos", report.Faces.Count, "photos");
        Card(html, "identities", identities.Count, "identities");
        Card(html, "kept", report.Faces.Count(f => f.Kept), "kept");
        foreach (var reason in CurationReport.Reasons)
            Card(html, reason, report.Faces.Count(f => !f.Kept && f.Reason == reason), "dropped: " + Label(reason));
        html.Append("</section>\n");

        var mislabelled = report.Faces.Where(f => !f.Kept && f.Reason == "mislabelled").OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        html.Append("<section id=\"mislabelled\">\n<h2>Taken for mislabels <small>").Append(N(mislabelled.Count))
            .Append(" far from their identity's other faces: check these first</small></h2>\n");
        if (mislabelled.Count == 0)
            html.Append("<p class=\"empty\">No face was taken for a mislabel.</p>\n");
        else
        {
            html.Append("<div class=\"members\">\n");
            foreach (var face in mislabelled)
                Figure(html, report, face, thumbnails, $"filed under {face.Identity}");
            html.Append("</div>\n");
        }
        html.Append("</section>\n");

        html.Append("<section id=\"identities\">\n<h2>Identities <small>").Append(N(identities.Count)).Append("</small></h2>\n");
        foreach (var identity in identities)
        {
            var faces = identity.OrderBy(f => f.Kept ? 0 : 1).ThenBy(f => f.Path, StringComparer.Ordinal).ToList();
            int kept = faces.Count(f => f.Kept);
            html.Append("<article class=\"panel identity\" data-identity=\"").Append(E(identity.Key)).Append("\" data-kept=\"").Append(kept)
                .Append("\" data-dropped=\"").Append(faces.Count - kept).Append("\">\n<h3>").Append(E(identity.Key)).Append(" · ")
                .Append(N(kept)).Append(" kept of ").Append(N(faces.Count)).Append("</h3>\n<div class=\"members\">\n");
            foreach (var face in faces)
                Figure(html, report, face, thumbnails, null);
            html.Append("</div>\n</article>\n");
        }
        html.Append("</section>\n");
        return html;
    }

    private static void Card(StringBuilder html, string key, int value, string label) =>
        html.Append("<div class=\"card\" data-key=\"").Append(key).Append("\"><div class=\"value\">").Append(N(value))
            .Append("</div><div class=\"label\">").Append(E(label)).Append("</div></div>\n");

    private static void Figure(StringBuilder html, CurationReport report, CuratedFace face, IThumbnailMarkup thumbnails, string? note)
    {
        var path = ReportPaths.Relative(report.Root, face.Path);
        html.Append("<figure class=\"").Append(face.Kept ? "kept" : "dropped").Append("\" data-reason=\"").Append(E(face.Reason ?? "kept")).Append("\">")
            .Append(thumbnails.Box(face.Thumbnail, path, 0)).Append("<figcaption class=\"path\">").Append(E(path))
            .Append("<small class=\"why decision\">").Append(face.Kept ? "kept" : "dropped: " + E(Label(face.Reason))).Append("</small>");
        if (face.Quality is float q)
            html.Append("<span class=\"quality\">quality ").Append(F(q, 2)).Append("</span>");
        if (note is not null)
            html.Append("<small class=\"why\">").Append(E(note)).Append("</small>");
        html.Append("</figcaption></figure>\n");
    }

    private static string Label(string? reason) => reason switch
    {
        "mislabelled" => "mislabelled",
        "low_quality" => "low quality",
        "no_face" => "no face found",
        "redundant" => "near-copy of a better kept face",
        "surplus" => "beyond --keep",
        _ => reason ?? "",
    };

    private static string Page(CurationReport report, StringBuilder body, string extraCss, bool selfContained)
    {
        const string css = """
            figure.dropped .thumb { opacity: .55; border-color: #c0392b; }
            figure.dropped .decision { color: #c0392b; font-weight: 600; }
            figure.kept .decision { color: #1e7e34; font-weight: 600; }
            .quality { display: block; }
            """;
        var page = new StringBuilder(body.Length + 4096 + extraCss.Length);
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>").Append(E(report.Title))
            .Append("</title>\n<style>\n").Append(BaseCss).Append('\n').Append(css).Append('\n').Append(extraCss).Append("</style>\n</head>\n<body>\n<header>\n<h1>")
            .Append(E(report.Title)).Append("</h1>\n<p class=\"meta\">Curated <code id=\"scanned-root\">").Append(E(report.Root)).Append("</code>");
        foreach (var (label, value) in report.Settings)
            page.Append(" · ").Append(E(label)).Append(" <code>").Append(E(value)).Append("</code>");
        page.Append("</p>\n<nav><a href=\"#summary\">Summary</a><a href=\"#mislabelled\">Mislabels</a><a href=\"#identities\">Identities</a></nav>\n</header>\n<main>\n")
            .Append(body)
            .Append("</main>\n<footer>Written by Doppel. ")
            .Append(selfContained ? "This page is self-contained: it loads nothing from the network." : "This report loads nothing from the network: its thumbnails are files beside this page.")
            .Append("</footer>\n</body>\n</html>\n");
        return page.ToString();
    }
}
