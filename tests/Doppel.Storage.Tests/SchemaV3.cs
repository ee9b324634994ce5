namespace Doppel.Storage.Tests;

/// <summary>
/// A catalog file exactly as schema version 3 left it: the frozen version 1 and 2 scripts of
/// <see cref="SchemaV2"/> plus the version 3 script as it was released (persons rebuilt with
/// AUTOINCREMENT; faces and findings still plain rowids, which SQLite reuses), applied the way
/// <c>SqliteCatalogFile.Migrate</c> applied them, with their <c>schema_migrations</c> rows.
/// </summary>
internal static class SchemaV3
{
    public static void Create(string path)
    {
        SchemaV2.Create(path);
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(
            new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        SchemaV2.Execute(connection, null, "PRAGMA foreign_keys = OFF");
        using var transaction = connection.BeginTransaction();
        SchemaV2.Execute(connection, transaction, Version3);
        SchemaV2.Execute(connection, transaction,
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (3, 'person ids never reused', '2026-11-01T08:00:00.0000000Z')");
        transaction.Commit();
    }

    internal const string Version3 = """
        CREATE TABLE persons_v3 (
            id                     INTEGER PRIMARY KEY AUTOINCREMENT,
            name                   TEXT    NULL,
            representative_face_id INTEGER NULL REFERENCES faces(id) ON DELETE SET NULL,
            created_at             TEXT    NOT NULL,
            modified_at            TEXT    NOT NULL
        );
        INSERT INTO persons_v3 (id, name, representative_face_id, created_at, modified_at)
            SELECT id, name, representative_face_id, created_at, modified_at FROM persons ORDER BY id;
        DROP TABLE persons;
        ALTER TABLE persons_v3 RENAME TO persons;
        INSERT INTO sqlite_sequence (name, seq)
            SELECT 'persons', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'persons');
        UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE(
                (SELECT MAX(id) FROM (SELECT person_id AS id FROM person_decisions UNION ALL SELECT other_person_id FROM person_decisions)), 0))
            WHERE name = 'persons';
        """;
}
