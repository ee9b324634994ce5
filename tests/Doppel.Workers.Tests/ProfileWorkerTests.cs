using Doppel.Cli.Tests;
using Doppel.Testing.Servers;
using Doppel.Vision.Embedding;

namespace Doppel.Workers.Tests;

/// <summary>
/// <c>dedup --distributed --model</c> of the accurate profile's weighted fusion, run by workers started on the default
/// profile: the set records its recogniser, the workers analyse it with that recogniser's pipeline (not their own), and
/// every step scores with its profile (threshold, calibration, group cut), so findings.csv, probabilities included, is the
/// single-process run's. Read from the stored model name, which drops the weights, the fusion's profile was an unweighted
/// ensemble's, with another threshold and no calibration.
/// </summary>
[Collection("shared-postgres")]
public sealed class ProfileWorkerTests(PostgresServer server)
{
    [Fact]
    public async Task WorkersOnTheDefaultProfileRunAnAccurateSetAsASingleProcessDoes()
    {
        server.Require();
        Doppel.Testing.InstalledModels.Require([.. ModelProfiles.Accurate.Models.Select(m => m.Name)]);
        var ct = TestContext.Current.CancellationToken;
        var dir = LfwCorpus.First("workers-accurate", 12);
        var single = DoppelProcess.Run(dir, "dedup", "photos", "--db", "single.db", "--model", ModelProfiles.Accurate.Embedder, "--report", "single");
        single.ExitCode.ShouldBe(0, single.Error);
        var expected = File.ReadAllText(Path.Combine(dir, "single", "findings.csv"));
        expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBeGreaterThan(1, "the first 12 LFW dev photos hold pairs; none proves nothing");

        var jobs = await server.CreateDatabaseAsync("accurate");
        // No --model: the workers' own recogniser is the default profile's (dlib alone).
        using var workers = new WorkerProcesses(dir, ["--db", jobs.Uri, .. WorkerProcesses.FastRecovery]);
        workers.StartAll(1);
        var dist = await Task.Run(() => DoppelProcess.Run(dir, "dedup", "photos", "--db", jobs.Uri, "--distributed", "--model", ModelProfiles.Accurate.Embedder,
            "--chunk-size", "4", "--block-size", "4", "--report", "dist"), ct);
        dist.ExitCode.ShouldBe(0, $"{dist.Error}\n{workers.Log}");
        File.ReadAllText(Path.Combine(dir, "dist", "findings.csv")).ShouldBe(expected);

        await using var work = await WorkStore.OpenAsync(jobs.ConnectionString, ct);
        var set = (await work.GetSetAsync(1, ct))!;
        set.State.ShouldBe(WorkState.Completed);
        // The fusion with its weights (as the pipeline spells them: normalised to sum 1).
        RecognitionProfiles.Canonical(set.Recogniser.ShouldNotBeNull()).ShouldBe(RecognitionProfiles.Canonical(ModelProfiles.Accurate.Embedder));
        set.Profile.ShouldBe(RecognitionProfiles.Accurate);
    }
}
