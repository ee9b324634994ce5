using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Tests;

/// <summary>Raw rows of a catalog file, for migrations that must keep every row exactly.</summary>
internal static class CatalogDump
{
    /// <summary>Every user table's rows, each as "col|col|..." (BLOBs in hex), in rowid order.</summary>
    public static Dictionary<string, List<string>> Tables(TempCatalog temp)
    {
        using var raw = temp.Raw();
        var tables = Rows(raw, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
        return tables.ToDictionary(t => t, t => Rows(raw, $"SELECT * FROM {t} ORDER BY rowid"));
    }

    /// <summary>Opening the catalog (which upgrades it) fails with an error naming the file and
    /// <paramref name="table"/>, and every table is left exactly as it was.</summary>
    public static void UpgradeFailsAndChangesNothing(TempCatalog temp, string table)
    {
        var before = Tables(temp);

        var error = Should.Throw<CatalogException>(() => temp.Open());
        error.Message.ShouldContain(temp.Path);
        error.Message.ShouldContain(table);

        var after = Tables(temp);
        after.Keys.Order().ShouldBe(before.Keys.Order());
        foreach (var name in before.Keys)
            after[name].ShouldBe(before[name], name);
    }

    /// <summary>Every user table's rows as column → value, in rowid order: what a later schema must keep
    /// (it may add columns and tables, and rebuild a table with its columns in another order).</summary>
    public static Dictionary<string, List<Dictionary<string, string>>> Named(TempCatalog temp)
    {
        using var raw = temp.Raw();
        var tables = Rows(raw, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
        return tables.ToDictionary(t => t, t =>
        {
            using var command = raw.CreateCommand();
            command.CommandText = $"SELECT * FROM {t} ORDER BY rowid";
            using var reader = command.ExecuteReader();
            var rows = new List<Dictionary<string, string>>();
            while (reader.Read())
                rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.GetValue(i) switch
                {
                    byte[] bytes => Convert.ToHexString(bytes),
                    DBNull => "NULL",
                    var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
                }));
            return rows;
        });
    }

    /// <summary>Every row of every table of <paramref name="before"/> (except <paramref name="except"/>) is in
    /// <paramref name="after"/> with every column it had, value for value, in the same order.</summary>
    public static void ShouldKeepEveryRow(Dictionary<string, List<Dictionary<string, string>>> before,
        Dictionary<string, List<Dictionary<string, string>>> after, params string[] except)
    {
        foreach (var (table, rows) in before.Where(t => !except.Contains(t.Key)))
        {
            after.ShouldContainKey(table);
            after[table].Count.ShouldBe(rows.Count, table);
            for (int i = 0; i < rows.Count; i++)
                foreach (var (column, value) in rows[i])
                    after[table][i][column].ShouldBe(value, $"{table} row {i} column {column}");
        }
    }

    public static List<string> Rows(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
            {
                byte[] bytes => Convert.ToHexString(bytes),
                DBNull => "NULL",
                var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
            })));
        return rows;
    }
}
