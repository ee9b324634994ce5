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
