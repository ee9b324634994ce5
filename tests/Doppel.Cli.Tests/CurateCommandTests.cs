using System.Text.RegularExpressions;
using Doppel.Matching.IO;
using Doppel.Testing;

namespace Doppel.Cli.Tests;

/// <summary><c>doppel curate</c> on real LFW faces with a planted mislabel.</summary>
public class CurateCommandTests
{
    private static readonly string[] People = ["Ricardo_Lagos", "Paul_Wolfowitz", "Jennifer_Lopez", "Zhu_Rongji"];

    [Fact]
    public void Finds_a_planted_mislabel_keeps_k_per_identity_and_writes_templates()
    {
        InstalledModels.RequireDefaults();
        var dir = LfwCorpus.Identities("doppel-cli-curate", People, perPerson: 6);
        // Plant a mislabel: one of Jennifer Lopez's photos filed under Zhu Rongji.
        var planted = Directory.GetFiles(Path.Combine(dir, "photos", "Jennifer_Lopez")).Order(StringComparer.Ordinal).First();
        var misfiled = Path.Combine(dir, "photos", "Zhu_Rongji", Path.GetFileName(planted));
        File.Move(planted, misfiled);

        var run = DoppelProcess.Run(dir, "curate", "photos", "--out", "curated", "--keep", "3", "--report", "report");
        run.ExitCode.ShouldBe(0, run.Error);
        var rows = File.ReadAllLines(Path.Combine(dir, "curated", "curation.csv"));
        rows[0].ShouldBe("path,identity,decision,reason,quality");
        var byPath = rows.Skip(1).Select(r => r.Split(',')).ToDictionary(c => c[0].Replace('\\', '/'));
        byPath.Count.ShouldBe(24);
        var mislabel = byPath[$"Zhu_Rongji/{Path.GetFileName(planted)}"];
        mislabel[2].ShouldBe("dropped");
        mislabel[3].ShouldBe("mislabelled");
        // No genuine photo is called a mislabel, and at most K are kept per identity (copied to OUT/IDENTITY/).
        byPath.Values.Count(c => c[3] == "mislabelled").ShouldBe(1);
        foreach (var person in People)
        {
            int kept = byPath.Values.Count(c => c[1] == person && c[2] == "kept");
            kept.ShouldBeInRange(1, 3);
            Directory.GetFiles(Path.Combine(dir, "curated", person)).Length.ShouldBe(kept);
        }
        var templates = EmbeddingFiles.Read(Path.Combine(dir, "curated", "templates.npy"));
        templates.Ids.ShouldBe(People.Order(StringComparer.Ordinal).ToList());

        // The report, as a browser reads it: the counts per decision are the CSV's, the planted photo is
        // shown among the mislabels with its reason and the identity it was filed under, every face has its
        // picture embedded (the page loads nothing else).
        var html = File.ReadAllText(Path.Combine(dir, "report", "index.html"));
        Regex.IsMatch(html, @"(src|href)\s*=\s*""(https?:)?//", RegexOptions.IgnoreCase).ShouldBeFalse();
        Regex.Matches(html, @"\.t\d+\{background-image:url\(data:image/jpeg;base64,").Count.ShouldBe(byPath.Values.Count(c => c[3] != "no_face"));
        var dom = HeadlessChromium.DumpDom(Path.Combine(dir, "report", "index.html"));
        int Card(string key) => int.Parse(Regex.Match(dom, $@"data-key=""{key}""><div class=""value"">([\d,]+)<").Groups[1].Value.Replace(",", ""));
        Card("photos").ShouldBe(24);
        Card("kept").ShouldBe(byPath.Values.Count(c => c[2] == "kept"));
        foreach (var reason in new[] { "mislabelled", "redundant", "surplus", "low_quality", "no_face" })
            Card(reason).ShouldBe(byPath.Values.Count(c => c[3] == reason), reason);
        var mislabels = Regex.Match(dom, @"<section id=""mislabelled"">(.*?)</section>", RegexOptions.Singleline).Groups[1].Value;
        Regex.Matches(mislabels, "<figure ").Count.ShouldBe(1);
        mislabels.ShouldContain($"Zhu_Rongji/{Path.GetFileName(planted)}");
        mislabels.ShouldContain("dropped: mislabelled");
        mislabels.ShouldContain("filed under Zhu_Rongji");
        Regex.IsMatch(mislabels, @"quality \d\.\d\d").ShouldBeTrue();
        foreach (var person in People)
        {
            var article = Regex.Match(dom, $@"<article class=""panel identity"" data-identity=""{person}"" data-kept=""(\d+)"" data-dropped=""(\d+)""");
            article.Success.ShouldBeTrue(person);
            int.Parse(article.Groups[1].Value).ShouldBe(byPath.Values.Count(c => c[1] == person && c[2] == "kept"));
            int.Parse(article.Groups[2].Value).ShouldBe(byPath.Values.Count(c => c[1] == person && c[2] == "dropped"));
        }

        var bad = DoppelProcess.Run(dir, "curate", "photos");
        bad.ExitCode.ShouldBe(1);
        bad.Error.ShouldContain("--out");

        // A report replaces its whole folder: one holding other files is refused before any work, and kept.
        Directory.CreateDirectory(Path.Combine(dir, "notes"));
        File.WriteAllText(Path.Combine(dir, "notes", "mine.txt"), "keep me");
        var refused = DoppelProcess.Run(dir, "curate", "photos", "--list", "again.csv", "--report", "notes");
        refused.ExitCode.ShouldBe(1);
        refused.Error.ShouldStartWith("error: ");
        refused.Error.ShouldContain("not a Doppel report");
        File.ReadAllText(Path.Combine(dir, "notes", "mine.txt")).ShouldBe("keep me");
        File.Exists(Path.Combine(dir, "again.csv")).ShouldBeFalse();
    }
}
