using Doppel.Testing.Servers;
using Npgsql;

namespace Doppel.Storage.Postgres.Tests;

/// <summary>
/// A registration is one statement that reads the rows it left unchanged from its own snapshot. When another
/// registration of the same reference commits while it waits on the row, that snapshot still shows the row's old
/// file: the registration must answer with the row as stored, not as its snapshot saw it.
/// </summary>
public sealed class RegistrationRaceTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_registration_that_waited_on_a_racing_one_answers_with_the_row_as_stored()
    {
        server.Require();
        var database = await server.CreateDatabaseAsync("race");
        await using var db = await PostgresDatabase.OpenAsync(database.Uri, Ct);
        var sets = db.SetsFor(TenantId.Default);
        var group = await sets.GetOrCreateGroupAsync("RACE", "{}", Ct);
        var set = await sets.CreateSetAsync(group.Id, null, "{}", Ct);
        var first = (await sets.AddImagesAsync(set.Id, [new NewSetImage("R1", "a.jpg")], Ct)).Single();

        // The racing registration: R1 moved to b.jpg in a transaction left open while ours starts.
        await using var racer = new NpgsqlConnection(database.ConnectionString);
        await racer.OpenAsync(Ct);
        await using var tx = await racer.BeginTransactionAsync(Ct);
        await using (var update = new NpgsqlCommand("UPDATE set_images SET filename = 'b.jpg', updated_at = now() WHERE reference_pk = 'R1'", racer, tx))
            (await update.ExecuteNonQueryAsync(Ct)).ShouldBe(1);
        var ours = sets.AddImagesAsync(set.Id, [new NewSetImage("R1", "b.jpg")], Ct);
        await WaitForABlockedStatementAsync(database.ConnectionString);
        await tx.CommitAsync(Ct);

        var stored = (await ours).Single();
        (stored.Id, stored.Filename).ShouldBe((first.Id, "b.jpg"));
    }

    /// <summary>Until a backend of the database waits for a lock (ours, on the racer's transaction: a lock on a transaction
    /// id names no database in pg_locks, so the backends' wait events are read).</summary>
    private static async Task WaitForABlockedStatementAsync(string connectionString)
    {
        await using var watcher = new NpgsqlConnection(connectionString);
        await watcher.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", watcher);
        for (var waited = TimeSpan.Zero; (long)(await command.ExecuteScalarAsync(Ct))! == 0; waited += TimeSpan.FromMilliseconds(20))
        {
            waited.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the registration never waited on the racing row");
            await Task.Delay(20, Ct);
        }
    }
}
