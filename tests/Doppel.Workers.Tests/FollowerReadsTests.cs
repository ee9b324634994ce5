using Doppel.Application.Tests;
using Doppel.Cli.Infrastructure;
using Doppel.Cli.Tests;
using Doppel.Models;
using Doppel.Storage;
using Doppel.Testing.Servers;

namespace Doppel.Workers.Tests;

/// <summary>
/// The fan-in (<see cref="DedupWork.Finish"/>) and the follower of <c>dedup --distributed</c> build findings, summary and
/// report from the stored pairs. They read the vectors of the faces they need, by id: those of the paired images (groups
/// score their members), and the follower with a report every face the set matched (the score histogram); never the
/// set's other faces' vectors, nor every vector of the model in the catalog, which a shared catalog grows with every
/// earlier set.
/// </summary>
[Collection("shared-postgres")]
public sealed class FollowerReadsTests(PostgresServer server)
{
    [Fact]
    public async Task TheOutcomeReadsThePairedFacesAndWithAReportTheSetsFacesNoOthers()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;
        var dir = LfwCorpus.First("workers-follower-reads", 10);
        var files = Directory.EnumerateFiles(Path.Combine(dir, "photos"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        // An earlier set's 4 images, in the same catalog with vectors of the same model; the one in "lone" (300 degrees:
        // it pairs with none) is in this set too, analysed already, so its chunk checks that its face has a vector of the
        // version, reading that face's own, never the ids of every face of the model in the catalog.
        Directory.CreateDirectory(Path.Combine(dir, "earlier"));
        Directory.CreateDirectory(Path.Combine(dir, "lone"));
        foreach (var (file, i) in files.Take(4).Select((f, i) => (f, i)))
            File.Move(file, Path.Combine(dir, i == 3 ? "lone" : "earlier", Path.GetFileName(file)));
        // Scripted vectors (scored as mobilefacenet-192's: raw cosines) 60 degrees apart (cosine 0.5) except the set's first two photos (10 degrees: cosine 0.985),
        // its one pair at the 0.7 threshold; the earlier photos sit on the same directions.
        double[] degrees = [0, 120, 180, 300, 0, 10, 60, 120, 180, 240];
        var vectorOf = files.Select((f, i) => (Path.GetFileName(f), ScriptedAnalyzer.At(degrees[i]))).ToDictionary(x => x.Item1, x => x.Item2);

        var jobs = await server.CreateDatabaseAsync("follower");
        await using var graph = await InProcessGraph.OpenAsync(dir, jobs.ConnectionString, new ScriptedAnalyzer(vectorOf, model: ModelNames.MobileFaceNet192), ct);
        var earlier = await graph.EnqueueAsync(new FolderDedupRequest([Path.Combine(dir, "earlier"), Path.Combine(dir, "lone")], ModelNames.MobileFaceNet192, ChunkSize: 2), ct);
        await graph.RunAllAsync(ct);
        var queued = await graph.EnqueueAsync(new FolderDedupRequest([Path.Combine(dir, "photos"), Path.Combine(dir, "lone")], ModelNames.MobileFaceNet192, ChunkSize: 2), ct);
        long listed = graph.IdsListed;
        await graph.RunUntilAsync(nameof(DedupWork.PlanMatching), ct);
        (graph.IdsListed - listed).ShouldBe(0, "no analysis chunk lists the model's faces");
        await graph.RunUntilAsync(nameof(DedupWork.Finish), ct);
        (graph.IdsListed - listed).ShouldBe(0, "planning asks which of the set's own faces have a vector, not the whole catalog");
        // The fan-in, too, reads the paired images' faces only.
        long before = graph.VectorsRead;
        await graph.RunAllAsync(ct);
        (graph.VectorsRead - before).ShouldBe(2, "Finish reads the vectors of the two paired images' faces");
        var set = (await graph.Work.GetSetAsync(InProcessGraph.IdOf(queued), ct))!;
        set.State.ShouldBe(WorkState.Completed, set.Error);
        var earlierSet = (await graph.Work.GetSetAsync(InProcessGraph.IdOf(earlier), ct))!;
        earlierSet.State.ShouldBe(WorkState.Completed);
        set.MediaIds.Intersect(earlierSet.MediaIds).Count().ShouldBe(1, "lone's photo, analysed by the earlier set");
        int matched = await graph.Work.CountFacesAsync(set.Id, ct);
        matched.ShouldBe(7);

        var summary = new CountingStores(graph.Catalog.For(TenantId.Default));
        var outcome = await DistributedDedup.OutcomeAsync(summary, set, matched, queued, TimeSpan.Zero, forReport: false, ct);
        outcome.Pairs.ShouldHaveSingleItem();
        outcome.Groups.ShouldHaveSingleItem().Count.ShouldBe(2);
        summary.VectorsRead.ShouldBe(2, "the faces of the two paired images");

        var report = new CountingStores(graph.Catalog.For(TenantId.Default));
        var reported = await DistributedDedup.OutcomeAsync(report, set, matched, queued, TimeSpan.Zero, forReport: true, ct);
        report.VectorsRead.ShouldBe(7, "every face of the set, none of the earlier set's other 3");
        reported.Vectors!.Count.ShouldBe(7);
        reported.Pairs.ShouldBe(outcome.Pairs);
        reported.Groups.Select(g => string.Join(',', g)).ShouldBe(outcome.Groups.Select(g => string.Join(',', g)));

        // The run's --group-probability reaches the follower, which forms the groups: the same pairs, the run's cut.
        var strict = await DistributedDedup.OutcomeAsync(graph.Catalog.For(TenantId.Default), set, matched, queued, TimeSpan.Zero, forReport: false, ct,
            groupMinProbability: 0.99);
        strict.Pairs.ShouldBe(outcome.Pairs);
        strict.GroupCutProbability!.Value.ShouldBe(0.99, 1e-3);
        outcome.GroupCutProbability!.Value.ShouldBeLessThan(0.99);
    }
}
