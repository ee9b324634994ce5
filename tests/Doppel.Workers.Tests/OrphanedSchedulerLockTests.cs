using Doppel.Cli.Tests;
using Doppel.Testing.Servers;
using Hangfire;
using Hangfire.States;
using Npgsql;

namespace Doppel.Workers.Tests;

/// <summary>
/// A worker killed while its Hangfire server held the delayed-job scheduler's lock (<c>hangfire:locks:schedulepoller</c>,
/// taken at every server's start and every poll) leaves that lock row behind. Hangfire.PostgreSql's locks have no
/// heartbeat: a dead holder's lock is broken only when older than its lock timeout (10 minutes by default), and until
/// then no worker moves a Scheduled job (every retry after a failed attempt) back to its queue. That is how
/// <c>WorkerFaultTests</c>' kill run hung on 2026-12-07 with the read-once change re-applied: a worker killed 0.8 s after
/// its start held the scheduler's lock and job 9's state lock; the two chunk jobs that had failed when PostgreSQL
/// restarted stayed Scheduled (retry due at 14:45:38) with idle workers until the run was stopped 9 minutes later.
/// Here the dead scheduler's lock is written exactly as such a kill leaves it, and a chunk job is Scheduled as a
/// failed attempt leaves it: the set must finish far within the 10 minutes, with the single-process findings.
/// </summary>
[Collection("shared-postgres")]
public sealed class OrphanedSchedulerLockTests(PostgresServer server)
{
    [Fact]
    public async Task ARetryIsRunWhenTheSchedulersLockHolderWasKilled()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;
        var (dir, _) = SingleProcessBaseline.Run("workers-scheduler-lock", 8, "--report", "single");
        // Two pairs among the first 8 photos with the default pipeline (measured 2026-12-07): not empty-vs-empty.
        File.ReadAllLines(Path.Combine(dir, "single", "findings.csv")).Length.ShouldBeGreaterThan(1);

        var jobs = await server.CreateDatabaseAsync("schedlock");
        using var workers = new WorkerProcesses(dir, ["--db", jobs.Uri, .. WorkerProcesses.FastRecovery]);
        using var follower = DoppelProcess.Start(dir, "dedup", "photos", "--db", jobs.Uri, "--distributed", "--chunk-size", "4", "--block-size", "4", "--report", "dist");
        var followerOut = follower.StandardOutput.ReadToEndAsync(ct);
        var followerErr = follower.StandardError.ReadToEndAsync(ct);
        string Context() => $"follower:\n{(follower.HasExited ? followerErr.Result : "(running)")}\nworkers:\n{workers.Log}";
        try
        {
            await using var connection = new NpgsqlConnection(jobs.ConnectionString);
            await connection.OpenAsync(ct);
            // The follower queues the set's 2 chunk jobs; no worker runs yet.
            var deadline = DateTime.UtcNow.AddMinutes(3);
            long[]? chunkJobs;
            while ((chunkJobs = await ScalarAsync(connection, "SELECT array_agg(id ORDER BY id) FROM hangfire.job WHERE invocationdata::text LIKE '%AnalyseChunk%' AND statename = 'Enqueued'", ct) as long[]) is not { Length: 2 })
            {
                follower.HasExited.ShouldBeFalse($"the follower ended early. {Context()}");
                DateTime.UtcNow.ShouldBeLessThan(deadline, $"the chunk jobs were not queued. {Context()}");
                await Task.Delay(100, ct);
            }
            long retried = chunkJobs[0];
            // As a failed attempt leaves it: Scheduled for its retry, due in a second.
            new BackgroundJobClient(JobsStorage.Create(jobs.ConnectionString)).ChangeState(retried.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new ScheduledState(TimeSpan.FromSeconds(1)) { Reason = "Retry attempt 1 of 4: 57P01: terminating connection due to administrator command" }, EnqueuedState.StateName)
                .ShouldBeTrue();
            // A failed attempt's worker took the job off its queue (a worker takes a queued job whatever its state), and a
            // worker killed inside a scheduler pass left the lock row, with nobody to delete it.
            await using (var command = new NpgsqlCommand($"""
                DELETE FROM hangfire.jobqueue WHERE jobid = {retried};
                INSERT INTO hangfire.lock (resource, updatecount, acquired) VALUES ('hangfire:locks:schedulepoller', 0, now());
                """, connection))
                await command.ExecuteNonQueryAsync(ct);

            workers.StartAll(1);
            // Far below the 10 minutes a dead holder's lock held every retry before (--orphan-after 3 is also the lock timeout).
            follower.WaitForExit(TimeSpan.FromMinutes(3)).ShouldBeTrue($"the set did not finish within 3 minutes: the retry stayed Scheduled. {Context()}");
            follower.ExitCode.ShouldBe(0, Context());
            (await followerOut).ShouldContain("Duplicate pairs: ");
            File.ReadAllText(Path.Combine(dir, "dist", "findings.csv")).ShouldBe(File.ReadAllText(Path.Combine(dir, "single", "findings.csv")), Context());
            (await ScalarAsync(connection, $"SELECT statename FROM hangfire.job WHERE id = {retried}", ct)).ShouldBe("Succeeded");
            // Run after the scheduler moved it back to its queue (the dead holder's lock broken), not through a leftover queue row.
            (await ScalarAsync(connection, $"SELECT count(*) FROM hangfire.state WHERE jobid = {retried} AND name = 'Enqueued' AND reason LIKE 'Triggered by DelayedJobScheduler%'", ct)).ShouldBe(1L);
        }
        finally
        {
            // A failed run leaves no follower behind.
            if (!follower.HasExited)
                follower.Kill(entireProcessTree: true);
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        // Hangfire's schema appears with the follower's first enqueue.
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('hangfire.job') IS NOT NULL", connection))
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
                return null;
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(ct);
        return value is DBNull ? null : value;
    }
}
