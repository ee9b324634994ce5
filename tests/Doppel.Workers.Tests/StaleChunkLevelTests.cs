using Doppel.Application.Ingest;
using Doppel.Application.Tests;
using Doppel.Cli.Tests;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Matching;
using Doppel.Models;
using Doppel.Storage;
using Doppel.Testing.Servers;
using Doppel.Vision.Embedding;

namespace Doppel.Workers.Tests;

/// <summary>
/// Planning takes the join cosine (threshold + the set's lowest face level) from the levels each analysis chunk recorded
/// when it committed, reading no vector. Another run that analyses a chunk's images again between that commit and the
/// plan gives them new faces with other vectors and levels, and the same face count: the recorded level is stale, and a
/// join at a stale (too high) cosine loses every pair between the two. Here the race is hit exactly, by running the job
/// graph in-process and re-analysing one chunk's images right before <see cref="DedupWork.PlanMatching"/>.
/// </summary>
[Collection("shared-postgres")]
public sealed class StaleChunkLevelTests(PostgresServer server)
{
    [Fact]
    public async Task AChunkAnalysedAgainBeforeThePlanIsLevelledAgainFromItsOwnVectorsOnly()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;
        var dir = LfwCorpus.First("workers-stale-level", 6);
        var names = Directory.EnumerateFiles(Path.Combine(dir, "photos"), "*.jpg", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        names.Count.ShouldBe(6);

        // Real dlib vectors whose levels differ: members of dlib's reference cohort (LFW pairsDevTrain faces), levelled as the
        // workers level them. The photos get the six of highest level; one photo analysed again gets the one of lowest.
        var profile = RecognitionProfiles.For(ModelNames.DlibResNet29);
        var cohort = profile.Cohorts[0].Cohort;
        var candidates = new VectorSet(cohort.Dimension, 200);
        for (int i = 0; i < 200; i++)
            candidates.Add(i, cohort.Row(i));
        var levels = FaceScoring.For(profile, cohort.ModelVersion, candidates, ct).Levels!;
        var byLevel = Enumerable.Range(0, 200).OrderByDescending(i => levels[i]).ToList();
        var first = names.Select((n, i) => (n, i)).ToDictionary(x => x.n!, x => cohort.Row(byLevel[x.i]).ToArray());

        var jobs = await server.CreateDatabaseAsync("stale");
        await using var graph = await InProcessGraph.OpenAsync(dir, jobs.ConnectionString, new ScriptedAnalyzer(first, model: ModelNames.DlibResNet29, version: cohort.ModelVersion), ct);
        long setId = InProcessGraph.IdOf(await graph.EnqueueAsync(new FolderDedupRequest([Path.Combine(dir, "photos")], ModelNames.DlibResNet29, ChunkSize: 3), ct));
        await graph.RunUntilAsync(nameof(DedupWork.PlanMatching), ct);
        var set = (await graph.Work.GetSetAsync(setId, ct))!;
        set.ChunksDone.ShouldBe(2);
        float threshold = set.Threshold!.Value;
        float stale = threshold + (await graph.Work.ReadChunksAsync(setId, ct)).Min(c => c.LowestLevel!.Value);

        // Another run analyses chunk 0's images again: new faces, one with another vector, as many as before.
        var stores = graph.Catalog.For(TenantId.Default);
        var chunk0 = await stores.Media.GetManyAsync(set.MediaIds.Take(3).ToList(), ct);
        var before = (await stores.Faces.ListOfMediaAsync(set.MediaIds, ct)).Select(f => f.Id).ToList();
        var again = new Dictionary<string, float[]>(first) { [Path.GetFileName(chunk0[0].Path)] = cohort.Row(byLevel[^1]).ToArray() };
        await using (var reset = await stores.BeginAsync(cancellationToken: ct))
        {
            await reset.Media.ResetAsync(chunk0.Select(m => m.Id).ToList(), ct);
            await reset.CommitAsync(ct);
        }
        long otherRun = await stores.Runs.StartAsync("dedup", "{}", chunk0.Count, ct);
        using (var other = new ScriptedAnalyzer(again, model: ModelNames.DlibResNet29, version: cohort.ModelVersion))
            await new AnalyseMediaHandler(stores, LocalFolderMediaStore.Instance, other).HandleAsync(chunk0, otherRun, chunk0.Count, null, ct);
        var after = (await stores.Faces.ListOfMediaAsync(set.MediaIds, ct)).Select(f => f.Id).ToList();
        after.Count.ShouldBe(before.Count, "the face count is unchanged: only the faces' checksum can tell");
        after.Intersect(before).Count().ShouldBe(3, "chunk 0's faces are new, chunk 1's are those it recorded");

        // The join cosine a single process takes over the faces as they are now.
        var current = new List<FaceEmbedding>();
        await foreach (var e in stores.Faces.ReadEmbeddingsOfFacesAsync(ModelNames.DlibResNet29, cohort.ModelVersion, after, ct))
            current.Add(e);
        var (vectors, _) = DedupMatcher.VectorsOf(current, _ => 0);
        float expected = FaceScoring.For(profile, cohort.ModelVersion, vectors, ct).JoinAt(threshold);
        expected.ShouldBeLessThan(stale, "the face analysed again must lower the set's lowest level, or the stale one would do");

        await graph.RunUntilAsync(nameof(DedupWork.MatchPartition), ct);
        var partition = graph.Queued.ShouldHaveSingleItem();
        ((float)partition.Args[3]).ShouldBe(expected);
        // Only the changed chunk's vectors were read to plan; the unchanged one's level came from its record.
        (await graph.Work.ReadPlanReadsAsync(setId, ct)).ShouldBe((3L, 3L));

        await graph.RunAllAsync(ct);
        (await graph.Work.GetSetAsync(setId, ct))!.State.ShouldBe(WorkState.Completed);
    }
}
