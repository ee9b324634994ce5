using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

/// <summary>Two processes on one catalog file: writes on separate connections wait for each other and never corrupt.
/// (Leases: exclusivity, expiry and fencing tokens in the store contract; a dead holder's takeover, the messages and
/// the heartbeat in HeldLeaseTests.)</summary>
public class ConcurrencyTests
{
    [Fact]
    public async Task AWriterWaitsForAnotherConnectionsUnitOfWorkInsteadOfFailing()
    {
        using var temp = new TempCatalog();
        await using var first = temp.Open();
        var uow = await Stores(first).BeginAsync(null, Ct);
        await Register(uow, Entry("/p/first.jpg", "first"));

        // Another process: its own database object on the same file.
        var secondWrite = Task.Run(async () =>
        {
            await using var second = temp.Open();
            await Register(Stores(second), Entry("/p/second.jpg", "second"));
        }, Ct);
        await Task.Delay(300, Ct);
        secondWrite.IsCompleted.ShouldBeFalse();
        await uow.CommitAsync(Ct);
        await uow.DisposeAsync();
        await secondWrite.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        (await Stores(first).Media.ListAsync(null, Page.All, Ct)).Select(m => m.Path).ShouldBe(["/p/first.jpg", "/p/second.jpg"]);
    }

    [Fact]
    public async Task ParallelWritersOnSeparateConnectionsLoseNothingAndCorruptNothing()
    {
        using var temp = new TempCatalog();
        await using (temp.Open()) { }
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            await using var db = temp.Open();
            var s = Stores(db);
            for (int i = 0; i < 25; i++)
            {
                var id = (await Register(s, Entry($"/p/{w}/{i}.jpg", $"{w}/{i}"))).Media.Id;
                await s.Media.SaveResultsAsync([Ok(id, Face(i, "dlib-resnet29"))], null, Ct);
            }
        }, Ct)).ToArray();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(2), Ct);

        temp.RawScalar("SELECT COUNT(*) FROM media_files WHERE state = 'done'").ShouldBe(100);
        temp.RawScalar("SELECT COUNT(*) FROM face_embeddings").ShouldBe(100);
        using var raw = temp.Raw();
        using var check = raw.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        check.ExecuteScalar().ShouldBe("ok");
    }
}
