using System.Text.Json;
using Doppel.Models;
using Doppel.Storage;
using Doppel.Testing;
using Doppel.Vision.Embedding;

namespace Doppel.Cli.Tests;

/// <summary><c>doppel dedup</c> as a user runs it: a real process, real photos, a real database.</summary>
public class DedupCommandTests
{
    /// <summary>The first images of LFW dev in name order (many people with several photos among them).</summary>
    private static string MakeCorpus(int count)
    {
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var dir = RepoPaths.NewTempDir("doppel-cli-dedup");
        var photos = Path.Combine(dir, "photos");
        foreach (var file in Directory.EnumerateFiles(lfw, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(count))
        {
            var target = Path.Combine(photos, Path.GetRelativePath(lfw, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        File.WriteAllBytes(Path.Combine(photos, "truncated.jpg"), File.ReadAllBytes(Directory.GetFiles(photos, "*.jpg", SearchOption.AllDirectories)[0])[..600]);
        return dir;
    }

    [Fact]
    public void WritesReportFilesAndASecondRunDoesNoInference()
    {
        var dir = MakeCorpus(60);
        var first = DoppelProcess.Run(dir, "dedup", "photos", "--db", "cat.db", "--report", "report");
        first.ExitCode.ShouldBe(0, first.Error);
        first.Output.ShouldContain("processed this run: 61");

        var csv = File.ReadAllLines(Path.Combine(dir, "report", "findings.csv"));
        csv[0].ShouldBe("image_a,image_b,score,probability,group");
        csv.Length.ShouldBeGreaterThan(1);
        bool apart = false;
        int ungrouped = 0;
        foreach (var row in csv.Skip(1))
        {
            var cells = row.Split(',');
            File.Exists(Path.Combine(dir, "photos", cells[0])).ShouldBeTrue(cells[0]);
            double.Parse(cells[2], System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(0, 1);
            double.Parse(cells[3], System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(0, 1); // the default profile is calibrated
            // A group number, or empty for a pair no group holds together: those come after every grouped pair.
            if (cells[4].Length == 0)
            {
                apart = true;
                ungrouped++;
            }
            else
            {
                apart.ShouldBeFalse("grouped pairs come before the pairs no group holds together");
                int.Parse(cells[4], System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(1);
            }
        }
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report", "summary.json"))))
        {
            summary.RootElement.GetRawText().ShouldContain("unreadable");
            summary.RootElement.GetProperty("pairs").GetInt32().ShouldBe(csv.Length - 1);
            summary.RootElement.GetProperty("ungrouped_pairs").GetInt32().ShouldBe(ungrouped);
            // Average linkage (the default) on the default profile: groups join at p 0.8 in a set this small.
            summary.RootElement.GetProperty("group_cut_probability").GetDouble().ShouldBe(RecognitionProfiles.DefaultGroupMinProbability, 1e-3);
            summary.RootElement.GetProperty("group_cut").GetDouble().ShouldBe(RecognitionProfiles.LicenceCleanFusion.GroupCut(RecognitionProfiles.LicenceCleanFusion.DedupThreshold), 1e-6);
        }
        var html = File.ReadAllText(Path.Combine(dir, "report", "index.html"));
        html.ShouldContain("truncated.jpg");
        html.ShouldContain("match probability");
        html.ShouldContain("best match "); // why each member is in its group

        Directory.Exists(Path.Combine(dir, "report", "pages")).ShouldBeFalse(); // a few groups: one self-contained page
        Directory.Exists(Path.Combine(dir, "report", "thumbs")).ShouldBeFalse();

        var second = DoppelProcess.Run(dir, "dedup", "photos", "--db", "cat.db", "--report", "report2", "--report-page-size", "2");
        second.ExitCode.ShouldBe(0, second.Error);
        second.Output.ShouldContain("processed this run: 0");
        File.ReadAllText(Path.Combine(dir, "report2", "findings.csv")).ShouldBe(string.Join('\n', csv) + "\n");
        AssertPagedReport(Path.Combine(dir, "report2"));

        // Approximate search by flag: IVF compares fewer face pairs and never invents one, so its image
        // pairs are a subset of the exact run's.
        var ivf = DoppelProcess.Run(dir, "dedup", "photos", "--db", "cat.db", "--report", "report-ivf", "--search", "ivf");
        ivf.ExitCode.ShouldBe(0, ivf.Error);
        static string ImagePair(string row) => string.Join(',', row.Split(',')[..2]);
        File.ReadAllLines(Path.Combine(dir, "report-ivf", "findings.csv")).Select(ImagePair).ShouldBeSubsetOf(csv.Select(ImagePair));
        var unknown = DoppelProcess.Run(dir, "dedup", "photos", "--db", "cat.db", "--search", "fast");
        unknown.ExitCode.ShouldNotBe(0);
        unknown.Error.ShouldContain("fast");
        var emptyPages = DoppelProcess.Run(dir, "dedup", "photos", "--db", "cat.db", "--report", "r", "--report-page-size", "0");
        emptyPages.ExitCode.ShouldNotBe(0);
        emptyPages.Error.ShouldContain("--report-page-size must be at least 1");
    }

    /// <summary>Two groups a page, largest first; every thumbnail a face crop file that exists.</summary>
    private static void AssertPagedReport(string report)
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "summary.json")));
        var groups = summary.RootElement.GetProperty("groups").GetInt32();
        groups.ShouldBeGreaterThan(2, "the corpus must give several groups for the report to be paged");
        var pages = new[] { Path.Combine(report, "index.html") }
            .Concat(Enumerable.Range(2, (groups + 1) / 2 - 1).Select(n => Path.Combine(report, "pages", $"groups-{n:D4}.html"))).ToList();
        Directory.GetFiles(Path.Combine(report, "pages")).Length.ShouldBe(pages.Count - 1);
        var members = new List<int>();
        foreach (var page in pages)
        {
            var html = File.ReadAllText(page);
            var onPage = System.Text.RegularExpressions.Regex.Matches(html, "data-members=\"(\\d+)\"").Select(m => int.Parse(m.Groups[1].Value)).ToList();
            onPage.Count.ShouldBe(page == pages[^1] && groups % 2 == 1 ? 1 : 2, page);
            members.AddRange(onPage);
            foreach (var source in System.Text.RegularExpressions.Regex.Matches(html, "<img class=\"thumb\" src=\"([^\"]+)\"").Select(m => m.Groups[1].Value))
                File.Exists(Path.Combine(Path.GetDirectoryName(page)!, source)).ShouldBeTrue(source);
        }
        members.ShouldBeInOrder(SortDirection.Descending);
        summary.RootElement.GetProperty("grouped_images").GetInt32().ShouldBe(members.Sum());
        // Aligned face crops (112 pixels, under the thumbnail limit), one file per distinct face shown.
        var thumbnails = Directory.GetFiles(Path.Combine(report, "thumbs"));
        thumbnails.Length.ShouldBe(members.Sum());
        var header = File.ReadAllBytes(thumbnails[0]);
        header[..2].ShouldBe(new byte[] { 0xFF, 0xD8 });
    }

    /// <summary><c>--group-probability</c>: a reviewer's risk. The same pairs, grouped looser or stricter; the report says
    /// where groups joined; a probability outside (0, 1) is refused before any work.</summary>
    [Fact]
    public void The_group_probability_moves_the_groups_and_never_the_pairs()
    {
        var dir = MakeCorpus(80);
        (int Pairs, int Grouped, double P) Run(string report, params string[] extra)
        {
            var run = DoppelProcess.Run(dir, ["dedup", "photos", "--db", "cat.db", "--report", report, .. extra]);
            run.ExitCode.ShouldBe(0, run.Error);
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, report, "summary.json")));
            var root = summary.RootElement;
            return (root.GetProperty("pairs").GetInt32(), root.GetProperty("grouped_images").GetInt32(), root.GetProperty("group_cut_probability").GetDouble());
        }
        var profile = Run("default");
        var loose = Run("loose", "--group-probability", "0.5");
        var strict = Run("strict", "--group-probability", "0.999");
        var floor = Run("floor", "--group-probability", "0.1");
        profile.P.ShouldBe(RecognitionProfiles.DefaultGroupMinProbability, 1e-3);
        loose.P.ShouldBe(0.5, 1e-3);
        strict.P.ShouldBe(0.999, 1e-3);
        // Groups never join below the pair threshold (p 0.43 on this profile): lower asks change nothing.
        var fusion = RecognitionProfiles.LicenceCleanFusion;
        floor.P.ShouldBe(fusion.Probability(fusion.DedupThreshold)!.Value, 1e-3);
        floor.Grouped.ShouldBeGreaterThanOrEqualTo(loose.Grouped);
        loose.Pairs.ShouldBe(profile.Pairs);
        strict.Pairs.ShouldBe(profile.Pairs);
        loose.Grouped.ShouldBeGreaterThanOrEqualTo(profile.Grouped);
        strict.Grouped.ShouldBeLessThan(profile.Grouped); // p 0.999 asks a mean normalised score of 0.066: true pairs fall out
        File.ReadAllLines(Path.Combine(dir, "strict", "findings.csv")).Count(l => l.EndsWith(',')).ShouldBeGreaterThan(0); // listed apart

        var refused = DoppelProcess.Run(dir, "dedup", "photos", "--db", "cat.db", "--group-probability", "1");
        refused.ExitCode.ShouldNotBe(0);
        refused.Error.ShouldContain("--group-probability must lie between 0 and 1");
    }

