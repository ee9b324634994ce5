using Doppel.Cli.Infrastructure;
using Doppel.Testing;

namespace Doppel.Cli.Tests;

/// <summary>Issue 12 rows 9 and 13: every bad option is one <c>error:</c> line and exit 1 before any
/// work (no catalog made, no model opened), and no .NET detail leaks into a message.</summary>
public class HostileOptionsTests
{
    private static readonly Dictionary<string, string?> NoTrace = new() { ["DOPPEL_TRACE"] = null };

    /// <summary>Runs doppel in a fresh folder holding photos/; returns the one error line, after checking
    /// that nothing was created (no catalog, no report).</summary>
    private static string OneLineError(params string[] args)
    {
        var dir = RepoPaths.NewTempDir("doppel-options");
        Directory.CreateDirectory(Path.Combine(dir, "photos"));
        var result = DoppelProcess.Run(dir, NoTrace, args);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        result.ExitCode.ShouldBe(1, $"doppel {string.Join(' ', args)}: {result.Error}{result.Output}");
        lines.Length.ShouldBe(1, $"doppel {string.Join(' ', args)} wrote more than one line to stderr:\n{result.Error}");
        lines[0].ShouldStartWith("error: ");
        foreach (var leak in new[] { "System.", "(Parameter '", "Nullable`1", "   at " })
            lines[0].ShouldNotContain(leak);
        Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).ShouldBe(["photos"], "the command did work before refusing its options");
        return lines[0];
    }

    [Theory]
    [InlineData("-0.5")]
    [InlineData("0")]
    [InlineData("2")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void AThresholdOutsideZeroToOneIsRefused(string value) =>
        OneLineError("dedup", "photos", "--threshold", value).ShouldContain("--threshold must be a number in (0, 1]");

    [Fact]
    public void AThresholdThatIsNotANumberSaysSoInWords() =>
        OneLineError("dedup", "photos", "--threshold", "abc").ShouldContain("'abc'");

    [Theory]
    [InlineData("automate", "photos", "--every", "bogus")]
    [InlineData("automate", "photos", "--every", "-3m")]
    [InlineData("automate", "photos", "--times", "-1")]
    [InlineData("dedup", "photos", "--min-face", "-5")]
    [InlineData("dedup", "photos", "--jitters", "-1")]
    [InlineData("dedup", "photos", "--report-page-size", "0")]
    [InlineData("embed", "x.jpg", "--jitters", "-1")]
    [InlineData("detect", "x.jpg", "--score", "1.5")]
    [InlineData("eval", "detect", "--images", "photos", "--annotations", "a.json", "--min-score", "-1")]
    [InlineData("findings", "list", "--status", "bogus")]
    [InlineData("recognize", "--search", "faiss")]
    [InlineData("recluster", "--search", "faiss")]
    [InlineData("run", "--all", "--search", "faiss")]
    [InlineData("eval", "cluster", "--embeddings", "e.npy", "--labels", "l.csv", "--search", "faiss")]
    public void AnOptionOutOfRangeIsOneLineBeforeAnyWork(params string[] args) => OneLineError(args);

    [Fact]
    public void AnUnknownCommandIsOneError() =>
        OneLineError("frobnicate").ShouldContain("'frobnicate'");

    [Fact]
    public void AMistypedOptionIsNotTakenForAFolder()
    {
        var line = OneLineError("dedup", "photos", "--treshold", "0.5");
        line.ShouldContain("unknown option --treshold");
        line.ShouldNotContain("No such file");
    }

    [Fact]
    public void AFileNameStartingWithADashIsNotHelp() =>
        OneLineError("detect", "-file.jpg").ShouldContain("./-file.jpg");

    [Fact]
    public void AnUnknownModelIsOneLineExitOne()
    {
        var dir = RepoPaths.NewTempDir("doppel-options");
        var environment = new Dictionary<string, string?> { ["DOPPEL_TRACE"] = null, ["DOPPEL_MODELS"] = dir };
        foreach (var args in new[] { new[] { "models", "install", "nosuchmodel" }, ["embed", "x.jpg", "--model", "nosuchmodel"], ["detect", "x.jpg", "--detector", "nosuchdetector"] })
        {
            var result = DoppelProcess.Run(dir, environment, args);
            result.ExitCode.ShouldBe(1, string.Join(' ', args) + ": " + result.Error);
            var line = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldHaveSingleItem();
            line.ShouldStartWith("error: ");
            line.ShouldNotContain("(Parameter '");
        }
    }

    [Fact]
    public void AModelThatIsNotInstalledIsOneLineExitOneForDetectAndEvalDetect()
    {
        var empty = RepoPaths.NewTempDir("doppel-no-models");
        var environment = new Dictionary<string, string?> { ["DOPPEL_TRACE"] = null, ["DOPPEL_MODELS"] = empty };
        File.WriteAllText(Path.Combine(empty, "a.json"), "[]");
        foreach (var args in new[] { new[] { "detect", "x.jpg" }, ["embed", "x.jpg"], ["eval", "detect", "--images", empty, "--annotations", Path.Combine(empty, "a.json")] })
        {
            var result = DoppelProcess.Run(empty, environment, args);
            result.ExitCode.ShouldBe(1, string.Join(' ', args) + ": " + result.Error);
            result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldHaveSingleItem().ShouldStartWith("error: ");
        }
    }

    [Fact]
    public void AFullDiskUnderTheCatalogIsTheUsersProblemNotABug()
    {
        // SQLite's own exception for SQLITE_FULL (a full disk cannot be made on demand here).
        var full = new Microsoft.Data.Sqlite.SqliteException("SQLite Error 13: 'database or disk is full'.", 13);
        var line = CliErrors.LineFor(full);
        line.ShouldStartWith("error: the catalog could not be written, the disk is full");
        line.ShouldNotContain("bug");
    }
}
