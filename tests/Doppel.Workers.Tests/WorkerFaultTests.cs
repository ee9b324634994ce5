using System.Diagnostics;
using Doppel.Cli.Tests;
using Doppel.Storage.Postgres;
using Doppel.Testing.Servers;
using Doppel.Workers;

namespace Doppel.Workers.Tests;

/// <summary>
/// Real <c>doppel worker</c> processes on a real PostgreSQL the test starts, killed with SIGKILL at random
/// points while <c>doppel dedup --distributed</c> follows the set; the findings must be those of a
/// single-process <c>doppel dedup</c> of the same photos, byte for byte.
/// </summary>
// One PostgreSQL serves the assembly and WorkerFaultTests restarts it on purpose; a class running beside the
// restart lost its connection (merged suite of 2026-12-07), so every class here shares one sequential collection.
[Collection("shared-postgres")]
public sealed class WorkerFaultTests(PostgresServer server)
{
    /// <summary>Catalog and queue on PostgreSQL. 60 LFW photos in 30 chunks and 4 matching blocks (10 partitions) over 3 workers: 20 kills of a random
    /// worker at random points of the run (each replaced by a fresh process), and two restarts of PostgreSQL among them (every
    /// connection dropped mid-job). Env DOPPEL_WORKERS_LONG=1 runs 240 photos and 40 kills.
    /// The kill points follow the set's observed progress, not the clock: a schedule in seconds ran past the end of
    /// the set before its 20 kills on a loaded 2-core machine (2026-12-07). Each kill has its own number of finished
    /// chunks, drawn at random and never in the last fifth (so every kill falls inside the run), and waits for it, then
    /// for a random share of the observed time between two chunks, so kills land at varied moments of a job at any
    /// machine speed.</summary>
    [Fact]
    public async Task KilledWorkersAndARestartedDatabaseEndWithTheSingleProcessFindings()
    {
        server.Require();
        bool longRun = Environment.GetEnvironmentVariable("DOPPEL_WORKERS_LONG") == "1";
        int images = longRun ? 240 : 60, kills = longRun ? 40 : 20, chunkSize = 2, chunks = images / chunkSize;
        var (dir, single) = SingleProcessBaseline.Run("workers-kill", images, "--report", "single");

        var jobs = await server.CreateDatabaseAsync("jobs");
        // Catalog and job queue in one PostgreSQL database, as in production.
        using var workers = new WorkerProcesses(dir, ["--db", jobs.Uri, "--attempts", "10", .. WorkerProcesses.FastRecovery]);
        using var follower = DoppelProcess.Start(dir, "dedup", "photos", "--db", jobs.Uri, "--distributed",
            "--chunk-size", chunkSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "--block-size", "16", "--report", "dist");
        var followerOut = follower.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var followerErr = follower.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        workers.StartAll(3);

        int seed = Environment.TickCount;
        var random = new Random(seed);
        string Context() => $"seed {seed}\nfollower:\n{(follower.HasExited ? followerErr.Result : "(running)")}\nworkers:\n{workers.Log}";
        // Distinct points among the first four fifths of the chunks (20 of 24 here).
        var points = Enumerable.Range(0, chunks - chunks / 5).OrderBy(_ => random.Next()).Take(kills).Order().ToList();
        points.Count.ShouldBe(kills);
        await using var progress = await WorkStore.OpenAsync(jobs.ConnectionString, TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();
        (TimeSpan At, int Done)? first = null;
        var landed = new List<int>();
        for (int kill = 1; kill <= kills; kill++)
        {
            int done = await ChunksDoneAsync(progress, follower, points[kill - 1], Context);
            first ??= done >= 1 ? (clock.Elapsed, done) : null;
            // The mean time between two chunk completions since the first seen (the first chunks include loading the models).
            var between = first is { } f && done > f.Done ? (clock.Elapsed - f.At) / (done - f.Done) : TimeSpan.FromMilliseconds(200);
            await Task.Delay(between * random.NextDouble(), TestContext.Current.CancellationToken);
            follower.HasExited.ShouldBeFalse($"the set finished after {kill - 1} of {kills} kills; the kills must fall inside the run. {Context()}");
            if (kill % 7 == 0)
                await server.RestartAsync();
            int slot = random.Next(workers.Count);
            workers.KillAndReplace(slot);
            landed.Add(done);
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed}: kills after {string.Join(", ", landed)} of {chunks} chunks");

        follower.WaitForExit(TimeSpan.FromMinutes(10)).ShouldBeTrue($"the set did not finish within 10 minutes after the last kill. {Context()}");
        follower.ExitCode.ShouldBe(0, Context());
        // 31 pairs among the first 60 photos with the default pipeline (measured 2026-12-07); the comparison must not be empty-vs-empty.
        File.ReadAllLines(Path.Combine(dir, "single", "findings.csv")).Length.ShouldBeGreaterThan(20);
        File.ReadAllText(Path.Combine(dir, "dist", "findings.csv")).ShouldBe(File.ReadAllText(Path.Combine(dir, "single", "findings.csv")), Context());
        (await followerOut).ShouldContain("Duplicate pairs: ");
        LastLine(await followerOut, "Duplicate pairs").ShouldStartWith(LastLine(single.Output, "Duplicate pairs").Split(';')[0] + ";");
        // Each of the 10 partitions read its two blocks of 16 vectors (one on the diagonal), never the whole set's.
        (await PartitionReads.ShouldBeTheirBlocksAsync(progress, 1, TestContext.Current.CancellationToken)).ShouldBe(32);

        // No stale locks: every chunk lease is released, or expired (a holder killed after its commit, whose retry
        // found the chunk done and took no lease) — none blocks anything.
        await using var catalog = await PostgresDatabase.OpenAsync(jobs.Uri, TestContext.Current.CancellationToken);
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            var lease = await catalog.Leases.GetAsync($"work/1/chunk/{chunk}", TestContext.Current.CancellationToken);
            if (lease is not null)
                lease.ExpiresAt.ShouldBeLessThan(DateTimeOffset.UtcNow, $"chunk {chunk}'s lease is still live");
        }
    }

