using Doppel.Storage;
using Doppel.Testing;

namespace Doppel.Cli.Tests;

/// <summary>Catalog commands open a model only when some image or face needs it: over a catalog where
/// everything is detected and embedded they run with no model installed at all (and skip the second
/// loading takes); once a new image needs one, the missing model is a clear error and no run is recorded.</summary>
public class LazyModelsTests
{
    [Fact]
    public void DetectRecognizeAndRunWithNothingToDoOpenNoModel()
    {
        var dir = LfwCorpus.Identities("doppel-lazy-models", ["Jennifer_Lopez", "Paul_Wolfowitz"], 3);
        var held = Path.Combine(dir, "held");
        Directory.CreateDirectory(held);
        // One photo waits outside the folder until the catalog is complete.
        var late = Directory.GetFiles(Path.Combine(dir, "photos", "Paul_Wolfowitz")).Order(StringComparer.Ordinal).Last();
        File.Move(late, Path.Combine(held, Path.GetFileName(late)));
        Run(dir, [], "detect", "--db", "c.db", "photos").Output.ShouldContain("Images processed this run: 5 (ok 5)");

        // An empty model folder: any attempt to open a model would fail with "not installed".
        var noModels = new Dictionary<string, string?> { ["DOPPEL_MODELS"] = Directory.CreateDirectory(Path.Combine(dir, "no-models")).FullName };
        Run(dir, noModels, "detect", "--db", "c.db", "photos").Output.ShouldContain("Images processed this run: 0;");
        Run(dir, noModels, "detect", "--db", "c.db").Output.ShouldContain("Images processed this run: 0;");
        Run(dir, noModels, "recognize", "--db", "c.db").Output.ShouldNotContain("Embedded");
        Run(dir, noModels, "run", "--all", "--db", "c.db", "photos").Output.ShouldContain("Images processed this run: 0;");

        int runsBefore;
        using (var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db")))
            runsBefore = catalog.ListRuns().Count;
        File.Move(Path.Combine(held, Path.GetFileName(late)), late);
        var needsModel = DoppelProcess.Run(dir, noModels, "detect", "--db", "c.db", "photos");
        needsModel.ExitCode.ShouldBe(1, needsModel.Error);
        var lines = needsModel.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[^1].ShouldStartWith("error: Model '");
        lines[^1].ShouldContain("is not installed");
        lines[^1].ShouldContain("Run: doppel models install ");
        lines.ShouldNotContain(l => l.StartsWith("   at "));
        using (var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db")))
        {
            // The model was opened before a run was recorded: nothing half-started is left to resume.
            catalog.ListRuns().Count.ShouldBe(runsBefore);
            catalog.CountMedia(MediaState.Pending).ShouldBe(1);
        }

        // With the models back, exactly the new photo is processed.
        Run(dir, [], "detect", "--db", "c.db", "photos").Output.ShouldContain("Images processed this run: 1 (ok 1)");
    }

    private static DoppelProcess.Result Run(string dir, Dictionary<string, string?> environment, params string[] args)
    {
        var result = DoppelProcess.Run(dir, environment, args);
        result.ExitCode.ShouldBe(0, $"doppel {string.Join(' ', args)}: {result.Error}");
        return result;
    }
}
