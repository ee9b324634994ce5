using System.Diagnostics;
using Doppel.Storage;
using Doppel.Testing.Servers;
using Doppel.Workers;
using Npgsql;

namespace Doppel.Workers.Tests;

/// <summary>
/// What the enqueuer, the follower and a starting worker wait out (<see cref="Transient.RetryAsync{T}"/>), against the
/// test's real PostgreSQL: a server that refuses connections is retried until the limit, with a message each time; a bad
/// query or a database that does not exist fails at the first attempt with the server's own error, instead of after the
/// whole limit (every <see cref="NpgsqlException"/> counted as transient until 2026-12-08).
/// </summary>
public sealed class TransientTests(PostgresServer server)
{
    [Fact]
    public async Task Errors_of_the_request_fail_at_once_and_a_refused_connection_is_waited_out()
    {
        server.Require();
        var ct = TestContext.Current.CancellationToken;
        var db = await server.CreateDatabaseAsync("transient");

        async Task<int> Query(string connectionString, string sql)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }

        (await Transient.RetryAsync(() => Query(db.ConnectionString, "SELECT 41 + 1"), cancellationToken: ct)).ShouldBe(42);

        // A query the server rejects (42P01, undefined table): not retried.
        int attempts = 0;
        var clock = Stopwatch.StartNew();
        var undefined = await Should.ThrowAsync<PostgresException>(() => Transient.RetryAsync(() => { attempts++; return Query(db.ConnectionString, "SELECT count(*) FROM no_such_table"); },
            _ => { }, TimeSpan.FromSeconds(30), ct));
        undefined.SqlState.ShouldBe(PostgresErrorCodes.UndefinedTable);
        attempts.ShouldBe(1);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20)); // a retry waits 1 s per attempt until the 30 s limit

        // A database that does not exist (3D000): the address is wrong, waiting will not make it right.
        attempts = 0;
        var missing = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Database = "no_such_database" }.ConnectionString;
        (await Should.ThrowAsync<PostgresException>(() => Transient.RetryAsync(() => { attempts++; return Query(missing, "SELECT 1"); }, _ => { }, TimeSpan.FromSeconds(30), ct)))
            .SqlState.ShouldBe(PostgresErrorCodes.InvalidCatalogName);
        attempts.ShouldBe(1);

        // Nothing listening (a server down or restarting): retried with a message until the limit, then a clear error.
        var refused = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Port = FreePort(), Timeout = 2 }.ConnectionString;
        var messages = new List<string>();
        attempts = 0;
        var down = await Should.ThrowAsync<CatalogException>(() => Transient.RetryAsync(() => { attempts++; return Query(refused, "SELECT 1"); }, messages.Add, TimeSpan.FromSeconds(3), ct));
        down.Message.ShouldContain("stayed unreachable for 3 s");
        attempts.ShouldBeGreaterThanOrEqualTo(2);
        messages.ShouldAllBe(m => m.Contains("retrying"));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
