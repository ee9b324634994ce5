using Doppel.Cli.Tests;
using Doppel.Matching;
using Doppel.Testing.Servers;
using Doppel.Workers;

namespace Doppel.Workers.Tests;

/// <summary>
/// <c>doppel dedup --distributed --search ivf</c> on real <c>doppel worker</c> processes and a real PostgreSQL: the cells
/// are trained once when matching is planned, each range of cells is a job, and the findings are those of a
/// single-process <c>doppel dedup --search ivf</c> of the same photos, byte for byte, even with the worker killed
/// (SIGKILL) while the cell ranges are being matched.
/// </summary>
[Collection("shared-postgres")]
public sealed class IvfWorkerTests(PostgresServer server)
{
    /// <summary>120 LFW photos; --block-size 8 caps the probes per job, so the ~44 cells of the set (4·√N) become
    /// dozens of cell-range jobs. One worker runs them one after another and is killed once some, not all, are done;
    /// a fresh worker takes over the job it held.</summary>
    [Fact]
    public async Task CellRangesOverWorkersKilledMidMatchingGiveTheSingleProcessIvfFindings()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;
        var (dir, _) = SingleProcessBaseline.Run("workers-ivf", 120, "--search", "ivf", "--report", "single");

        var jobs = await server.CreateDatabaseAsync("jobs");
        using var workers = new WorkerProcesses(dir, ["--db", jobs.Uri, "--attempts", "10", .. WorkerProcesses.FastRecovery]);
        using var follower = DoppelProcess.Start(dir, "dedup", "photos", "--db", jobs.Uri, "--distributed", "--search", "ivf",
            "--chunk-size", "16", "--block-size", "8", "--report", "dist");
        var followerOut = follower.StandardOutput.ReadToEndAsync(ct);
        var followerErr = follower.StandardError.ReadToEndAsync(ct);
        workers.StartAll(1);
        string Context() => $"follower:\n{(follower.HasExited ? followerErr.Result : "(running)")}\nworkers:\n{workers.Log}";

        await using var progress = await WorkStore.OpenAsync(jobs.ConnectionString, ct);
        WorkSet? atKill = null;
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (atKill is null)
        {
            var set = await progress.GetSetAsync(1, ct);
            if (set is { State: WorkState.Matching, Partitions: int total } && set.PartitionsDone >= 1)
            {
                workers.KillAndReplace(0);
                atKill = set;
                break;
            }
            follower.HasExited.ShouldBeFalse($"the set finished before the worker could be killed while matching. {Context()}");
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"matching did not start in 10 minutes. {Context()}");
            await Task.Delay(20, ct);
        }
        atKill.Search.ShouldBe(WorkSet.SearchIvf);
        atKill.Partitions!.Value.ShouldBeGreaterThan(10, "the cells should be split into many cell-range jobs");
        atKill.PartitionsDone.ShouldBeLessThan(atKill.Partitions.Value, $"the kill must land while cell ranges are left. {Context()}");
        atKill.CellBounds.ShouldNotBeNull()[^1].ShouldBeGreaterThan(atKill.Partitions.Value - 1);

        follower.WaitForExit(TimeSpan.FromMinutes(10)).ShouldBeTrue($"the set did not finish within 10 minutes after the kill. {Context()}");
        follower.ExitCode.ShouldBe(0, Context());
        var done = await progress.GetSetAsync(1, ct);
        done!.PartitionsDone.ShouldBe(atKill.Partitions.Value);
        // The set recorded the recogniser it was queued with (the selected profile's), which every worker embedded and scored it with.
        done.Recogniser.ShouldBe(Doppel.Vision.Embedding.ModelProfiles.LicenceClean.Embedder);
        // The single-process IVF run must find pairs, or the comparison says nothing (measured: 2026-12-07, first 120 LFW dev photos).
        var expected = File.ReadAllText(Path.Combine(dir, "single", "findings.csv"));
        expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBeGreaterThan(20);
        File.ReadAllText(Path.Combine(dir, "dist", "findings.csv")).ShouldBe(expected, Context());
        (await followerOut).ShouldContain("Duplicate pairs: ");
        // Planning read the k-means sample's vectors (40 per cell: here every face) and then every face's in batches,
        // holding at most the sample twice (as read, as drawn) or one batch.
        int faces = (await progress.ReadFacesAsync(1, ct)).Count;
        int sample = Math.Min(faces, atKill.CellBounds[^1] * IvfOptions.Default.TrainingPointsPerCell);
        (await progress.ReadPlanReadsAsync(1, ct)).ShouldBe((sample + faces, Math.Max(2L * sample, Math.Min(faces, IvfStreamingPlan.DefaultBatchRows))));
        // Each range read its probers' vectors only (with 120 faces' wide probe lists, one range may be probed by all of them).
        (await PartitionReads.ShouldBeTheirProbersAsync(progress, 1, ct)).ShouldBeLessThanOrEqualTo((await progress.ReadFacesAsync(1, ct)).Count);
    }

    [Fact]
    public void HnswIsRefusedWithTheReason()
    {
        var dir = Doppel.Testing.RepoPaths.NewTempDir("workers-hnsw");
        Directory.CreateDirectory(Path.Combine(dir, "photos"));
        var result = DoppelProcess.Run(dir, "dedup", "photos", "--db", "postgres://nobody@127.0.0.1:1/none", "--distributed", "--search", "hnsw");
        result.ExitCode.ShouldBe(1);
        var line = result.Error.Split('\n').Single(l => l.StartsWith("error: ", StringComparison.Ordinal));
        line.ShouldContain("--search hnsw");
        line.ShouldContain("without --distributed");
    }
}
