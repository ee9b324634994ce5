using Doppel.Storage.Contract;
using Doppel.Testing.Servers;
using Npgsql;

namespace Doppel.Storage.Postgres.Tests;

/// <summary>
/// A set's findings page (the store's own statement) reads the set's findings in index order and stops: PostgreSQL's
/// plan has no sort. A database made at schema version 8, whose index (set_id, updated_at) sorted every finding of the
/// set on each page, upgrades to the index with the id when it is opened.
/// </summary>
public sealed class FindingsPagePlanTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_sets_findings_page_is_read_in_index_order_without_a_sort_also_after_an_upgrade_from_version_8()
    {
        server.Require();
        var database = await server.CreateDatabaseAsync("pages");
        Guid setId;
        await using (var db = await PostgresDatabase.OpenAsync(database.Uri, Ct))
            setId = await FindingPages.SeedAsync(db, Ct);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await ExecuteAsync(connection, "ANALYZE");
        var fresh = await PlanAsync(connection, setId);
        fresh.ShouldNotContain(line => line.Contains("Sort"), string.Join('\n', fresh));
        fresh.ShouldContain(line => line.Contains("ix_set_findings_page"), string.Join('\n', fresh));

        // The same database as version 8 left it: the old index, no version 9. Its page sorts (why version 9 exists).
        await ExecuteAsync(connection, """
            CREATE INDEX ix_set_findings_set ON set_findings(set_id, updated_at);
            DROP INDEX ix_set_findings_page;
            DELETE FROM schema_migrations WHERE version = 9;
            ANALYZE;
            """);
        var old = await PlanAsync(connection, setId);
        old.ShouldContain(line => line.Contains("Sort"), string.Join('\n', old));

        await using (var upgraded = await PostgresDatabase.OpenAsync(database.Uri, Ct))
        {
            upgraded.SchemaVersion.ShouldBe(9);
            var page = await upgraded.SetsFor(TenantId.Default).ListFindingsAsync(setId, null, new SetFindingQuery { Limit = 50 }, Ct);
            page.Count.ShouldBe(FindingPages.FindingsPerSet);
            page.Items.Select(f => f.Id).ShouldBe(page.Items.Select(f => f.Id).OrderDescending());
        }
        await ExecuteAsync(connection, "ANALYZE");
        var after = await PlanAsync(connection, setId);
        after.ShouldNotContain(line => line.Contains("Sort"), string.Join('\n', after));
        (await IndexesAsync(connection)).ShouldBe(["ix_set_findings_first", "ix_set_findings_page", "ix_set_findings_second", "set_findings_pkey"]);
    }

    /// <summary>EXPLAIN of the store's page statement for the set's first page of 50, with the store's parameters.</summary>
    private static async Task<List<string>> PlanAsync(NpgsqlConnection connection, Guid setId)
    {
        var (_, pageSql, parameters) = PgSetStore.FindingsPageQuery(TenantId.Default.Value, setId, null, new SetFindingQuery { Limit = 50 });
        await using var explain = new NpgsqlCommand("EXPLAIN " + pageSql, connection);
        foreach (var (name, value) in parameters)
            explain.Parameters.AddWithValue(name, value ?? DBNull.Value);
        explain.Parameters.AddWithValue("l", 50);
        explain.Parameters.AddWithValue("o", 0L);
        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
            lines.Add(reader.GetString(0));
        return lines;
    }

    private static async Task<List<string>> IndexesAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT indexname FROM pg_indexes WHERE tablename = 'set_findings' ORDER BY indexname", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
            names.Add(reader.GetString(0));
        return names;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
