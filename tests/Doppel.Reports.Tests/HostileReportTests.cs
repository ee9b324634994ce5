using System.Diagnostics;
using Doppel.Reports.Dedup;
using Doppel.Testing;

namespace Doppel.Reports.Tests;

/// <summary>Issue 12 rows 11 and 12: findings.csv safe to open in a spreadsheet, names shown as they
/// are, and a report folder replaced as a whole.</summary>
public class HostileReportTests
{
    private static DedupReport WithNames(params string[] names) => new(
        "/data/photos",
        [new DuplicateGroup(names.Select(n => new ReportImage("/data/photos/" + n)).ToList(),
            Enumerable.Range(1, names.Length - 1).Select(i => new DuplicatePair(0, i, 0.9)).ToList())],
        [],
        [],
        new DedupRunStatistics(names.Length, names.Length, 1, new Dictionary<string, int> { ["ok"] = names.Length }, null, null, 0.9));

    [Theory]
    [InlineData("=HYPERLINK(\"x\").jpg", "\"'=HYPERLINK(\"\"x\"\").jpg\"")]
    [InlineData("@SUM(1).jpg", "\"'@SUM(1).jpg\"")]
    [InlineData("+1.jpg", "\"'+1.jpg\"")]
    [InlineData("-2.jpg", "\"'-2.jpg\"")]
    [InlineData("\tTab.jpg", "\"'\tTab.jpg\"")]
    [InlineData("\rCR.jpg", "\"'\rCR.jpg\"")]
    public void CellsASpreadsheetWouldRunAreEscaped(string name, string cell)
    {
        var csv = DedupFindings.ToCsv(DedupFindings.Rows(WithNames("a.jpg", name)));
        csv.Split('\n')[0].ShouldBe(DedupFindings.Header);
        csv.ShouldContain(cell);
        csv.ShouldNotContain("," + name);
        csv.ShouldNotStartWith(name);
    }

    [Fact]
    public void ABackslashInANameIsShownAsItself()
    {
        if (OperatingSystem.IsWindows()) return;
        var csv = DedupFindings.ToCsv(DedupFindings.Rows(WithNames("a.jpg", "back\\slash.jpg")));
        csv.ShouldContain("a.jpg,back\\slash.jpg,");
    }

    [Fact]
    public void ANewReportReplacesTheOldOneAsAWholeAndLeavesNoStagingFolder()
    {
        var parent = RepoPaths.NewTempDir("doppel-report-swap");
        var dir = Path.Combine(parent, "report");
        DedupReportWriter.Write(WithNames("a.jpg", "b.jpg"), dir);
        var oldCsv = File.ReadAllText(Path.Combine(dir, "findings.csv"));
        var files = DedupReportWriter.Write(WithNames("c.jpg", "d.jpg", "e.jpg"), dir);
        files.IndexHtml.ShouldBe(Path.Combine(dir, "index.html"));
        File.ReadAllText(files.FindingsCsv).ShouldNotBe(oldCsv);
        File.ReadAllText(Path.Combine(dir, "index.html")).ShouldContain("e.jpg");
        Directory.GetFileSystemEntries(parent).Select(Path.GetFileName).ShouldBe(["report"]);
    }

    [Fact]
    public void AFolderHoldingOtherFilesIsRefusedUntouched()
    {
        var dir = RepoPaths.NewTempDir("doppel-report-foreign");
        File.WriteAllText(Path.Combine(dir, "reviewer-notes.txt"), "mine");
        var error = Should.Throw<IOException>(() => DedupReportWriter.Write(WithNames("a.jpg", "b.jpg"), dir));
        error.Message.ShouldContain("reviewer-notes.txt");
        Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).ShouldBe(["reviewer-notes.txt"]);
    }

    [Fact]
    public void AFailedWriteLeavesTheOldReportWholeAndNoTemporaryFiles()
    {
        var parent = RepoPaths.NewTempDir("doppel-report-fail");
        var dir = Path.Combine(parent, "report");
        DedupReportWriter.Write(WithNames("a.jpg", "b.jpg"), dir);
        var before = Snapshot(dir);
        // A pair naming a member the group does not have fails half-way through the writing.
        var bad = WithNames("c.jpg", "d.jpg") with { Groups = [new DuplicateGroup([new ReportImage("/data/photos/c.jpg")], [new DuplicatePair(0, 3, 0.9)])] };
        Should.Throw<ArgumentException>(() => DedupReportWriter.Write(bad, dir));
        Snapshot(dir).ShouldBe(before);
        Directory.GetFileSystemEntries(parent).Select(Path.GetFileName).ShouldBe(["report"]);
    }

    [Fact]
    public void AFullDiskLeavesTheOldReportWholeAndNoTemporaryFiles()
    {
        if (!OperatingSystem.IsLinux()) return;
        // A real full disk: a 256 KiB tmpfs (needs root; the tests run as root in CI's container).
        var mount = RepoPaths.NewTempDir("doppel-full-disk");
        if (Run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount) != 0)
            Assert.Skip("cannot mount a small tmpfs here (needs root)");
        try
        {
            var dir = Path.Combine(mount, "report");
            DedupReportWriter.Write(WithNames("a.jpg", "b.jpg"), dir);
            var before = Snapshot(dir);
            var many = Enumerable.Range(0, 4000).Select(i => $"a-rather-long-file-name-to-fill-the-disk-{i:D5}.jpg").ToArray();
            Should.Throw<IOException>(() => DedupReportWriter.Write(WithNames(many), dir)); // ENOSPC somewhere in the writing
            Snapshot(dir).ShouldBe(before);
            Directory.GetFileSystemEntries(mount).Select(Path.GetFileName).ShouldBe(["report"]);
        }
        finally
        {
            Run("umount", mount);
        }
    }

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllText);

    private static int Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        p.WaitForExit();
        return p.ExitCode;
    }
}
