using Doppel.Cli.Commands;
using Doppel.Models;
using Doppel.Testing;

namespace Doppel.Cli.Tests;

/// <summary>The unattended modes: scheduled runs that never redo work, and a watch that picks up new files.</summary>
public class AutomateCommandTests
{
    private static string Corpus(int count)
    {
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var dir = RepoPaths.NewTempDir("doppel-automate");
        Directory.CreateDirectory(Path.Combine(dir, "in"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(lfw, "Colin_Powell")).Order(StringComparer.Ordinal).Take(count))
            File.Copy(file, Path.Combine(dir, "in", Path.GetFileName(file)));
        return dir;
    }

    [Fact]
    public void ScheduledRunsProcessEachFileOnce()
    {
        var dir = Corpus(6);
        var run = DoppelProcess.Run(dir, "automate", "in", "--db", "c.db", "--every", "1s", "--times", "2");
        run.ExitCode.ShouldBe(0, run.Error);
        run.Output.ShouldContain("run 1: 6 new or changed images");
        run.Output.ShouldContain("run 2: 0 new or changed images");
    }

    /// <summary><c>automate --min-quality Q</c> matches the faces <c>dedup --min-quality Q</c> matches: its runs score quality
    /// as dedup does and apply the floor (it had neither option before).</summary>
    [Fact]
    public async Task ARunKeepsTheMinQualityDedupKeeps()
    {
        var dir = Corpus(6);
        var all = DoppelProcess.Run(dir, "dedup", "in", "--db", "d.db");
        all.ExitCode.ShouldBe(0, all.Error);
        string q;
        await using (var db = await Doppel.Application.CatalogDatabases.OpenAsync(Path.Combine(dir, "d.db"), TestContext.Current.CancellationToken))
        {
            // The median stored quality: about half the faces fall below it, whatever the assessor's scale.
            var qualities = (await db.For(Doppel.Storage.TenantId.Default).Faces.ListAsync(Doppel.Storage.Page.All, TestContext.Current.CancellationToken))
                .Select(f => f.Quality.ShouldNotBeNull()).Order().ToList();
            q = qualities[qualities.Count / 2].ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }
        var floored = DoppelProcess.Run(dir, "dedup", "in", "--db", "d.db", "--min-quality", q);
        floored.ExitCode.ShouldBe(0, floored.Error);
        int Pairs(string output) => int.Parse(output.Split('\n').Single(l => l.StartsWith("Duplicate pairs: ", StringComparison.Ordinal))["Duplicate pairs: ".Length..].Split(';')[0],
            System.Globalization.CultureInfo.InvariantCulture);
        int expected = Pairs(floored.Output);
        expected.ShouldBeLessThan(Pairs(all.Output), "the floor must take pairs away, or the run below says nothing about it");

        var run = DoppelProcess.Run(dir, "automate", "in", "--db", "c.db", "--every", "1s", "--times", "1", "--min-quality", q);
        run.ExitCode.ShouldBe(0, run.Error);
        run.Output.ShouldContain($"run 1: 6 new or changed images, 6 in all, {expected} duplicate pairs");
    }

    [Fact]
    public void WatchProcessesAFileThatAppearsLater()
    {
        var dir = Corpus(4);
        var extra = Directory.EnumerateFiles(Path.Combine(SharedData.Require("data/lfw-dev/images"), "Tony_Blair")).Order(StringComparer.Ordinal).First();
        using var process = DoppelProcess.Start(dir, "watch", "in", "--db", "c.db", "--every", "10m");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        string Text() { lock (output) return output.ToString(); }
        bool WaitFor(string text)
        {
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!Text().Contains(text) && DateTime.UtcNow < deadline && !process.HasExited)
                Thread.Sleep(100);
            return Text().Contains(text);
        }
        try
        {
            WaitFor("run 1: 4 new or changed images").ShouldBeTrue(Text());
            File.Copy(extra, Path.Combine(dir, "in", "late.jpg"));
            WaitFor("run 2: 1 new or changed images").ShouldBeTrue(Text());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("3m", 180)]
    [InlineData("1h", 3600)]
    [InlineData("00:02:00", 120)]
    public void IntervalsParse(string text, int seconds) => AutomateCommand.ParseInterval(text).ShouldBe(TimeSpan.FromSeconds(seconds));

    [Fact]
    public void ABadIntervalIsAClearError() => Should.Throw<FormatException>(() => AutomateCommand.ParseInterval("soon")).Message.ShouldContain("30s");
}
