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
        var (dir, _) = SingleProcessBaseline.Run("workers-quality", 12, "--report", "all");
        var minQuality = await MedianQualityAsync(Path.Combine(dir, "single.db"), ct);
        var single = SingleProcessBaseline.Dedup(dir, "--min-quality", minQuality, "--report", "single");
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

    /// <summary><c>automate --jobs-db --min-quality Q</c>: the schedule carries the floor, each set it queues records it, and
    /// the workers match what a single-process <c>dedup --min-quality Q</c> matches (before, the schedule dropped it and
    /// matched every face).</summary>
    [Fact]
    public async Task AScheduleOnTheWorkersKeepsItsMinQuality()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;
        var (dir, unfiltered) = SingleProcessBaseline.Run("workers-quality-automate", 12);
        var minQuality = await MedianQualityAsync(Path.Combine(dir, "single.db"), ct);
        var single = SingleProcessBaseline.Dedup(dir, "--min-quality", minQuality);
        int expected = PairCount(single.Output);
        // The floor took pairs away (and left some): otherwise the count below says nothing about it.
        expected.ShouldBeLessThan(PairCount(unfiltered.Output));
        expected.ShouldBeGreaterThan(0);

        var jobs = await server.CreateDatabaseAsync("qautomate");
        var scheduled = DoppelProcess.Run(dir, "automate", "photos", "--every", "1h", "--db", "dist.db", "--jobs-db", jobs.Uri, "--min-quality", minQuality);
        scheduled.ExitCode.ShouldBe(0, scheduled.Error);
        // The catalog the workers share; its first opening creates it.
        await (await Doppel.Application.CatalogDatabases.OpenAsync(Path.Combine(dir, "dist.db"), ct)).DisposeAsync();
        using var workers = new WorkerProcesses(dir, ["--db", "dist.db", "--jobs-db", jobs.Uri, .. WorkerProcesses.FastRecovery]);
        workers.StartAll(1);
        new Hangfire.RecurringJobManager(JobsStorage.Create(jobs.ConnectionString)).Trigger(RecurringDedup.IdFor([Path.Combine(dir, "photos")]));

        await using var work = await WorkStore.OpenAsync(jobs.ConnectionString, ct);
        var deadline = DateTime.UtcNow.AddMinutes(5);
        WorkSet? set;
        while ((set = await work.GetSetAsync(1, ct)) is not { IsFinal: true })
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the scheduled set did not finish: {set}\n{workers.Log}");
            await Task.Delay(500, ct);
        }
        set.State.ShouldBe(WorkState.Completed, set.Error);
        set.MinQuality.ShouldBe(float.Parse(minQuality, CultureInfo.InvariantCulture));
        await using var catalog = await Doppel.Application.CatalogDatabases.OpenAsync(Path.Combine(dir, "dist.db"), ct);
        (await catalog.For(TenantId.Default).Dedup.GetFindingsAsync(set.DedupSetId!.Value, cancellationToken: ct)).Count.ShouldBe(expected);
    }

    [Fact]
    public void AScheduleOnTheWorkersRefusesAnAssessorItCannotApply()
    {
        var dir = Doppel.Testing.RepoPaths.NewTempDir("workers-quality-refused");
        Directory.CreateDirectory(Path.Combine(dir, "photos"));
        var result = DoppelProcess.Run(dir, "automate", "photos", "--every", "1h", "--jobs-db", "postgres://nobody@127.0.0.1:1/none", "--quality", "signals");
        result.ExitCode.ShouldBe(1);
        result.Error.Split('\n').Single(l => l.StartsWith("error: ", StringComparison.Ordinal)).ShouldContain("doppel worker --quality");
    }

    /// <summary>The median stored quality of the catalog's faces, as an argument: about half the faces fall below it,
    /// whatever the quality model's scale.</summary>
    private static async Task<string> MedianQualityAsync(string catalog, CancellationToken ct)
    {
        await using var db = await Doppel.Application.CatalogDatabases.OpenAsync(catalog, ct);
        var qualities = (await db.For(TenantId.Default).Faces.ListAsync(Page.All, ct)).Select(f => f.Quality.ShouldNotBeNull()).Order().ToList();
        return qualities[qualities.Count / 2].ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>N of the summary's "Duplicate pairs: N;".</summary>
    private static int PairCount(string output) =>
        int.Parse(output.Split('\n').Single(l => l.StartsWith("Duplicate pairs: ", StringComparison.Ordinal))["Duplicate pairs: ".Length..].Split(';')[0], CultureInfo.InvariantCulture);

    /// <summary>"Images: N (reason counts)" without the part that differs between a fresh and a resumed catalog.</summary>
    private static string ImagesLine(string output) =>
        output.Split('\n').Single(l => l.StartsWith("Images: ", StringComparison.Ordinal)).Split(';')[0].Trim();
}
