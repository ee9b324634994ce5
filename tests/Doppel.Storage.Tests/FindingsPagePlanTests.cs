using Doppel.Storage.Contract;
using Doppel.Storage.Sqlite.Stores;
using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

/// <summary>
/// A set's findings page (the store's own statement) reads the set's findings in the order of ix_set_findings_page and
/// stops: SQLite's plan builds no temporary B-tree for the ORDER BY. A catalog made at schema version 8 upgrades to that
/// index (and drops the one it replaces) when it is opened.
/// </summary>
public sealed class FindingsPagePlanTests
{
    [Fact]
    public async Task A_sets_findings_page_is_read_in_index_order_also_after_an_upgrade_from_version_8()
    {
        using var temp = new TempCatalog();
        Guid setId;
        await using (var db = temp.Open())
            setId = await FindingPages.SeedAsync(db, Ct);
        var fresh = Plan(temp, setId);
        fresh.ShouldNotContain(line => line.Contains("TEMP B-TREE"), string.Join('\n', fresh));
        fresh.ShouldContain(line => line.Contains("ix_set_findings_page"), string.Join('\n', fresh));

        // The file as version 8 left it: the old index, no version 9.
        using (var raw = temp.Raw())
        using (var downgrade = raw.CreateCommand())
        {
            downgrade.CommandText = """
                CREATE INDEX ix_set_findings_set ON set_findings(set_id, updated_at);
                DROP INDEX ix_set_findings_page;
                DELETE FROM schema_migrations WHERE version = 9;
                """;
            downgrade.ExecuteNonQuery();
        }
        await using (var upgraded = temp.Open())
        {
            upgraded.SchemaVersion.ShouldBe(9);
            var page = await upgraded.SetsFor(TenantId.Default).ListFindingsAsync(setId, null, new SetFindingQuery { Limit = 50 }, Ct);
            page.Count.ShouldBe(FindingPages.FindingsPerSet);
            page.Items.Select(f => f.Id).ShouldBe(page.Items.Select(f => f.Id).OrderDescending());
        }
        var after = Plan(temp, setId);
        after.ShouldNotContain(line => line.Contains("TEMP B-TREE"), string.Join('\n', after));
        after.ShouldContain(line => line.Contains("ix_set_findings_page"), string.Join('\n', after));
        temp.RawScalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_set_findings_set'").ShouldBe(0);
    }

    /// <summary>EXPLAIN QUERY PLAN of the store's page statement for the set's first page of 50, with the store's parameters.</summary>
    private static List<string> Plan(TempCatalog temp, Guid setId)
    {
        var (_, pageSql, parameters) = SqliteSetStore.FindingsPageQuery(TenantId.Default.Value, setId, null, new SetFindingQuery { Limit = 50 });
        using var raw = temp.Raw();
        using var explain = raw.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + pageSql;
        foreach (var (name, value) in parameters)
            explain.Parameters.AddWithValue(name, value ?? DBNull.Value);
        var lines = new List<string>();
        using var reader = explain.ExecuteReader();
        while (reader.Read())
            lines.Add(reader.GetString(3));
        return lines;
    }
}
