using System.Globalization;
using Doppel.Cli.Tests;
using Doppel.Storage;
using Doppel.Testing.Servers;

namespace Doppel.Workers.Tests;

/// <summary><c>dedup --distributed --min-quality Q</c> leaves out the faces a single-process <c>dedup --min-quality Q</c>
/// leaves out (decided from the qualities stored at analysis), so findings, low_quality images and report agree.</summary>
[Collection("shared-postgres")]
public sealed class MinQualityWorkerTests(PostgresServer server)
{
    [Fact]
    public async Task TheWorkersMatchOnlyTheFacesASingleProcessKeeps()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;
        var dir = LfwCorpus.First("workers-quality", 12);
        var unfiltered = DoppelProcess.Run(dir, "dedup", "photos", "--db", "single.db", "--report", "all");
        unfiltered.ExitCode.ShouldBe(0, unfiltered.Error);
        // The median stored quality: about half the faces fall below it, whatever the quality model's scale.
        float q;
        await using (var db = await Doppel.Application.CatalogDatabases.OpenAsync(Path.Combine(dir, "single.db"), ct))
        {
            var qualities = (await db.For(TenantId.Default).Faces.ListAsync(Page.All, ct)).Select(f => f.Quality.ShouldNotBeNull()).Order().ToList();
            q = qualities[qualities.Count / 2];
        }
        var minQuality = q.ToString("R", CultureInfo.InvariantCulture);
        var single = DoppelProcess.Run(dir, "dedup", "photos", "--db", "single.db", "--min-quality", minQuality, "--report", "single");
        single.ExitCode.ShouldBe(0, single.Error);
        var expected = File.ReadAllText(Path.Combine(dir, "single", "findings.csv"));
        // The floor took pairs away (and left some): otherwise the comparison below says nothing about it.
        expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBeLessThan(File.ReadAllLines(Path.Combine(dir, "all", "findings.csv")).Length);
        expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBeGreaterThan(1);
        ImagesLine(single.Output).ShouldContain("low_quality");

        var jobs = await server.CreateDatabaseAsync("quality");
        using var workers = new WorkerProcesses(dir, ["--db", jobs.Uri, .. WorkerProcesses.FastRecovery]);
        workers.StartAll(1);
        var dist = await Task.Run(() => DoppelProcess.Run(dir, "dedup", "photos", "--db", jobs.Uri, "--distributed", "--min-quality", minQuality,
            "--chunk-size", "4", "--block-size", "4", "--report", "dist"), ct);
        dist.ExitCode.ShouldBe(0, $"{dist.Error}\n{workers.Log}");
        File.ReadAllText(Path.Combine(dir, "dist", "findings.csv")).ShouldBe(expected);
        ImagesLine(dist.Output).ShouldBe(ImagesLine(single.Output));
        // The report lists the same images as low_quality.
        File.ReadAllText(Path.Combine(dir, "dist", "summary.json")).ShouldContain("low_quality");
    }

    /// <summary>"Images: N (reason counts)" without the part that differs between a fresh and a resumed catalog.</summary>
    private static string ImagesLine(string output) =>
        output.Split('\n').Single(l => l.StartsWith("Images: ", StringComparison.Ordinal)).Split(';')[0].Trim();
}
