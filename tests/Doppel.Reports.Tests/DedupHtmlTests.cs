using System.Text.RegularExpressions;
using Doppel.Reports.Charts;
using Doppel.Reports.Dedup;
using Doppel.Testing;

namespace Doppel.Reports.Tests;

/// <summary>The HTML report built from real LFW photos, rendered by a real browser.</summary>
public class DedupHtmlTests
{
    private static (DedupReport Report, string Root, string[] GroupOne, string[] GroupTwo) RealReport()
    {
        var root = SharedData.Require("data/lfw-dev/images");
        string[] Photos(string person) => Directory.GetFiles(Path.Combine(root, person), "*.jpg").Order(StringComparer.Ordinal).ToArray();
        var one = Photos("Aaron_Peirsol").Take(3).ToArray();
        var two = Photos("Abdullah_Gul").Take(2).ToArray();
        var extra = Photos("Abel_Pacheco");
        one.Length.ShouldBe(3);
        two.Length.ShouldBe(2);

        var notAnImage = Path.Combine(RepoPaths.NewTempDir("doppel-report-input"), "notes.jpg");
        File.WriteAllText(notAnImage, "not a JPEG at all");
        var random = new Random(7);
        var histogram = ChartRenderer.Render(new Histogram("Match scores", "best face similarity per image pair",
            [new HistogramSeries("image pairs", Enumerable.Range(0, 3000).Select(_ => Math.Clamp(0.55 + 0.12 * (random.NextDouble() + random.NextDouble() - 1), 0, 1)).Concat([0.95, 0.97, 0.96, 0.94]).ToList())],
            Bins: 60, Min: 0.3, Max: 1, Threshold: 0.93));

        var report = new DedupReport(
            root,
            [
                new DuplicateGroup(one.Select(p => new ReportImage(p, ReportThumbnail.FromFile(p))).ToList(),
                    [new DuplicatePair(0, 1, 0.962), new DuplicatePair(1, 2, 0.948), new DuplicatePair(0, 2, 0.955)]),
                new DuplicateGroup(two.Select(p => new ReportImage(p, ReportThumbnail.FromBytes(File.ReadAllBytes(p)))).ToList(),
                    [new DuplicatePair(0, 1, 0.971)]),
            ],
            [
                new PersonEntry("Aaron Peirsol", 4, one.Select(p => new ReportImage(p, ReportThumbnail.FromFile(p))).ToList()),
                new PersonEntry("Abel Pacheco", extra.Length, extra.Select(p => new ReportImage(p, ReportThumbnail.FromFile(p))).ToList()),
                new PersonEntry("Person 3", 2, [new ReportImage(notAnImage, ReportThumbnail.FromFile(notAnImage)), new ReportImage("missing.jpg")]),
            ],
            [new RejectedImage(notAnImage, "unreadable", "not a JPEG at all"), new RejectedImage(Path.Combine(root, "nobody.png"), "no_face")],
            new DedupRunStatistics(3095, 3071, 84.2, new Dictionary<string, int> { ["ok"] = 3060, ["no_face"] = 20, ["several_faces"] = 14, ["unreadable"] = 1 },
                "blazeface-back", "dlib-resnet29", 0.93),
            histogram,
            new DateTimeOffset(2026, 11, 23, 19, 0, 0, TimeSpan.Zero),
            "LFW dev duplicate report");
        return (report, root, one, two);
    }

    [Fact]
    public void Each_member_shows_its_best_match_inside_its_group_and_pairs_show_their_probability()
    {
        var (report, _, one, _) = RealReport();
        var group = report.Groups[0] with
        {
            Pairs = [new DuplicatePair(0, 1, 0.962, 0.9996), new DuplicatePair(1, 2, 0.948, 0.62), new DuplicatePair(0, 2, 0.955, 0.9)],
        };
        var html = File.ReadAllText(DedupReportWriter.Write(report with { Groups = [group] }, RepoPaths.NewTempDir("doppel-report-why")).IndexHtml);
        html.ShouldContain("&gt;99.9 %<small>match probability</small><small>score 0.962</small>");
        html.ShouldContain("62 %<small>match probability</small>");
        // Members 0 and 1 are each other's best match; member 2's best is member 0 (0.955 beats 0.948).
        html.ShouldContain($"best match {Path.GetFileName(one[1])} (&gt;99.9 % match); matches 2 of 2");
        html.ShouldContain($"best match {Path.GetFileName(one[0])} (90 % match); matches 2 of 2");
        group.Support().Select(s => s.BestMatch).ShouldBe([1, 0, 0]);
    }

    [Fact]
    public void HtmlIsSelfContainedAndEmbedsEachThumbnailOnce()
    {
        var (report, _, _, _) = RealReport();
        var files = DedupReportWriter.Write(report, RepoPaths.NewTempDir("doppel-report"));
        var html = File.ReadAllText(files.IndexHtml);

        Regex.IsMatch(html, @"(src|href)\s*=\s*""(https?:)?//", RegexOptions.IgnoreCase).ShouldBeFalse();
        html.ShouldNotContain("url(http", Case.Insensitive);
        // 3 + 2 group photos + 3 more of Abel Pacheco, each embedded once although shown up to three times.
        Regex.Matches(html, @"\.t\d+\{background-image:url\(data:image/jpeg;base64,").Count.ShouldBe(5 + Directory.GetFiles(Path.GetDirectoryName(report.Persons[1].Faces[0].Path)!).Length);
        html.ShouldContain("preview unreadable");
        html.ShouldContain("no preview");
        File.Exists(files.ScoreHistogramPng).ShouldBeTrue();
    }

