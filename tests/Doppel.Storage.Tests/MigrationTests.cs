using Doppel.Storage.Sqlite;

namespace Doppel.Storage.Tests;

public class MigrationTests
{
    [Fact]
    public void FreshFileGetsEveryTableAndTheLatestVersion()
    {
        using var temp = new TempCatalog();
        using (var catalog = temp.Open())
            catalog.SchemaVersion.ShouldBe(5);

        foreach (var table in new[] { "media_files", "faces", "face_embeddings", "face_person_exclusions", "persons", "runs", "dedup_sets", "findings", "ignored_pairs", "leases", "tenants", "person_decisions", "schema_migrations" })
            temp.RawScalar($"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'").ShouldBe(1, table);
        temp.RawScalar("SELECT COUNT(*) FROM schema_migrations").ShouldBe(5);
        using var raw = temp.Raw();
        using var mode = raw.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode";
        mode.ExecuteScalar().ShouldBe("wal");
    }

    [Fact]
    public void ReopeningKeepsDataAndAppliesNothingTwice()
    {
        using var temp = new TempCatalog();
        using (var catalog = temp.Open())
            catalog.RegisterMedia("/photos/a.jpg", TempCatalog.Hash("a"), 1);
        using (var catalog = temp.Open())
        {
            catalog.SchemaVersion.ShouldBe(5);
            catalog.FindMediaByPath("/photos/a.jpg").ShouldNotBeNull();
        }
        temp.RawScalar("SELECT COUNT(*) FROM schema_migrations").ShouldBe(5);
    }

    [Fact]
    public void NewerDatabaseThanTheCodeIsAClearError()
    {
        using var temp = new TempCatalog();
        using (temp.Open()) { }
        using (var raw = temp.Raw())
        {
            using var command = raw.CreateCommand();
            command.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (7, 'from the future', '2030-01-01T00:00:00.0000000Z')";
            command.ExecuteNonQuery();
        }

        var error = Should.Throw<CatalogVersionException>(() => temp.Open());
        error.DatabaseVersion.ShouldBe(7);
        error.CodeVersion.ShouldBe(5);
        error.Message.ShouldContain("upgrade Doppel");
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
