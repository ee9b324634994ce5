using System.Diagnostics;
using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

/// <summary>Two processes on one catalog file: a lease held by a dead process on this host can be replaced at once,
/// writes on separate connections wait for each other and never corrupt. (The lease contract itself, exclusivity,
/// expiry and fencing tokens, is in the store contract; HeldLease's messages and heartbeat in HeldLeaseTests.)</summary>
public class ConcurrencyTests
{
    [Fact]
    public async Task ALeaseOfADeadProcessOnThisHostCanBeReplacedAndOfALiveOneCannot()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        using var owner = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            using (var raw = temp.Raw())
            {
                using var command = raw.CreateCommand();
                command.CommandText = """
                    INSERT INTO leases (name, token, purpose, holder_host, holder_pid, holder_instance, acquired_at, renewed_at, expires_at)
                    VALUES ('scan', 7, 'doppel scan (other process)', $host, $pid, 'other-instance', $t, $t, '2999-01-01T00:00:00.0000000Z')
                    """;
                command.Parameters.AddWithValue("$pid", owner.Id);
                command.Parameters.AddWithValue("$host", Environment.MachineName);
                command.Parameters.AddWithValue("$t", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
                command.ExecuteNonQuery();
            }
            var me = LeaseHolder.ThisProcess("mine");

            var refused = await db.Leases.TryAcquireAsync("scan", me, TimeSpan.FromMinutes(1), null, Ct);
            refused.HeldBy!.Holder.Pid.ShouldBe(owner.Id);
            LeaseHolders.IsDeadOnThisHost(refused.HeldBy).ShouldBeFalse();

            owner.Kill();
            owner.WaitForExit();

            LeaseHolders.IsDeadOnThisHost(refused.HeldBy).ShouldBeTrue();
            var taken = await db.Leases.TryAcquireAsync("scan", me, TimeSpan.FromMinutes(1), refused.HeldBy.Token, Ct);
            taken.Replaced!.Holder.Pid.ShouldBe(owner.Id);
            taken.Replaced.Holder.Purpose.ShouldBe("doppel scan (other process)");
            taken.Granted!.Token.ShouldBe(8);
            (await db.Leases.GetAsync("scan", Ct))!.Holder.Pid.ShouldBe(Environment.ProcessId);
        }
        finally
        {
            if (!owner.HasExited)
                owner.Kill();
        }
    }

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
