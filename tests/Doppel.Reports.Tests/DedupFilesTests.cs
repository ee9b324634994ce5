using Doppel.Reports.Dedup;
using Doppel.Testing;

namespace Doppel.Reports.Tests;

/// <summary>findings.csv and summary.json: exact content, since scripts and the eval harness parse them.</summary>
public class DedupFilesTests
{
    private static DedupReport Synthetic() => new(
        "/data/photos",
        [
            new DuplicateGroup(
                [new ReportImage("/data/photos/a/1.jpg"), new ReportImage("/data/photos/b/2.jpg"), new ReportImage("/data/photos/a/3, copy.jpg")],
                [new DuplicatePair(0, 1, 0.97), new DuplicatePair(1, 2, 0.9512346), new DuplicatePair(2, 0, 0.93)]),
            new DuplicateGroup([new ReportImage("z.jpg"), new ReportImage("/data/photos/y.jpg")], [new DuplicatePair(0, 1, 0.99, 0.98765)]),
        ],
        [new PersonEntry("Person 1", 3, [new ReportImage("/data/photos/a/1.jpg")])],
        [new RejectedImage("/data/photos/wall.png", "no_face"), new RejectedImage("/data/photos/broken.jpg", "unreadable", "truncated JPEG")],
        new DedupRunStatistics(10, 9, 12.3456, new Dictionary<string, int> { ["unreadable"] = 1, ["ok"] = 8, ["no_face"] = 1 },
            "blazeface-back", "dlib-resnet29", 0.93));

    [Fact]
    public void FindingsCsvHasOneRowPerImagePairWithRelativePathsSortedByScore()
    {
        var rows = DedupFindings.Rows(Synthetic());
        DedupFindings.ToCsv(rows).ShouldBe(
            "image_a,image_b,score,probability,group\n" +
            "y.jpg,z.jpg,0.990000,0.9877,2\n" +
            "a/1.jpg,b/2.jpg,0.970000,,1\n" +
            "\"a/3, copy.jpg\",b/2.jpg,0.951235,,1\n" +
            "a/1.jpg,\"a/3, copy.jpg\",0.930000,,1\n");
    }

    /// <summary>A pair the grouping kept apart is still a finding: listed after the grouped pairs with its group
    /// empty, counted in summary.json, and shown in the HTML with the groups its images are in.</summary>
    [Fact]
    public void PairsNoGroupHoldsTogetherAreListedWithAnEmptyGroup()
    {
        var report = Synthetic() with
        {
            UngroupedPairs =
            [
                new UngroupedPair("/data/photos/y.jpg", "/data/photos/b/2.jpg", 0.031, 0.62),
                new UngroupedPair("/data/photos/lone.jpg", "/data/photos/a/1.jpg", 0.0285, 0.47),
                new UngroupedPair("/data/photos/b/2.jpg", "/data/photos/a/1.jpg", 0.5), // already a group's pair: listed once, in its group
            ],
        };
        var rows = DedupFindings.Rows(report);
        DedupFindings.ToCsv(rows).ShouldBe(
            "image_a,image_b,score,probability,group\n" +
            "y.jpg,z.jpg,0.990000,0.9877,2\n" +
            "a/1.jpg,b/2.jpg,0.970000,,1\n" +
            "\"a/3, copy.jpg\",b/2.jpg,0.951235,,1\n" +
            "a/1.jpg,\"a/3, copy.jpg\",0.930000,,1\n" +
            "b/2.jpg,y.jpg,0.031000,0.6200,\n" +
            "a/1.jpg,lone.jpg,0.028500,0.4700,\n");
        var summary = DedupSummary.ToJson(report, rows.Count);
        summary.ShouldContain("\"pairs\": 6,");
        summary.ShouldContain("\"ungrouped_pairs\": 3,");
        var html = DedupReportWriter.RenderHtml(report, rows.Count);
        html.ShouldContain("data-ungrouped-count=\"3\"");
        html.ShouldContain("<td>group 2 · group 1</td>"); // y.jpg is in group 2, b/2.jpg in group 1
        html.ShouldContain("<td>no group · group 1</td>");
        html.ShouldContain("(3 outside groups)");
        DedupReportWriter.RenderHtml(Synthetic(), 4).ShouldNotContain("ungrouped");
    }

    /// <summary>The report says what a group stands for: the mean score its parts joined at and that score's match
    /// probability, in the header, in summary.json and beside the pairs no group holds together.</summary>
    [Fact]
    public void The_group_cut_and_its_probability_are_shown_where_a_reviewer_reads_the_groups()
    {
        var report = Synthetic() with
        {
            Statistics = Synthetic().Statistics with { GroupCut = 0.0405, GroupCutProbability = 0.85123 },
            UngroupedPairs = [new UngroupedPair("/data/photos/lone.jpg", "/data/photos/a/1.jpg", 0.0285, 0.47)],
        };
        var rows = DedupFindings.Rows(report);
        var summary = DedupSummary.ToJson(report, rows.Count);
        summary.ShouldContain("\"group_cut\": 0.0405,");
        summary.ShouldContain("\"group_cut_probability\": 0.8512\n");
        var html = DedupReportWriter.RenderHtml(report, rows.Count);
        html.ShouldContain("groups join at a mean score of <code id=\"group-cut\">0.041</code> (match probability 0.85)");
        html.ShouldContain("(a group asks for a mean match probability of 0.85)");
        var plain = DedupReportWriter.RenderHtml(Synthetic(), 4);
        plain.ShouldNotContain("group-cut");
        DedupSummary.ToJson(Synthetic(), 4).ShouldNotContain("group_cut");
    }

