using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

public class MigrationTests
{
    [Fact]
    public async Task FreshFileGetsEveryTableAndTheLatestVersion()
    {
        using var temp = new TempCatalog();
        await using (var db = temp.Open())
            db.SchemaVersion.ShouldBe(9);

        foreach (var table in new[] { "media_files", "faces", "face_embeddings", "face_person_exclusions", "persons", "runs", "dedup_sets", "findings", "ignored_pairs", "leases", "tenants", "person_decisions", "admin_users", "schema_migrations" })
            temp.RawScalar($"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'").ShouldBe(1, table);
        temp.RawScalar("SELECT COUNT(*) FROM schema_migrations").ShouldBe(8);
        using var raw = temp.Raw();
        using var mode = raw.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode";
        mode.ExecuteScalar().ShouldBe("wal");
    }

    [Fact]
    public async Task ReopeningKeepsDataAndAppliesNothingTwice()
    {
        using var temp = new TempCatalog();
        await using (var db = temp.Open())
            await Register(Stores(db), Entry("/photos/a.jpg", "a"));
        await using (var db = temp.Open())
        {
            db.SchemaVersion.ShouldBe(9);
            (await Stores(db).Media.FindAsync(new MediaKey(MediaSources.File, "/photos/a.jpg"), Ct)).ShouldNotBeNull();
        }
        temp.RawScalar("SELECT COUNT(*) FROM schema_migrations").ShouldBe(8);
    }

    [Fact]
    public async Task NewerDatabaseThanTheCodeIsAClearError()
    {
        using var temp = new TempCatalog();
        await using (temp.Open()) { }
        using (var raw = temp.Raw())
        {
            using var command = raw.CreateCommand();
            command.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', '2030-01-01T00:00:00.0000000Z')";
            command.ExecuteNonQuery();
        }

        var error = Should.Throw<CatalogVersionException>(() => temp.Open());
        error.DatabaseVersion.ShouldBe(99);
        error.CodeVersion.ShouldBe(9);
        error.Message.ShouldContain("upgrade Doppel");
        error.Message.ShouldContain("--db"); // not "--catalog", an option no command has (issue 12 row 13)
        error.Message.ShouldContain(temp.Path);
    }

    [Fact]
    public void FileThatIsNotADatabaseIsAClearError()
    {
        using var temp = new TempCatalog();
        File.WriteAllText(temp.Path, "this is a text file, not SQLite, and it is long enough to have a header........................");
        var error = Should.Throw<CatalogException>(() => temp.Open());
        error.Message.ShouldContain(temp.Path);
    }
}

/// <summary>Issue 12 row 10: a database of another program is refused and left byte for byte as it was.</summary>
public class ForeignDatabaseTests
{
    [Theory]
    [InlineData("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ann');")]
    [InlineData("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101');")] // Rails
    public void AForeignSqliteFileIsRefusedUntouched(string ownerSchema)
    {
        using var temp = new TempCatalog();
        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={temp.Path};Pooling=False"))
        {
            raw.Open();
            using var command = raw.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = DELETE; " + ownerSchema;
            command.ExecuteNonQuery();
        }
        var before = File.ReadAllBytes(temp.Path);

        var error = Should.Throw<CatalogException>(() => temp.Open());
        error.Message.ShouldContain("another program");
        error.Message.ShouldContain("untouched");

        File.ReadAllBytes(temp.Path).ShouldBe(before); // no table added, journal mode still DELETE
        File.Exists(temp.Path + "-wal").ShouldBeFalse();
    }

    [Fact]
    public async Task AnEmptySqliteFileBecomesACatalog()
    {
        using var temp = new TempCatalog();
        File.WriteAllBytes(temp.Path, []);
        await using var db = temp.Open();
        db.SchemaVersion.ShouldBeGreaterThan(0);
    }
}
