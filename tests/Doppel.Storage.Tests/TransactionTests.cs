using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

/// <summary>All-or-nothing writes (units of work on the SQLite file), and runs that resume after being cut off.</summary>
public class TransactionTests
{
    [Fact]
    public async Task DisposingAUnitOfWorkWithoutCommitLeavesNothing()
    {
        using var temp = new TempCatalog();
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var kept = (await Register(s, Entry("/p/kept.jpg", "kept"))).Media.Id;
            await using (var uow = await s.BeginAsync(null, Ct))
            {
                var id = (await Register(uow, Entry("/p/a.jpg", "a"))).Media.Id;
                await uow.Media.SaveResultsAsync([Ok(id, Face(1, "dlib-resnet29")), Ok(kept, Face(2))], null, Ct);
                await uow.Persons.CreateAsync("p", null, Ct);
                await uow.IgnoredPairs.AddAsync(Hash("a"), Hash("kept"), null, null, Ct);
                (await uow.Faces.CountAsync(Ct)).ShouldBe(2); // visible inside the unit of work
            }
            (await s.Media.CountAsync(null, Ct)).ShouldBe(1);
            (await s.Faces.CountAsync(Ct)).ShouldBe(0);
            (await s.Media.GetAsync(kept, Ct))!.State.ShouldBe(MediaState.Pending);
            (await s.Persons.ListAsync(Page.All, Ct)).ShouldBeEmpty();
            (await s.IgnoredPairs.ListAsync(Ct)).ShouldBeEmpty();
        }
        temp.RawScalar("SELECT COUNT(*) FROM face_embeddings").ShouldBe(0);
    }

    [Fact]
    public async Task ACommittedUnitOfWorkKeepsEverything()
    {
        using var temp = new TempCatalog();
        await using (var db = temp.Open())
        await using (var uow = await Stores(db).BeginAsync(null, Ct))
        {
            var id = (await Register(uow, Entry("/p/a.jpg", "a"))).Media.Id;
            await uow.Media.SaveResultsAsync([Ok(id, Face(1, "dlib-resnet29"))], null, Ct);
            await uow.CommitAsync(Ct);
            await Should.ThrowAsync<InvalidOperationException>(() => uow.CommitAsync(Ct));
        }
        temp.RawScalar("SELECT COUNT(*) FROM face_embeddings").ShouldBe(1);
    }

    [Fact]
    public async Task ABatchWithOneBadResultStoresNoneOfIt()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        var id = (await Register(s, Entry("/p/a.jpg", "a"))).Media.Id;
        var run = await s.Runs.StartAsync("scan", "{}", 0, Ct);

        await Should.ThrowAsync<CatalogException>(() => s.Media.SaveResultsAsync([Ok(id, Face(1, "dlib-resnet29")), NoFace(id + 100)], run, Ct));

        (await s.Media.GetAsync(id, Ct))!.State.ShouldBe(MediaState.Pending);
        (await s.Faces.CountAsync(Ct)).ShouldBe(0);
        (await s.Runs.GetAsync(run, Ct))!.Processed.ShouldBe(0);
    }

    [Fact]
    public async Task AFailedWriteInsideAUnitOfWorkUndoesOnlyItselfAndTheRestCommits()
    {
        using var temp = new TempCatalog();
        await using (var db = temp.Open())
        await using (var uow = await Stores(db).BeginAsync(null, Ct))
        {
            var id = (await Register(uow, Entry("/p/a.jpg", "a"))).Media.Id;
            await Should.ThrowAsync<CatalogException>(() => uow.Media.SaveResultsAsync([Ok(id, Face(1)), NoFace(999)], null, Ct));
            (await uow.Faces.CountAsync(Ct)).ShouldBe(0);
            await uow.Media.SaveResultsAsync([NoFace(id)], null, Ct);
            await uow.CommitAsync(Ct);
        }
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            (await s.Media.ListAsync(null, Page.All, Ct)).Single().ReasonCode.ShouldBe("no_face");
            (await s.Faces.CountAsync(Ct)).ShouldBe(0);
        }
    }

    /// <summary>A scan cut off mid-batch (its unit of work ended without committing) resumes: the run is
    /// found, exactly the files without stored results are pending, the counters match, and finishing
    /// the remaining files completes it with nothing done twice. (KilledProcessTests does it with a real kill.)</summary>
    [Fact]
    public async Task RunCutOffMidBatchResumesWithoutRedoingOrLosingWork()
    {
        using var temp = new TempCatalog();
        long runId;
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var ids = (await s.Media.RegisterAsync(Enumerable.Range(0, 10).Select(i => Entry($"/p/{i}.jpg", $"img{i}", 100 + i)).ToList(), Ct))
                .Select(r => r.Media.Id).ToList();
            runId = await s.Runs.StartAsync("scan", """{"dir":"/p"}""", 10, Ct);
            await s.Media.SaveResultsAsync([Ok(ids[0], Face(0, "dlib-resnet29")), NoFace(ids[1])], runId, Ct);
            await s.Media.SaveResultsAsync([Ok(ids[2], Face(2, "dlib-resnet29")), Ok(ids[3], Face(3, "dlib-resnet29"))], runId, Ct);
            await using var cutOff = await s.BeginAsync(null, Ct);
            await cutOff.Media.SaveResultsAsync([Ok(ids[4], Face(4, "dlib-resnet29")), Ok(ids[5], Face(5, "dlib-resnet29"))], runId, Ct);
            // the process "dies" here: the batch is never committed
        }

        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var run = (await s.Runs.FindUnfinishedAsync("scan", Ct))!;
            run.Id.ShouldBe(runId);
            (run.Processed, run.Rejected).ShouldBe((4L, 1L));
            var pending = await s.Media.ListAsync(MediaState.Pending, Page.All, Ct);
            pending.Select(m => m.Path).ShouldBe(Enumerable.Range(4, 6).Select(i => $"/p/{i}.jpg"));
            (await s.Faces.CountAsync(Ct)).ShouldBe(3);

            await s.Runs.UpdateAsync(runId, null, Ct);
            await s.Media.SaveResultsAsync(pending.Select(m => Ok(m.Id, Face((int)m.Id, "dlib-resnet29"))).ToList(), runId, Ct);
            await s.Runs.FinishAsync(runId, RunState.Completed, null, Ct);

            var finished = (await s.Runs.GetAsync(runId, Ct))!;
            (finished.State, finished.Processed, finished.Rejected, finished.Total).ShouldBe((RunState.Completed, 10L, 1L, 10L));
            (await s.Media.CountAsync(MediaState.Pending, Ct)).ShouldBe(0);
            (await s.Faces.CountAsync(Ct)).ShouldBe(9);
            (await ToListAsync(s.Faces.ReadEmbeddingsAsync("dlib-resnet29", Ct))).Count.ShouldBe(9);
        }
    }
}