    /// <summary>
    /// The two ways a worker dies with a job just fetched, each deterministic: (1) inside Hangfire's state change
    /// right after the fetch (Enqueued → Processing), which leaves the job Enqueued, its queue row fetched and its
    /// state lock (<c>hangfire:job:ID:state-lock</c>) held by a dead process: written here exactly as such a kill
    /// leaves them, before any worker runs (a real kill lands in that window only now and then: 1 run in 8 of the
    /// service's variant of 2026-12-07 stayed Enqueued over 3 minutes, until Hangfire.PostgreSql's 10-minute default
    /// broke the lock); (2) a kill -9 of the worker as soon as a chunk job is Processing. Both jobs must run again within
    /// a bound far below 10 minutes (<c>--orphan-after 3</c> sets the invisibility and the lock timeout), and the
    /// findings must be the single-process run's. Env DOPPEL_WORKERS_REPEAT=N runs it N times.
    /// </summary>
    [Fact]
    public async Task AWorkerKilledRightAfterFetchingAJobLeavesNothingStuck()
    {
        server.Require();
        var (dir, single) = SingleProcessBaseline.Run("workers-fetch-kill", 8, "--report", "single");
        int repeat = int.TryParse(Environment.GetEnvironmentVariable("DOPPEL_WORKERS_REPEAT"), out var n) && n > 0 ? n : 1;
        for (int run = 1; run <= repeat; run++)
        {
            var ct = TestContext.Current.CancellationToken;
            var jobs = await server.CreateDatabaseAsync("fetchkill");
            using var workers = new WorkerProcesses(dir, ["--db", jobs.Uri, .. WorkerProcesses.FastRecovery]);
            var report = $"dist{run}";
            using var follower = DoppelProcess.Start(dir, "dedup", "photos", "--db", jobs.Uri, "--distributed", "--chunk-size", "2", "--block-size", "4", "--report", report);
            var followerOut = follower.StandardOutput.ReadToEndAsync(ct);
            var followerErr = follower.StandardError.ReadToEndAsync(ct);
            string Context() => $"run {run}\nfollower:\n{(follower.HasExited ? followerErr.Result : "(running)")}\nworkers:\n{workers.Log}";

            try
            {
                await using var connection = new Npgsql.NpgsqlConnection(jobs.ConnectionString);
                await connection.OpenAsync(ct);
                // The follower queues the set's 4 chunk jobs; no worker runs yet.
                var chunkJobs = await PollAsync(connection, "SELECT array_agg(id ORDER BY id) FROM hangfire.job WHERE invocationdata::text LIKE '%AnalyseChunk%' AND statename = 'Enqueued'",
                    v => v is long[] { Length: 4 }, follower, Context) as long[];
                long dead = chunkJobs![0];
                await ExecAsync(connection, $"""
                    UPDATE hangfire.jobqueue SET fetchedat = now() WHERE jobid = {dead};
                    INSERT INTO hangfire.lock (resource, updatecount, acquired) VALUES ('hangfire:job:{dead}:state-lock', 0, now());
                    """);

                workers.StartAll(1);
                // (2): the first chunk job the worker moves to Processing; its worker is killed at once and replaced.
                var processing = await PollAsync(connection, "SELECT min(id) FROM hangfire.job WHERE invocationdata::text LIKE '%AnalyseChunk%' AND statename = 'Processing'",
                    v => v is long, follower, Context, pollMs: 10);
                workers.KillAndReplace(0);
                TestContext.Current.TestOutputHelper?.WriteLine($"run {run}: job {dead} left fetched and locked; worker killed with job {processing} Processing");

                // Far below the 10 minutes the stale lock held the job before; the set is 8 photos.
                follower.WaitForExit(TimeSpan.FromMinutes(3)).ShouldBeTrue($"the set did not finish within 3 minutes: a job stayed stuck. {Context()}");
                follower.ExitCode.ShouldBe(0, Context());
                (await followerOut).ShouldContain("Duplicate pairs: ");
                File.ReadAllText(Path.Combine(dir, report, "findings.csv")).ShouldBe(File.ReadAllText(Path.Combine(dir, "single", "findings.csv")), Context());
                // Both jobs ran to success after their worker died; the dead worker's lock was broken, not waited out.
                (await ScalarAsync(connection, $"SELECT statename FROM hangfire.job WHERE id = {dead}")).ShouldBe("Succeeded");
                (await ScalarAsync(connection, $"SELECT statename FROM hangfire.job WHERE id = {processing}")).ShouldBe("Succeeded");
                (await ScalarAsync(connection, $"SELECT count(*) FROM hangfire.lock WHERE resource = 'hangfire:job:{dead}:state-lock'")).ShouldBe(0L);
                await using var work = await WorkStore.OpenAsync(jobs.ConnectionString, ct);
                await PartitionReads.ShouldBeTheirBlocksAsync(work, 1, ct);
            }
            finally
            {
                // A failed run leaves no follower behind.
                if (!follower.HasExited)
                    follower.Kill(entireProcessTree: true);
            }
        }
        // 6 pairs among the first 8 photos with the default pipeline (measured 2026-12-07): not empty-vs-empty.
        File.ReadAllLines(Path.Combine(dir, "single", "findings.csv")).Length.ShouldBeGreaterThan(3);
    }