    [Fact]
    public void AReviewersNotDuplicateSurvivesTheNextRunAndEmbeddingsExport()
    {
        var dir = MakeCorpus(40);
        DoppelProcess.Run(dir, "dedup", "photos", "--db", "cat.db").ExitCode.ShouldBe(0);
        var list = DoppelProcess.Run(dir, "findings", "list", "--db", "cat.db", "--format", "csv");
        list.ExitCode.ShouldBe(0, list.Error);
        var rows = list.Output.Trim().Split('\n');
        rows[0].ShouldBe("id,image_a,image_b,score,status");
        rows.Length.ShouldBeGreaterThan(1);
        var first = rows[1].Split(',');

        DoppelProcess.Run(dir, "findings", "not-duplicate", first[0], "--db", "cat.db", "--reason", "twins").ExitCode.ShouldBe(0);
        DoppelProcess.Run(dir, "dedup", "photos", "--db", "cat.db").ExitCode.ShouldBe(0);
        var after = DoppelProcess.Run(dir, "findings", "list", "--db", "cat.db", "--format", "csv").Output.Trim().Split('\n');
        after.Length.ShouldBe(rows.Length - 1);
        after.ShouldNotContain(r => r.Contains(first[1] + "," + first[2]));

        var export = DoppelProcess.Run(dir, "export", "embeddings", "--db", "cat.db", "--format", "jsonl", "--out", "e.jsonl");
        export.ExitCode.ShouldBe(0, export.Error);
        var lines = File.ReadAllLines(Path.Combine(dir, "e.jsonl"));
        lines.Length.ShouldBe(40); // every LFW image here yields one face
        using var doc = JsonDocument.Parse(lines[0]);
        // The default profile's fused vector: dlib's 128 values and faceres's 1,024 side by side.
        doc.RootElement.GetProperty("vector").GetArrayLength().ShouldBe(128 + 1024);

        var missing = DoppelProcess.Run(dir, "findings", "list", "--db", "no-such.db");
        missing.ExitCode.ShouldBe(1);
        missing.Error.ShouldContain("run doppel dedup first");
    }

