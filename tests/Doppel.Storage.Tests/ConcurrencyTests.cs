using System.Diagnostics;

namespace Doppel.Storage.Tests;

/// <summary>Two commands on one catalog file: locks fail clearly or are taken over; writes wait for each other and never corrupt.</summary>
public class ConcurrencyTests
{
    [Fact]
    public void SecondHolderGetsAClearErrorNamingTheFirst()
    {
        using var temp = new TempCatalog();
        using var first = temp.Open();
        using var second = temp.Open();
        using var held = first.AcquireLock("scan", "doppel scan /photos");
        held.TookOverFrom.ShouldBeNull();

        var error = Should.Throw<CatalogLockedException>(() => second.AcquireLock("scan", "doppel dedup /photos"));

        error.Owner.Pid.ShouldBe(Environment.ProcessId);
        error.Message.ShouldContain("doppel scan /photos");
        error.Message.ShouldContain($"pid {Environment.ProcessId}");
        error.Message.ShouldContain(temp.Path);
        // Different lock names do not conflict.
        using (second.AcquireLock("cluster", "doppel cluster")) { }
        second.GetLockOwner("scan")!.Token.ShouldBe(held.Owner.Token);
    }

    [Fact]
    public void ReleasedLockCanBeTakenAgain()
    {
        using var temp = new TempCatalog();
        using var first = temp.Open();
        using var second = temp.Open();
        first.AcquireLock("scan", "one").Dispose();
        first.GetLockOwner("scan").ShouldBeNull();
        using var again = second.AcquireLock("scan", "two");
        again.TookOverFrom.ShouldBeNull();
        again.IsHeld.ShouldBeTrue();
    }

    [Fact]
    public void LockOfADeadProcessIsTakenOverAndOfALiveOneIsNot()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
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

            Should.Throw<CatalogLockedException>(() => catalog.AcquireLock("scan", "mine")).Owner.Pid.ShouldBe(owner.Id);

            owner.Kill();
            owner.WaitForExit();

            using var taken = catalog.AcquireLock("scan", "mine");
            taken.TookOverFrom!.Pid.ShouldBe(owner.Id);
            taken.TookOverFrom.Purpose.ShouldBe("doppel scan (other process)");
            catalog.GetLockOwner("scan")!.Pid.ShouldBe(Environment.ProcessId);
        }
        finally
        {
            if (!owner.HasExited)
                owner.Kill();
        }
    }

    [Fact]
    public void SilentOwnerIsTakenOverAndLearnsItLostTheLock()
    {
        using var temp = new TempCatalog();
        using var first = temp.Open();
        using var second = temp.Open();
        using var stale = first.AcquireLock("scan", "hung", staleAfter: TimeSpan.FromHours(1));
        using (var raw = temp.Raw())
        {
            using var command = raw.CreateCommand();
            command.CommandText = "UPDATE leases SET expires_at = '2020-01-01T00:00:00.0000000Z'"; // its heartbeats stopped long ago
            command.ExecuteNonQuery();
        }

        using var taken = second.AcquireLock("scan", "fresh", staleAfter: TimeSpan.FromMinutes(1));

        taken.TookOverFrom!.Token.ShouldBe(stale.Owner.Token);
        Should.Throw<CatalogException>(stale.Heartbeat).Message.ShouldContain("taken over");
        stale.IsHeld.ShouldBeFalse();
        stale.Dispose(); // must not delete the new owner's row
        second.GetLockOwner("scan")!.Token.ShouldBe(taken.Owner.Token);
    }

    [Fact]
    public void HeldLockKeepsItsHeartbeatFresh()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        using var held = catalog.AcquireLock("scan", "beating", staleAfter: TimeSpan.FromSeconds(1));
        var first = catalog.GetLockOwner("scan")!.HeartbeatAt;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (catalog.GetLockOwner("scan")!.HeartbeatAt == first && DateTime.UtcNow < deadline)
            Thread.Sleep(50);
        catalog.GetLockOwner("scan")!.HeartbeatAt.ShouldBeGreaterThan(first);
        held.IsHeld.ShouldBeTrue();
    }

    [Fact]
    public async Task WriterWaitsForAnotherConnectionsTransactionInsteadOfFailing()
    {
        using var temp = new TempCatalog();
        using var first = temp.Open();
        using (temp.Open()) { }
        var tx = first.BeginTransaction();
        first.RegisterMedia("/p/first.jpg", TempCatalog.Hash("first"), 1);

        var secondWrite = Task.Run(() =>
        {
            using var second = temp.Open();
            second.RegisterMedia("/p/second.jpg", TempCatalog.Hash("second"), 1);
        }, TestContext.Current.CancellationToken);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        secondWrite.IsCompleted.ShouldBeFalse();
        tx.Commit();
        tx.Dispose();
        await secondWrite.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        first.ListMedia().Select(m => m.Path).ShouldBe(["/p/first.jpg", "/p/second.jpg"]);
    }

    [Fact]
    public async Task ParallelWritersOnSeparateConnectionsLoseNothingAndCorruptNothing()
    {
        using var temp = new TempCatalog();
        using (temp.Open()) { }
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            using var catalog = temp.Open();
            for (int i = 0; i < 25; i++)
            {
                var id = catalog.RegisterMedia($"/p/{w}/{i}.jpg", TempCatalog.Hash($"{w}/{i}"), 1).Media.Id;
                catalog.SaveResults([TempCatalog.Ok(id, TempCatalog.Face(i, "dlib-resnet29"))]);
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

        temp.RawScalar("SELECT COUNT(*) FROM media_files WHERE state = 'done'").ShouldBe(100);
        temp.RawScalar("SELECT COUNT(*) FROM face_embeddings").ShouldBe(100);
        using var raw = temp.Raw();
        using var check = raw.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        check.ExecuteScalar().ShouldBe("ok");
    }
}