    private static async Task<object?> PollAsync(Npgsql.NpgsqlConnection connection, string sql, Func<object?, bool> done, Process follower, Func<string> context, int pollMs = 100)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var value = await ScalarAsync(connection, sql);
            if (done(value))
                return value;
            follower.HasExited.ShouldBeFalse($"the follower ended early. {context()}");
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"timed out polling: {sql}. {context()}");
            await Task.Delay(pollMs, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<object?> ScalarAsync(Npgsql.NpgsqlConnection connection, string sql)
    {
        // Hangfire's schema appears with the follower's first enqueue.
        if (!await HasHangfireAsync(connection))
            return null;
        await using var query = new Npgsql.NpgsqlCommand(sql, connection);
        var value = await query.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        return value is DBNull ? null : value;
    }

    private static async Task<bool> HasHangfireAsync(Npgsql.NpgsqlConnection connection)
    {
        await using var command = new Npgsql.NpgsqlCommand("SELECT to_regclass('hangfire.job') IS NOT NULL", connection);
        return (bool)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private static async Task ExecAsync(Npgsql.NpgsqlConnection connection, string sql)
    {
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A set whose vectors are recorded as another model version: the only worker refuses its chunk on
    /// every attempt; after the attempts the job is in Hangfire's failed state with its error, the set is failed, and
    /// <c>dedup --distributed</c> says so in one error line.</summary>
    [Fact]
    public async Task AJobFailingEveryAttemptFailsItsSetVisibly()
    {
        server.Require();
        var dir = LfwCorpus.First("workers-fail", 4);
        var jobs = await server.CreateDatabaseAsync("jobs");
        // The set records its model version before any worker runs: a worker with other model files.
        await using (var work = await WorkStore.OpenAsync(jobs.ConnectionString, TestContext.Current.CancellationToken))
        {
            long pending = await work.CreateSetAsync(1, 99, "placeholder", null, "connected", 1, 1, [], TestContext.Current.CancellationToken);
            pending.ShouldBe(1);
        }
        // Set 1 above is a decoy that keeps ids apart: the set of this run is 2; pre-claim its version by id.
        using var follower = DoppelProcess.Start(dir, "dedup", "photos", "--db", "dist.db", "--jobs-db", jobs.Uri, "--distributed", "--chunk-size", "4");
        var followerErr = follower.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await using (var work = await WorkStore.OpenAsync(jobs.ConnectionString, TestContext.Current.CancellationToken))
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (await work.GetSetAsync(2, TestContext.Current.CancellationToken) is null)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, "the set was not queued");
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
            await work.ClaimModelAsync(2, "dlib-resnet29:another-graph", 0.9f, TestContext.Current.CancellationToken);
        }
        using (var workers = new WorkerProcesses(dir, ["--db", "dist.db", "--jobs-db", jobs.Uri, "--attempts", "2", .. WorkerProcesses.FastRecovery]))
        {
            workers.StartAll(1);
            follower.WaitForExit(TimeSpan.FromMinutes(5)).ShouldBeTrue(workers.Log);
            var error = await followerErr;
            follower.ExitCode.ShouldBe(1, error);
            var line = error.Split('\n').Single(l => l.StartsWith("error: ", StringComparison.Ordinal));
            line.ShouldContain("Set 2 failed: AnalyseChunk(2, 0) failed");
            line.ShouldContain("ModelVersionMismatchException");
            line.ShouldContain("dlib-resnet29:another-graph");
        }

        await using (var work = await WorkStore.OpenAsync(jobs.ConnectionString, TestContext.Current.CancellationToken))
            (await work.GetSetAsync(2, TestContext.Current.CancellationToken))!.State.ShouldBe(WorkState.Failed);
        var monitoring = JobsStorage.Create(jobs.ConnectionString).GetMonitoringApi();
        monitoring.FailedCount().ShouldBe(1);
        monitoring.FailedJobs(0, 10).Single().Value.ExceptionType.ShouldEndWith(nameof(ModelVersionMismatchException));
    }

    /// <summary>Waits until set 1 has at least <paramref name="atLeast"/> chunks done and returns how many it has (a restarted
    /// PostgreSQL refuses a few polls: they are retried).</summary>
    private static async Task<int> ChunksDoneAsync(WorkStore work, Process follower, int atLeast, Func<string> context)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            WorkSet? set = null;
            try
            {
                set = await work.GetSetAsync(1, TestContext.Current.CancellationToken);
            }
            catch (Npgsql.NpgsqlException)
            {
            }
            if (set is not null && set.ChunksDone >= atLeast)
                return set.ChunksDone;
            follower.HasExited.ShouldBeFalse($"the follower ended while waiting for chunk {atLeast}. {context()}");
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"no progress to chunk {atLeast} in 5 minutes. {context()}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static string LastLine(string output, string prefix) =>
        output.Split('\n').Last(l => l.StartsWith(prefix, StringComparison.Ordinal)).Trim();
}
