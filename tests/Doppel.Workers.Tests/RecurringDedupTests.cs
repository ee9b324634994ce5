using Doppel.Cli.Tests;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing.Servers;
using Doppel.Workers;
using Hangfire;
using Hangfire.Storage;

namespace Doppel.Workers.Tests;

// One PostgreSQL serves the assembly and WorkerFaultTests restarts it on purpose; a class running beside the
// restart lost its connection (merged suite of 2026-12-07), so every class here shares one sequential collection.
[Collection("shared-postgres")]
public sealed class RecurringDedupTests(PostgresServer server)
{
    [Theory]
    [InlineData(1, "*/1 * * * *")]
    [InlineData(15, "*/15 * * * *")]
    [InlineData(60, "0 * * * *")]
    [InlineData(360, "0 */6 * * *")]
    [InlineData(1440, "0 0 * * *")]
    public void IntervalsBecomeCron(int minutes, string cron) => RecurringDedup.CronOf(TimeSpan.FromMinutes(minutes)).ShouldBe(cron);

    [Theory]
    [InlineData(0.5)]
    [InlineData(7)]
    [InlineData(90)]
    [InlineData(2880)]
    public void IntervalsNoCronCanHoldAreRefused(double minutes) =>
        Should.Throw<ArgumentException>(() => RecurringDedup.CronOf(TimeSpan.FromMinutes(minutes))).Message.ShouldContain("cannot be a schedule on the workers");

    /// <summary><c>automate --jobs-db</c> registers a recurring job (and runs nothing itself); triggered, a worker
    /// queues and processes the folder's set, with the single-process run's pair count.</summary>
    [Fact]
    public async Task AutomateOnTheWorkersIsARecurringJobThatDedupsTheFolder()
    {
        server.Require();
        var (dir, single) = SingleProcessBaseline.Run("workers-recurring", 12);
        var jobs = await server.CreateDatabaseAsync("jobs");

        var scheduled = DoppelProcess.Run(dir, "automate", "photos", "--every", "1h", "--db", "dist.db", "--jobs-db", jobs.Uri);
        scheduled.ExitCode.ShouldBe(0, scheduled.Error);
        var id = RecurringDedup.IdFor([Path.Combine(dir, "photos")]);
        scheduled.Output.ShouldContain(id);
        File.Exists(Path.Combine(dir, "dist.db")).ShouldBeFalse("automate on the workers must not process anything itself");

        var storage = JobsStorage.Create(jobs.ConnectionString);
        using (var connection = storage.GetConnection())
            connection.GetRecurringJobs().Single().Cron.ShouldBe("0 * * * *");
        // The catalog the workers share; its first opening creates it.
        await SqliteDatabase.Open(Path.Combine(dir, "dist.db")).DisposeAsync();
        using var workers = new WorkerProcesses(dir, ["--db", "dist.db", "--jobs-db", jobs.Uri, "--orphan-after", "3"]);
        workers.StartAll(1);
        new RecurringJobManager(storage).Trigger(id);

        await using var work = await WorkStore.OpenAsync(jobs.ConnectionString, TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow.AddMinutes(5);
        WorkSet? set;
        while ((set = await work.GetSetAsync(1, TestContext.Current.CancellationToken)) is not { IsFinal: true })
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the scheduled set did not finish: {set}\n{workers.Log}");
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
        set.State.ShouldBe(WorkState.Completed, set.Error);
        set.Recogniser.ShouldBe(Doppel.Vision.Embedding.ModelProfiles.LicenceClean.Embedder, "the schedule names the recogniser its sets are queued with");
        await using var catalog = SqliteDatabase.Open(Path.Combine(dir, "dist.db"));
        var findings = await catalog.For(TenantId.Default).Dedup.GetFindingsAsync(set.DedupSetId!.Value, cancellationToken: TestContext.Current.CancellationToken);
        findings.Count.ShouldBeGreaterThan(0, "the first 12 LFW dev photos hold pairs; an empty set proves nothing");
        single.Output.ShouldContain($"Duplicate pairs: {findings.Count};");
    }
}
