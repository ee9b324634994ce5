using Doppel.Models;
using Doppel.Testing;

namespace Doppel.Cli.Tests;

/// <summary>Everything that stops <c>doppel dedup</c> before it can do its work is the user's to fix,
/// so it ends with exit code 1 and one line on stderr that says what is wrong, never a stack trace.
/// <c>DOPPEL_TRACE=1</c> brings the trace back for a developer.</summary>
public class DedupErrorsTests
{
    private static readonly Dictionary<string, string?> NoTrace = new() { ["DOPPEL_TRACE"] = null };

    /// <summary>A folder with an empty photos/ (nothing below needs an image: each run stops first).</summary>
    private static string NewDir()
    {
        InstalledModels.Require(ModelNames.BlazeFaceBack, ModelNames.DlibResNet29);
        var dir = RepoPaths.NewTempDir("doppel-dedup-errors");
        Directory.CreateDirectory(Path.Combine(dir, "photos"));
        return dir;
    }

    [Fact]
    public void ACatalogThatIsNotSqliteIsOneLine()
    {
        var dir = NewDir();
        File.WriteAllText(Path.Combine(dir, "notes.db"), "a text file that someone passed as --db by mistake, long enough to have a header....");
        OneLineError(dir, NoTrace, "dedup", "photos", "--db", "notes.db")
            .ShouldContain($"Cannot open the catalog {Path.Combine(dir, "notes.db")}");
    }

    [Fact]
    public void ACatalogLockedByAnotherProcessIsOneLine()
    {
        var dir = NewDir();
        using var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db"));
        using var held = catalog.HoldLease("ingest", "dedup by a colleague");
        var message = OneLineError(dir, NoTrace, "dedup", "photos", "--db", "c.db");
        message.ShouldContain("is in use: lock 'ingest' is held by 'dedup by a colleague'");
        message.ShouldContain($"pid {Environment.ProcessId}");
    }

    [Fact]
    public void AMissingImagesFolderIsOneLine()
    {
        var dir = NewDir();
        OneLineError(dir, NoTrace, "dedup", "no-such-folder", "--db", "c.db").ShouldBe("error: No such file or folder: no-such-folder");
    }

    [Fact]
    public void AReportFolderThatCannotBeWrittenIsOneLineBeforeAnyWork()
    {
        var dir = NewDir();
        // A file where the report folder should go: unwritable even for root, which ignores permissions.
        File.WriteAllText(Path.Combine(dir, "taken"), "not a folder");
        foreach (var report in new[] { "taken", Path.Combine("taken", "report") })
        {
            var message = OneLineError(dir, NoTrace, "dedup", "photos", "--db", "c.db", "--report", report);
            message.ShouldStartWith($"error: Cannot write the report to {report}: ");
        }
        // Refused before ingest: no run was started.
        using var catalog = CatalogProbe.Open(Path.Combine(dir, "c.db"));
        catalog.ListRuns().ShouldBeEmpty();
    }

    [Fact]
    public void AModelThatIsNotInstalledIsOneLineNamingTheInstallCommand()
    {
        var dir = NewDir();
        var empty = Directory.CreateDirectory(Path.Combine(dir, "no-models")).FullName;
        var message = OneLineError(dir, new Dictionary<string, string?> { ["DOPPEL_MODELS"] = empty, ["DOPPEL_TRACE"] = null }, "dedup", "photos", "--db", "c.db");
        message.ShouldContain("is not installed");
        message.ShouldContain("doppel models install");
    }

    [Fact]
    public void AnUnknownSearchMethodIsOneLineNamingTheChoices()
    {
        var dir = NewDir();
        var message = OneLineError(dir, NoTrace, "dedup", "photos", "--db", "c.db", "--search", "fast");
        message.ShouldContain("'fast'");
        message.ShouldContain("'exact'");
        message.ShouldContain("'ivf'");
    }

    [Fact]
    public void DoppelTraceShowsTheStackTraceForADeveloper()
    {
        var dir = NewDir();
        var result = DoppelProcess.Run(dir, new Dictionary<string, string?> { ["DOPPEL_TRACE"] = "1" }, "dedup", "no-such-folder", "--db", "c.db");
        result.ExitCode.ShouldBe(1);
        result.Error.ShouldStartWith("error: No such file or folder: no-such-folder");
        result.Error.Split('\n').ShouldContain(line => line.StartsWith("   at "));
    }

    /// <summary>Runs doppel expecting a user error: exit code 1, nothing but one "error: ..." line on
    /// stderr (no stack frame, no log echo), and returns that line.</summary>
    private static string OneLineError(string dir, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var result = DoppelProcess.Run(dir, environment, args);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        result.ExitCode.ShouldBe(1, $"doppel {string.Join(' ', args)}: {result.Error}");
        lines.ShouldNotContain(line => line.StartsWith("   at "), result.Error);
        lines.Length.ShouldBe(1, $"doppel {string.Join(' ', args)} wrote more than one line to stderr:\n{result.Error}");
        lines[0].ShouldStartWith("error: ");
        return lines[0].TrimEnd('\r');
    }
}
