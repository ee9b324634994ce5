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

        var run = DoppelProcess.Run(dir, "curate", "photos", "--out", "curated", "--keep", "3");
        run.ExitCode.ShouldBe(0, run.Error);
        var rows = File.ReadAllLines(Path.Combine(dir, "curated", "curation.csv"));
        rows[0].ShouldBe("path,identity,decision,reason,quality");
        var byPath = rows.Skip(1).Select(r => r.Split(',')).ToDictionary(c => c[0].Replace('\\', '/'));
        byPath.Count.ShouldBe(24);
        var mislabel = byPath[$"Zhu_Rongji/{Path.GetFileName(planted)}"];
        mislabel[2].ShouldBe("drop");
        mislabel[3].ShouldBe("mislabelled");
        // No genuine photo is called a mislabel, and at most K are kept per identity (copied to OUT/IDENTITY/).
        byPath.Values.Count(c => c[3] == "mislabelled").ShouldBe(1);
        foreach (var person in People)
        {
            int kept = byPath.Values.Count(c => c[1] == person && c[2] == "keep");
            kept.ShouldBeInRange(1, 3);
            Directory.GetFiles(Path.Combine(dir, "curated", person)).Length.ShouldBe(kept);
        }
        var templates = EmbeddingFiles.Read(Path.Combine(dir, "curated", "templates.npy"));
        templates.Ids.ShouldBe(People.Order(StringComparer.Ordinal).ToList());

        var bad = DoppelProcess.Run(dir, "curate", "photos");
        bad.ExitCode.ShouldBe(1);
        bad.Error.ShouldContain("--out");
    }
}
