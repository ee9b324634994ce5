namespace Doppel.Storage.Tests;

/// <summary>All-or-nothing writes, and runs that resume after being cut off.</summary>
public class TransactionTests
{
    [Fact]
    public void DisposingATransactionWithoutCommitLeavesNothing()
    {
        using var temp = new TempCatalog();
        using (var catalog = temp.Open())
        {
            var kept = catalog.RegisterMedia("/p/kept.jpg", TempCatalog.Hash("kept"), 1).Media.Id;
            using (catalog.BeginTransaction())
            {
                var id = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 1).Media.Id;
                catalog.SaveResults([TempCatalog.Ok(id, TempCatalog.Face(1, "dlib-resnet29")), TempCatalog.Ok(kept, TempCatalog.Face(2))]);
                catalog.CreatePerson("p");
                catalog.IgnorePair(TempCatalog.Hash("a"), TempCatalog.Hash("kept"), null, null);
                catalog.CountFaces().ShouldBe(2); // visible inside the transaction
            }
            catalog.CountMedia().ShouldBe(1);
            catalog.CountFaces().ShouldBe(0);
            catalog.GetMedia(kept)!.State.ShouldBe(MediaState.Pending);
            catalog.ListPersons().ShouldBeEmpty();
            catalog.ListIgnoredPairs().ShouldBeEmpty();
        }
        temp.RawScalar("SELECT COUNT(*) FROM face_embeddings").ShouldBe(0);
    }

    [Fact]
    public void CommittedTransactionKeepsEverything()
    {
        using var temp = new TempCatalog();
        using (var catalog = temp.Open())
        using (var tx = catalog.BeginTransaction())
        {
            var id = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 1).Media.Id;
            catalog.SaveResults([TempCatalog.Ok(id, TempCatalog.Face(1, "dlib-resnet29"))]);
            tx.Commit();
            Should.Throw<InvalidOperationException>(tx.Commit);
        }
        temp.RawScalar("SELECT COUNT(*) FROM face_embeddings").ShouldBe(1);
    }

    [Fact]
    public void ABatchWithOneBadResultStoresNoneOfIt()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        var id = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 1).Media.Id;
        var run = catalog.StartRun("scan", "{}");

        Should.Throw<CatalogException>(() => catalog.SaveResults([TempCatalog.Ok(id, TempCatalog.Face(1, "dlib-resnet29")), TempCatalog.NoFace(id + 100)], run));

        catalog.GetMedia(id)!.State.ShouldBe(MediaState.Pending);
        catalog.CountFaces().ShouldBe(0);
        catalog.GetRun(run)!.Processed.ShouldBe(0);
    }

    [Fact]
    public void AFailedWriteInsideATransactionUndoesOnlyItselfAndTheRestCommits()
    {
        using var temp = new TempCatalog();
        using (var catalog = temp.Open())
        using (var tx = catalog.BeginTransaction())
        {
            var id = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 1).Media.Id;
            Should.Throw<CatalogException>(() => catalog.SaveResults([TempCatalog.Ok(id, TempCatalog.Face(1)), TempCatalog.NoFace(999)]));
            catalog.CountFaces().ShouldBe(0);
            catalog.SaveResults([TempCatalog.NoFace(id)]);
            tx.Commit();
        }
        using (var catalog = temp.Open())
        {
            catalog.ListMedia().Single().ReasonCode.ShouldBe("no_face");
            catalog.CountFaces().ShouldBe(0);
        }
    }

    [Fact]
    public void TransactionsDoNotNest()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        using var tx = catalog.BeginTransaction();
        Should.Throw<InvalidOperationException>(() => catalog.BeginTransaction()).Message.ShouldContain("do not nest");
    }

    /// <summary>A scan cut off mid-batch (its process closed without committing) resumes: the run is
    /// found, exactly the files without stored results are pending, the counters match, and finishing
    /// the remaining files completes it with nothing done twice.</summary>
    [Fact]
    public void RunCutOffMidBatchResumesWithoutRedoingOrLosingWork()
    {
        using var temp = new TempCatalog();
        long runId;
        using (var catalog = temp.Open())
        {
            var ids = Enumerable.Range(0, 10).Select(i => catalog.RegisterMedia($"/p/{i}.jpg", TempCatalog.Hash($"img{i}"), 100 + i).Media.Id).ToList();
            runId = catalog.StartRun("scan", """{"dir":"/p"}""", total: 10);
            catalog.SaveResults([TempCatalog.Ok(ids[0], TempCatalog.Face(0, "dlib-resnet29")), TempCatalog.NoFace(ids[1])], runId);
            catalog.SaveResults([TempCatalog.Ok(ids[2], TempCatalog.Face(2, "dlib-resnet29")), TempCatalog.Ok(ids[3], TempCatalog.Face(3, "dlib-resnet29"))], runId);
            var cutOff = catalog.BeginTransaction();
            catalog.SaveResults([TempCatalog.Ok(ids[4], TempCatalog.Face(4, "dlib-resnet29")), TempCatalog.Ok(ids[5], TempCatalog.Face(5, "dlib-resnet29"))], runId);
            _ = cutOff; // the process "dies" here: the catalog closes with the batch uncommitted
        }

        using (var catalog = temp.Open())
        {
            var run = catalog.FindUnfinishedRun("scan")!;
            run.Id.ShouldBe(runId);
            (run.Processed, run.Rejected).ShouldBe((4L, 1L));
            var pending = catalog.ListMedia(MediaState.Pending);
            pending.Select(m => m.Path).ShouldBe(Enumerable.Range(4, 6).Select(i => $"/p/{i}.jpg"));
            catalog.CountFaces().ShouldBe(3);

            catalog.UpdateRun(runId);
            catalog.SaveResults(pending.Select(m => TempCatalog.Ok(m.Id, TempCatalog.Face((int)m.Id, "dlib-resnet29"))).ToList(), runId);
            catalog.FinishRun(runId, RunState.Completed);

            var finished = catalog.GetRun(runId)!;
            (finished.State, finished.Processed, finished.Rejected, finished.Total).ShouldBe((RunState.Completed, 10L, 1L, 10L));
            catalog.CountMedia(MediaState.Pending).ShouldBe(0);
            catalog.CountFaces().ShouldBe(9);
            catalog.ReadEmbeddings("dlib-resnet29").Count().ShouldBe(9);
        }
    }
}
