using Doppel.Testing.Servers;
using Npgsql;

namespace Doppel.Storage.Postgres.Tests;

/// <summary>The harness itself: a real server answers, databases are separate, and a restart drops
/// connections but keeps committed rows (what the worker tests lean on).</summary>
public sealed class PostgresServerTests(PostgresServer server)
{
    [Fact]
    public async Task A_query_round_trips_through_a_fresh_database()
    {
        server.Require();
        var database = await server.CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await Execute(connection, "CREATE TABLE t (id bigint PRIMARY KEY, v real[] NOT NULL)");
        await using (var insert = new NpgsqlCommand("INSERT INTO t VALUES (@id, @v)", connection))
        {
            insert.Parameters.AddWithValue("id", 7L);
            insert.Parameters.AddWithValue("v", new[] { 0.25f, -1.5f });
            (await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken)).ShouldBe(1);
        }
        await using var select = new NpgsqlCommand("SELECT v FROM t WHERE id = 7", connection);
        ((float[])(await select.ExecuteScalarAsync(TestContext.Current.CancellationToken))!).ShouldBe([0.25f, -1.5f]);
        await using var version = new NpgsqlCommand("SHOW server_version_num", connection);
        (int.Parse((string)(await version.ExecuteScalarAsync(TestContext.Current.CancellationToken))!) / 10000).ShouldBe(server.MajorVersion);
    }

    [Fact]
    public async Task Databases_do_not_share_tables()
    {
        server.Require();
        var a = await server.CreateDatabaseAsync();
        var b = await server.CreateDatabaseAsync();
        a.Name.ShouldNotBe(b.Name);
        await using var connectionA = new NpgsqlConnection(a.ConnectionString);
        await connectionA.OpenAsync(TestContext.Current.CancellationToken);
        await Execute(connectionA, "CREATE TABLE only_in_a (x int)");
        await using var connectionB = new NpgsqlConnection(b.ConnectionString);
        await connectionB.OpenAsync(TestContext.Current.CancellationToken);
        await using var probe = new NpgsqlCommand("SELECT to_regclass('only_in_a') IS NULL", connectionB);
        ((bool)(await probe.ExecuteScalarAsync(TestContext.Current.CancellationToken))!).ShouldBeTrue();
    }

    internal static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}

/// <summary>Tests that stop the assembly's server: alone, after every parallel test, so no other test loses its connections.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class ServerRestarts;

[Collection(typeof(ServerRestarts))]
public sealed class PostgresServerRestartTests(PostgresServer server)
{
    [Fact]
    public async Task A_killed_server_drops_connections_and_comes_back_with_committed_rows()
    {
        server.Require();
        var database = await server.CreateDatabaseAsync();
        var noPool = database.ConnectionString + ";Pooling=false";
        await using var connection = new NpgsqlConnection(noPool);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await PostgresServerTests.Execute(connection, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)");
        await PostgresServerTests.Execute(connection, "BEGIN; INSERT INTO t VALUES (2)"); // left open: lost with the crash

        await server.KillAsync();
        try
        {
            await Should.ThrowAsync<NpgsqlException>(() => PostgresServerTests.Execute(connection, "COMMIT"));
        }
        finally
        {
            await server.StartAsync();
        }
        await using var again = new NpgsqlConnection(noPool);
        await again.OpenAsync(TestContext.Current.CancellationToken);
        await using var count = new NpgsqlCommand("SELECT array_agg(x ORDER BY x) FROM t", again);
        ((int[])(await count.ExecuteScalarAsync(TestContext.Current.CancellationToken))!).ShouldBe([1]);
    }

}