    [Fact]
    public void BrowserRendersTheReportWithGroupsPathsAndPictures()
    {
        HeadlessChromium.Require();
        var (report, _, one, two) = RealReport();
        var dir = RepoPaths.NewTempDir("doppel-report");
        var files = DedupReportWriter.Write(report, dir);

        var dom = HeadlessChromium.DumpDom(files.IndexHtml);
        dom.ShouldContain("data-group-count=\"2\"");
        Regex.Matches(dom, "<article class=\"panel group\"").Count.ShouldBe(2);
        Regex.Matches(dom, "<div class=\"pair\">").Count.ShouldBe(4);
        foreach (var path in one.Concat(two))
            dom.ShouldContain($"{Path.GetFileName(Path.GetDirectoryName(path))}/{Path.GetFileName(path)}</figcaption>");
        dom.ShouldContain("data-person-count=\"3\"");
        dom.ShouldContain("data-rejected-count=\"2\"");
        dom.ShouldContain("<span data-reason=\"several_faces\"><code>several_faces</code> 14</span>");
        dom.ShouldContain("0.971");

        var screenshot = Path.Combine(dir, "screenshot.png");
        HeadlessChromium.Screenshot(files.IndexHtml, screenshot, 1280, 2000);
        File.Exists(screenshot).ShouldBeTrue();
        using var png = PngImage.Load(screenshot);
        (png.Width, png.Height).ShouldBe((1280, 2000));
        png.LuminanceVariance().ShouldBeGreaterThan(300);
        // Photographs bring thousands of distinct colours; a page of text and flat boxes has a few hundred.
        var colours = new HashSet<uint>();
        for (int y = 0; y < png.Height; y += 2)
            for (int x = 0; x < png.Width; x += 2)
                colours.Add((uint)png[x, y]);
        colours.Count.ShouldBeGreaterThan(3000);
    }
}

/// <summary>A paged report as a reviewer uses it: opened from disk, paged through with its links.</summary>
public class DedupPagedBrowserTests
{
    [Fact]
    public void BrowserFollowsTheNextLinksAndLoadsEveryThumbnailOfEveryPage()
    {
        HeadlessChromium.Require();
        var dir = RepoPaths.NewTempDir("doppel-paged-browser");
        var files = DedupReportWriter.Write(DedupPagingTests.Report(25), Path.Combine(dir, "report"),
            new DedupReportPaging { GroupsPerPage = 10 });
        // The harness opens the index in a frame; on each page it scrolls every thumbnail into view (they
        // load lazily), waits for it, counts those the browser decoded, then clicks "next".
        var harness = Path.Combine(dir, "harness.html");
        File.WriteAllText(harness, """
            <!DOCTYPE html><html><body>
            <iframe id="report" src="report/index.html" width="1280" height="900"></iframe><pre id="result">pending</pre>
            <script>
            const frame = document.getElementById('report');
            const pages = [];
            async function inspect() {
              const doc = frame.contentDocument;
              const thumbs = [...doc.querySelectorAll('img.thumb')];
              for (const img of thumbs) {
                img.scrollIntoView();
                if (!img.complete) await new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done); });
              }
              pages.push({ page: frame.contentWindow.location.pathname.split('/').pop(), groups: doc.querySelectorAll('article.group').length,
                           thumbnails: thumbs.length, decoded: thumbs.filter(img => img.naturalWidth > 0).length,
                           lazy: thumbs.filter(img => img.loading === 'lazy').length });
              const next = doc.querySelector('a[rel=next]');
              if (next && pages.length < 10) next.click();
              else document.getElementById('result').textContent = JSON.stringify(pages);
            }
            frame.addEventListener('load', () => inspect().catch(e => document.getElementById('result').textContent = 'error: ' + e));
            </script></body></html>
            """);

        var dom = HeadlessChromium.DumpDomAfterScripts(harness);

        var result = Regex.Match(dom, "<pre id=\"result\">(.*?)</pre>", RegexOptions.Singleline).Groups[1].Value;
        using var json = System.Text.Json.JsonDocument.Parse(System.Net.WebUtility.HtmlDecode(result));
        var pages = json.RootElement.EnumerateArray().Select(p => (
            Page: p.GetProperty("page").GetString(), Groups: p.GetProperty("groups").GetInt32(), Thumbnails: p.GetProperty("thumbnails").GetInt32(),
            Decoded: p.GetProperty("decoded").GetInt32(), Lazy: p.GetProperty("lazy").GetInt32())).ToList();
        pages.Select(p => p.Page).ShouldBe(["index.html", "groups-0002.html", "groups-0003.html"]);
        pages.Select(p => p.Groups).ShouldBe([10, 10, 5]);
        // Each group of two shows both photos and its one pair (two more); the last group has a third photo and two pairs.
        pages.Select(p => p.Thumbnails).ShouldBe([40, 40, 4 * 4 + 3 + 4]);
        foreach (var page in pages)
        {
            page.Decoded.ShouldBe(page.Thumbnails, page.Page);
            page.Lazy.ShouldBe(page.Thumbnails, page.Page);
        }
    }
}
