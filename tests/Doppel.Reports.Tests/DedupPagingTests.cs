using System.Text.RegularExpressions;
using Doppel.Reports.Dedup;
using Doppel.Testing;

namespace Doppel.Reports.Tests;

/// <summary>A report too large for one page: split into pages of a fixed number of groups, thumbnails
/// as shared files, re-runs into the same folder replacing what was there.</summary>
public partial class DedupPagingTests
{
    private static readonly DedupReportPaging TenPerPage = new() { GroupsPerPage = 10, PersonsPerPage = 10, RejectedPerPage = 40 };

    /// <summary>The first <paramref name="count"/> LFW people with two or more photos, two photos each.</summary>
    private static List<string[]> PeopleWithTwoPhotos(int count)
    {
        var root = SharedData.Require("data/lfw-dev/images");
        var people = Directory.GetDirectories(root).Order(StringComparer.Ordinal)
            .Select(d => Directory.GetFiles(d, "*.jpg").Order(StringComparer.Ordinal).Take(2).ToArray())
            .Where(photos => photos.Length == 2)
            .Take(count)
            .ToList();
        people.Count.ShouldBe(count);
        return people;
    }

    /// <summary><paramref name="groupCount"/> groups of two photos of one person each; the very first photo
    /// is also shown in the last group, so one picture appears on the first and the last page.</summary>
    internal static DedupReport Report(int groupCount)
    {
        var people = PeopleWithTwoPhotos(groupCount);
        var shared = people[0][0];
        var groups = people.Select((photos, g) =>
        {
            var members = photos.Select(p => new ReportImage(p, ReportThumbnail.FromFile(p))).ToList();
            if (g == groupCount - 1 && g > 0)
                members.Add(new ReportImage(shared, ReportThumbnail.FromFile(shared)));
            var pairs = members.Count == 3
                ? new List<DuplicatePair> { new(0, 1, 0.97), new(1, 2, 0.95) }
                : [new DuplicatePair(0, 1, 0.99 - g * 0.001)];
            return new DuplicateGroup(members, pairs);
        }).ToList();
        return new DedupReport(
            SharedData.Require("data/lfw-dev/images"), groups, [], [],
            new DedupRunStatistics(groupCount * 2, groupCount * 2, 1.5, new Dictionary<string, int> { ["ok"] = groupCount * 2 }, "blazeface-back", "dlib-resnet29", 0.944),
            Title: "Paged report");
    }

    private static int Groups(string html) => Regex.Matches(html, "<article class=\"panel group\"").Count;

    private static IEnumerable<string> ImageSources(string html) => SourceAttribute().Matches(html).Select(m => m.Groups[1].Value);

    [Fact]
    public void GroupsAreSplitIntoPagesOfTheConfiguredSizeLinkedInOrder()
    {
        var dir = RepoPaths.NewTempDir("doppel-paged");
        var files = DedupReportWriter.Write(Report(25), dir, TenPerPage);

        files.IsSingleFile.ShouldBeFalse();
        files.Pages.Select(p => Path.GetRelativePath(dir, p).Replace('\\', '/'))
            .ShouldBe(["index.html", "pages/groups-0002.html", "pages/groups-0003.html"]);
        var pages = files.Pages.Select(File.ReadAllText).ToList();
        pages.Select(Groups).ShouldBe([10, 10, 5]);
        Regex.Matches(pages[2], "data-group=\"(\\d+)\"").Select(m => int.Parse(m.Groups[1].Value)).ShouldBe(Enumerable.Range(21, 5));
        foreach (var page in pages)
        {
            page.ShouldContain("data-group-count=\"25\"");
            page.ShouldNotContain("data:image");
            Regex.IsMatch(page, @"(src|href)\s*=\s*""(https?:)?//", RegexOptions.IgnoreCase).ShouldBeFalse();
        }

        // Following "next" from the index visits every page once, and "previous" leads back.
        var visited = new List<string> { files.IndexHtml };
        for (var next = Link(files.IndexHtml, "next"); next is not null; next = Link(next, "next"))
            visited.Add(next);
        visited.ShouldBe(files.Pages);
        Link(files.Pages[2], "prev").ShouldBe(files.Pages[1]);
        Link(files.Pages[1], "prev").ShouldBe(files.IndexHtml);
        // Only the index holds the summary; the histogram is the PNG beside it, not embedded.
        pages[0].ShouldContain("id=\"summary\"");
        pages[1].ShouldNotContain("id=\"summary\"");
        File.ReadAllLines(files.FindingsCsv).Length.ShouldBe(1 + 24 + 2);
    }