    [Fact]
    public void FileOutsideTheScannedFolderKeepsItsFullPath()
    {
        var report = Synthetic() with
        {
            Groups = [new DuplicateGroup([new ReportImage("/data/photos/sub/p.jpg"), new ReportImage("/elsewhere/q.jpg")], [new DuplicatePair(0, 1, 0.5)])],
        };
        DedupFindings.ToCsv(DedupFindings.Rows(report)).ShouldBe("image_a,image_b,score,probability,group\n/elsewhere/q.jpg,sub/p.jpg,0.500000,,1\n");
    }

    [Fact]
    public void SamePairReachedTwiceIsOneRowAtItsBestScore()
    {
        var report = Synthetic() with
        {
            Groups = [new DuplicateGroup([new ReportImage("p.jpg"), new ReportImage("q.jpg"), new ReportImage("p.jpg")],
                [new DuplicatePair(0, 1, 0.91), new DuplicatePair(2, 1, 0.95)])],
        };
        DedupFindings.ToCsv(DedupFindings.Rows(report)).ShouldBe("image_a,image_b,score,probability,group\np.jpg,q.jpg,0.950000,,1\n");
    }

    [Fact]
    public void SummaryJsonHasExactCounts()
    {
        var report = Synthetic();
        DedupSummary.ToJson(report, DedupFindings.Rows(report).Count).ShouldBe("""
            {
              "images": 10,
              "faces": 9,
              "reasons": {
                "no_face": 1,
                "ok": 8,
                "unreadable": 1
              },
              "pairs": 4,
              "ungrouped_pairs": 0,
              "groups": 2,
              "grouped_images": 5,
              "persons": 1,
              "rejected_images": 2,
              "seconds": 12.346,
              "detector": "blazeface-back",
              "model": "dlib-resnet29",
              "threshold": 0.93
            }

            """.Replace("\r\n", "\n"));
    }

    [Fact]
    public void WriterProducesAllThreeFiles()
    {
        var dir = RepoPaths.NewTempDir("doppel-report");
        var files = DedupReportWriter.Write(Synthetic(), dir);
        File.ReadAllText(files.FindingsCsv).ShouldStartWith("image_a,image_b,score,probability,group\ny.jpg,z.jpg,0.990000,0.9877,2\n");
        File.ReadAllText(files.SummaryJson).ShouldContain("\"groups\": 2");
        File.ReadAllText(files.IndexHtml).ShouldContain("data-group-count=\"2\"");
        files.ScoreHistogramPng.ShouldBeNull();
        File.ReadAllBytes(files.FindingsCsv)[0].ShouldBe((byte)'i'); // no byte-order mark
    }

    [Fact]
    public void BadPairsAreClearErrors()
    {
        var outOfRange = Synthetic() with { Groups = [new DuplicateGroup([new ReportImage("a.jpg"), new ReportImage("b.jpg")], [new DuplicatePair(0, 1, 1.2)])] };
        Should.Throw<ArgumentException>(() => DedupFindings.Rows(outOfRange)).Message.ShouldContain("outside [0, 1]");
        var badIndex = Synthetic() with { Groups = [new DuplicateGroup([new ReportImage("a.jpg"), new ReportImage("b.jpg")], [new DuplicatePair(0, 2, 0.9)])] };
        Should.Throw<ArgumentException>(() => DedupFindings.Rows(badIndex)).Message.ShouldContain("Group 1");
    }

    [Fact]
    public void PersonsShowAtMostAFixedNumberOfFaces()
    {
        var faces = Enumerable.Range(0, 40).Select(i => new ReportImage($"f{i}.jpg")).ToList();
        var html = DedupReportWriter.RenderHtml(Synthetic() with { Persons = [new PersonEntry("Crowd", 40, faces)] }, 0);
        System.Text.RegularExpressions.Regex.Matches(html, "aria-label=\"f\\d+\\.jpg\"").Count.ShouldBe(DedupReportWriter.MaxFacesPerPerson);
        html.ShouldContain("Crowd · 40 faces");
    }

    [Fact]
    public void AHugeGroupShowsAFixedNumberOfImagesAndPairsAndPointsToFindingsForTheRest()
    {
        var members = Enumerable.Range(0, DedupReportWriter.MaxMembersPerGroup + 30).Select(i => new ReportImage($"g{i:D3}.jpg")).ToList();
        var pairs = Enumerable.Range(1, DedupReportWriter.MaxPairsPerGroup + 20).Select(i => new DuplicatePair(0, i, 0.9 + i / 1000.0)).ToList();
        var html = DedupReportWriter.RenderHtml(Synthetic() with { Groups = [new DuplicateGroup(members, pairs)] }, pairs.Count);

        var membersGrid = html[html.IndexOf("<div class=\"members\">", StringComparison.Ordinal)..html.IndexOf("<div class=\"pairs\">", StringComparison.Ordinal)];
        System.Text.RegularExpressions.Regex.Matches(membersGrid, "<figure>").Count.ShouldBe(DedupReportWriter.MaxMembersPerGroup);
        System.Text.RegularExpressions.Regex.Matches(html, "<div class=\"pair\">").Count.ShouldBe(DedupReportWriter.MaxPairsPerGroup);
        html.ShouldContain("30 more images of this group are listed in <code>findings.csv</code>");
        html.ShouldContain("20 weaker pairs of this group are listed in <code>findings.csv</code>");
        // The strongest pairs are the ones shown: with g070 (0.970) down to g021 (0.921), not g020.
        static string PairedWith(string name) => $"</small></div><figure><div class=\"thumb missing\" role=\"img\" aria-label=\"{name}\">";
        html.ShouldContain(PairedWith("g070.jpg"));
        html.ShouldContain(PairedWith("g021.jpg"));
        html.ShouldNotContain(PairedWith("g020.jpg"));
        html.ShouldNotContain("g229.jpg");
    }
}