    /// <summary>kill -9 at two points of ingest; the resumed run ends with exactly the findings of an uninterrupted one.</summary>
    [Fact]
    public void AKilledRunResumesToTheSameFindings()
    {
        var dir = MakeCorpus(400);
        var clean = DoppelProcess.Run(dir, "dedup", "photos", "--db", "clean.db", "--report", "clean");
        clean.ExitCode.ShouldBe(0, clean.Error);

        var db = Path.Combine(dir, "killed.db");
        long previous = 0;
        foreach (var killAfter in new[] { 64, 200 })
        {
            using var process = DoppelProcess.Start(dir, "dedup", "photos", "--db", db, "--report", "killed");
            var deadline = DateTime.UtcNow.AddMinutes(5);
            long done = 0;
            while (!process.HasExited && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
                done = CatalogProbe.CountDone(db);
                if (done >= killAfter)
                    break;
            }
            process.HasExited.ShouldBeFalse("the run ended before it could be killed; make the corpus larger");
            process.Kill(entireProcessTree: true); // SIGKILL: no cleanup code runs
            process.WaitForExit();
            done = CatalogProbe.CountDone(db);
            done.ShouldBeGreaterThan(previous);
            done.ShouldBeLessThan(401);
            previous = done;
        }

        var resumed = DoppelProcess.Run(dir, "dedup", "photos", "--db", db, "--report", "killed");
        resumed.ExitCode.ShouldBe(0, resumed.Error);
        resumed.Output.ShouldContain($"processed this run: {401 - previous}");
        File.ReadAllText(Path.Combine(dir, "killed", "findings.csv")).ShouldBe(File.ReadAllText(Path.Combine(dir, "clean", "findings.csv")));
    }

    [Fact]
    public void ASecondDedupOnTheSameDatabaseFailsClearlyWhileTheFirstRuns()
    {
        var dir = MakeCorpus(300);
        using var first = DoppelProcess.Start(dir, "dedup", "photos", "--db", "cat.db");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (CatalogProbe.CountDone(Path.Combine(dir, "cat.db")) == 0 && DateTime.UtcNow < deadline && !first.HasExited)
            Thread.Sleep(50);
        var second = DoppelProcess.Run(dir, "dedup", "photos", "--db", "cat.db");
        first.WaitForExit(TimeSpan.FromMinutes(5));
        first.ExitCode.ShouldBe(0);
        second.ExitCode.ShouldBe(1);
        second.Error.ShouldContain("error:");
        second.Error.ShouldContain(first.Id.ToString());
    }
}
