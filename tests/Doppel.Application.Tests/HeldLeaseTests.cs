using System.Diagnostics;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Microsoft.Data.Sqlite;

namespace Doppel.Application.Tests;

/// <summary>The lease a use case holds while it writes (the CLI's "ingest" and "persons" locks): a second holder gets a
/// clear error naming the first, a dead holder on this host is replaced at once, and a held lease keeps renewing.</summary>
public class HeldLeaseTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDir("doppel-lease");

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DbPath => Path.Combine(_dir, "catalog.db");

    [Fact]
    public async Task ASecondHolderGetsAClearErrorNamingTheFirstAndAReleasedLeaseCanBeTakenAgain()
    {
        await using var db = SqliteDatabase.Open(DbPath);
        await using (var held = await HeldLease.AcquireAsync(db, "scan", "doppel scan /photos", cancellationToken: Ct))
        {
            held.Replaced.ShouldBeNull();
            var error = await Should.ThrowAsync<CatalogLockedException>(() => HeldLease.AcquireAsync(db, "scan", "doppel dedup /photos", cancellationToken: Ct));
            error.Owner.Pid.ShouldBe(Environment.ProcessId);
            error.Message.ShouldContain("doppel scan /photos");
            error.Message.ShouldContain($"pid {Environment.ProcessId}");
            error.Message.ShouldContain(db.Location);
            // Different lease names do not conflict.
            await using (await HeldLease.AcquireAsync(db, "cluster", "doppel cluster", cancellationToken: Ct)) { }
            (await db.Leases.GetAsync("scan", Ct))!.Token.ShouldBe(held.Lease.Token);
        }
        (await db.Leases.GetAsync("scan", Ct)).ShouldBeNull();
        await using var again = await HeldLease.AcquireAsync(db, "scan", "two", cancellationToken: Ct);
        again.Replaced.ShouldBeNull();
        again.IsHeld.ShouldBeTrue();
    }

    [Fact]
    public async Task ALeaseOfADeadProcessOnThisHostIsTakenOverAndOfALiveOneIsNot()
    {
        await using var db = SqliteDatabase.Open(DbPath);
        using var owner = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            using (var raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString()))
            {
                raw.Open();
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

            (await Should.ThrowAsync<CatalogLockedException>(() => HeldLease.AcquireAsync(db, "scan", "mine", cancellationToken: Ct))).Owner.Pid.ShouldBe(owner.Id);

            owner.Kill();
            owner.WaitForExit();

            await using var taken = await HeldLease.AcquireAsync(db, "scan", "mine", cancellationToken: Ct);
            taken.Replaced!.Holder.Pid.ShouldBe(owner.Id);
            taken.Replaced.Holder.Purpose.ShouldBe("doppel scan (other process)");
            (await db.Leases.GetAsync("scan", Ct))!.Holder.Pid.ShouldBe(Environment.ProcessId);
        }
        finally
        {
            if (!owner.HasExited)
                owner.Kill();
        }
    }

    [Fact]
    public async Task AHeldLeaseKeepsRenewingItself()
    {
        await using var db = SqliteDatabase.Open(DbPath);
        await using var held = await HeldLease.AcquireAsync(db, "scan", "beating", TimeSpan.FromSeconds(1), Ct);
        var first = (await db.Leases.GetAsync("scan", Ct))!.RenewedAt;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await db.Leases.GetAsync("scan", Ct))!.RenewedAt == first && DateTime.UtcNow < deadline)
            await Task.Delay(50, Ct);
        (await db.Leases.GetAsync("scan", Ct))!.RenewedAt.ShouldBeGreaterThan(first);
        held.IsHeld.ShouldBeTrue();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        GC.SuppressFinalize(this);
    }
}