    /// <summary>The page a rel="next"/"prev" link leads to (its #fragment dropped), or null when there is none.</summary>
    private static string? Link(string page, string rel)
    {
        var match = Regex.Match(File.ReadAllText(page), $"<a rel=\"{rel}\" href=\"([^\"#]*)");
        if (!match.Success)
            return null;
        var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, match.Groups[1].Value));
        File.Exists(target).ShouldBeTrue(target);
        return target;
    }

    [Fact]
    public void EveryThumbnailIsAnExistingFileAndAPictureOnSeveralPagesIsOneFile()
    {
        var dir = RepoPaths.NewTempDir("doppel-paged");
        var report = Report(25);
        var files = DedupReportWriter.Write(report, dir, TenPerPage);

        var resolved = new Dictionary<string, HashSet<string>>(); // thumbnail file -> pages showing it
        foreach (var page in files.Pages)
        {
            var html = File.ReadAllText(page);
            Regex.Matches(html, "<img class=\"thumb\"[^>]*loading=\"lazy\"").Count.ShouldBe(ImageSources(html).Count(s => s.Contains("thumbs/")));
            foreach (var source in ImageSources(html).Where(s => s.Contains("thumbs/")))
            {
                var file = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, source));
                File.Exists(file).ShouldBeTrue($"{source} in {page}");
                if (!resolved.TryGetValue(file, out var shownOn))
                    resolved[file] = shownOn = [];
                shownOn.Add(page);
            }
        }
        // 25 people × 2 photos; the shared photo is one file although it is on the first and the last page.
        Directory.GetFiles(files.ThumbnailDirectory!).Length.ShouldBe(50);
        resolved.Count.ShouldBe(50);
        resolved.Values.Count(pages => pages.Count == 2).ShouldBe(1);
        resolved.Single(kv => kv.Value.Count == 2).Value.ShouldBe([files.Pages[0], files.Pages[2]], ignoreOrder: true);
        using var thumbnail = PngImage.Load(resolved.Keys.First());
        (thumbnail.Width, thumbnail.Height).ShouldBe((160, 160)); // LFW photos are 250×250
    }

    [Fact]
    public void ARerunWithFewerGroupsRemovesThePagesAndThumbnailsItNoLongerShows()
    {
        var dir = RepoPaths.NewTempDir("doppel-paged");
        var first = DedupReportWriter.Write(Report(25), dir, TenPerPage);
        var keptThumbnail = Directory.GetFiles(first.ThumbnailDirectory!).Order(StringComparer.Ordinal).ToList();
        var written = keptThumbnail.ToDictionary(f => f, File.GetLastWriteTimeUtc);
        File.WriteAllText(Path.Combine(dir, "pages", "groups-0009.html.tmp-0123456789abcdef0123456789abcdef"), "left by a killed run");

        var second = DedupReportWriter.Write(Report(12), dir, TenPerPage);

        second.Pages.Select(Path.GetFileName).ShouldBe(["index.html", "groups-0002.html"]);
        Directory.GetFiles(Path.Combine(dir, "pages")).Select(Path.GetFileName).ShouldBe(["groups-0002.html"]);
        Groups(File.ReadAllText(second.Pages[1])).ShouldBe(2);
        // 12 people × 2 photos; the shared photo is among them. Files the first run made are reused as they are.
        var thumbnails = Directory.GetFiles(second.ThumbnailDirectory!);
        thumbnails.Length.ShouldBe(24);
        foreach (var file in thumbnails)
            File.GetLastWriteTimeUtc(file).ShouldBe(written[file]);

        var small = DedupReportWriter.Write(Report(3), dir, TenPerPage);

        small.IsSingleFile.ShouldBeTrue();
        Directory.Exists(Path.Combine(dir, "pages")).ShouldBeFalse();
        Directory.Exists(Path.Combine(dir, "thumbs")).ShouldBeFalse();
        File.ReadAllText(small.IndexHtml).ShouldContain("data:image/jpeg;base64,");
        Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .ShouldBe(["findings.csv", "index.html", "summary.json"]);
    }

    [Fact]
    public void ASmallReportIsOneSelfContainedFileUnlessItShowsTooManyPictures()
    {
        var dir = RepoPaths.NewTempDir("doppel-paged");
        var files = DedupReportWriter.Write(Report(10), dir, TenPerPage);

        files.IsSingleFile.ShouldBeTrue();
        files.Pages.ShouldBe([files.IndexHtml]);
        var html = File.ReadAllText(files.IndexHtml);
        Groups(html).ShouldBe(10);
        ImageSources(html).ShouldBeEmpty(); // every picture is a CSS data URI
        Regex.Matches(html, @"\.t\d+\{background-image:url\(data:image/jpeg;base64,").Count.ShouldBe(20);
        html.ShouldNotContain("class=\"pager\"");

        var crowded = DedupReportWriter.Write(Report(10), RepoPaths.NewTempDir("doppel-paged"), TenPerPage with { MaxEmbeddedThumbnails = 19 });
        crowded.IsSingleFile.ShouldBeFalse();
        crowded.Pages.Count.ShouldBe(1);
        Directory.GetFiles(crowded.ThumbnailDirectory!).Length.ShouldBe(20);
    }

    [Fact]
    public void DrawnThumbnailsAreDrawnOnceAndNotAtAllWhenTheFolderHasThem()
    {
        var photos = PeopleWithTwoPhotos(15);
        int draws = 0;
        ReportThumbnail Drawn(string photo) => ReportThumbnail.Rendered("photo " + Path.GetFileName(photo), () =>
        {
            Interlocked.Increment(ref draws);
            return File.ReadAllBytes(photo);
        });
        // The first photo is shown by every group, so on every page.
        var groups = photos.Select(p => new DuplicateGroup(
            [new ReportImage(p[0], Drawn(p[0])), new ReportImage(p[1], Drawn(p[1])), new ReportImage(photos[0][0], Drawn(photos[0][0]))],
            [new DuplicatePair(0, 1, 0.96), new DuplicatePair(1, 2, 0.95)])).ToList();
        var report = Report(1) with { Groups = groups };
        var dir = RepoPaths.NewTempDir("doppel-paged");

        var files = DedupReportWriter.Write(report, dir, TenPerPage with { GroupsPerPage = 5 });
        files.Pages.Count.ShouldBe(3);
        draws.ShouldBe(30); // 15 × 2 photos; the first one, shown 16 times, drawn once
        Directory.GetFiles(files.ThumbnailDirectory!).Length.ShouldBe(30);

        DedupReportWriter.Write(report, dir, TenPerPage with { GroupsPerPage = 5 });
        draws.ShouldBe(30);
    }

    [Fact]
    public void PersonsAndRejectedImagesArePagedTheSameWay()
    {
        var photos = PeopleWithTwoPhotos(23);
        var root = SharedData.Require("data/lfw-dev/images");
        var persons = photos.Select((p, i) => new PersonEntry($"Person {i + 1}", 2, p.Select(f => new ReportImage(f, ReportThumbnail.FromFile(f))).ToList())).ToList();
        var rejected = Enumerable.Range(0, 90).Select(i => new RejectedImage(Path.Combine(root, $"scan-{i:D3}.png"), i % 3 == 0 ? "unreadable" : "no_face")).ToList();
        var report = Report(4) with { Persons = persons, Rejected = rejected };
        var dir = RepoPaths.NewTempDir("doppel-paged");

        var files = DedupReportWriter.Write(report, dir, TenPerPage);

        files.Pages.Select(Path.GetFileName).ShouldBe(
            ["index.html", "persons-0002.html", "persons-0003.html", "rejected-0002.html", "rejected-0003.html"]);
        var pages = files.Pages.Select(File.ReadAllText).ToList();
        pages.Select(p => Regex.Matches(p, "<div class=\"panel person\">").Count).ShouldBe([10, 10, 3, 0, 0]);
        pages.Select(p => Regex.Matches(p, "<tr><td class=\"path\">").Count).ShouldBe([40, 0, 0, 40, 10]);
        Groups(pages[0]).ShouldBe(4);
        // Rows go by reason, then path, across pages: the 30 unreadable ones last.
        pages[4].ShouldContain("<td class=\"path\">scan-087.png</td><td><code>unreadable</code>");
        pages[3].ShouldContain("<td class=\"path\">scan-000.png</td><td><code>unreadable</code>");
        Regex.Matches(pages[2], "<img class=\"thumb\" src=\"\\.\\./thumbs/").Count.ShouldBe(6);
    }

    [Fact]
    public void PagesMustHoldAtLeastOneEntry()
    {
        var dir = RepoPaths.NewTempDir("doppel-paged");
        Should.Throw<ArgumentException>(() => DedupReportWriter.Write(Report(2), dir, new DedupReportPaging { GroupsPerPage = 0 }))
            .Message.ShouldContain("at least one");
    }

    [GeneratedRegex("<img [^>]*src=\"([^\"]+)\"")]
    private static partial Regex SourceAttribute();
}
