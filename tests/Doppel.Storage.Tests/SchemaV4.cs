namespace Doppel.Storage.Tests;

/// <summary>
/// A catalog file exactly as schema version 4 left it: <see cref="SchemaV3"/> plus the version 4 script
/// as it was released (faces and findings rebuilt with AUTOINCREMENT), frozen here as the text
/// <c>SqliteMigrations.RebuildWithAutoincrement</c> produced for it.
/// </summary>
internal static class SchemaV4
{
    public static void Create(string path)
    {
        SchemaV3.Create(path);
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(
            new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        SchemaV2.Execute(connection, null, "PRAGMA foreign_keys = OFF");
        using var transaction = connection.BeginTransaction();
        SchemaV2.Execute(connection, transaction, Version4);
        SchemaV2.Execute(connection, transaction,
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (4, 'face and finding ids never reused', '2026-11-20T08:00:00.0000000Z')");
        transaction.Commit();
    }

    internal const string Version4 = """
        CREATE TABLE faces_rebuilt (
                id               INTEGER PRIMARY KEY AUTOINCREMENT,
                media_id         INTEGER NOT NULL REFERENCES media_files(id) ON DELETE CASCADE,
                face_index       INTEGER NOT NULL,
                box_x            REAL    NOT NULL,
                box_y            REAL    NOT NULL,
                box_w            REAL    NOT NULL,
                box_h            REAL    NOT NULL,
                landmarks_json   TEXT    NULL,
                detector         TEXT    NOT NULL,
                detector_score   REAL    NOT NULL,
                quality          REAL    NULL,
                person_id        INTEGER NULL REFERENCES persons(id) ON DELETE SET NULL,
                pinned_person_id INTEGER NULL REFERENCES persons(id) ON DELETE SET NULL,
                thumbnail_path   TEXT    NULL,
                created_at       TEXT    NOT NULL,
                UNIQUE (media_id, face_index)
        );
        INSERT INTO faces_rebuilt (id, media_id, face_index, box_x, box_y, box_w, box_h, landmarks_json, detector, detector_score, quality, person_id, pinned_person_id, thumbnail_path, created_at)
            SELECT id, media_id, face_index, box_x, box_y, box_w, box_h, landmarks_json, detector, detector_score, quality, person_id, pinned_person_id, thumbnail_path, created_at FROM faces ORDER BY id;
        DROP TABLE faces;
        ALTER TABLE faces_rebuilt RENAME TO faces;
        CREATE INDEX ix_faces_person ON faces(person_id);
        INSERT INTO sqlite_sequence (name, seq)
            SELECT 'faces', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'faces');
        UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT MAX(CAST(j.value AS INTEGER)) FROM person_decisions d, json_each(d.face_ids_json) j), 0)) WHERE name = 'faces';
        CREATE TABLE findings_rebuilt (
                id            INTEGER PRIMARY KEY AUTOINCREMENT,
                set_id        INTEGER NOT NULL REFERENCES dedup_sets(id) ON DELETE CASCADE,
                media_a       INTEGER NOT NULL REFERENCES media_files(id) ON DELETE CASCADE,
                media_b       INTEGER NOT NULL REFERENCES media_files(id) ON DELETE CASCADE,
                face_a        INTEGER NULL REFERENCES faces(id) ON DELETE CASCADE,
                face_b        INTEGER NULL REFERENCES faces(id) ON DELETE CASCADE,
                score         REAL    NOT NULL,
                status        TEXT    NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'confirmed', 'not_duplicate')),
                settings_json TEXT    NOT NULL,
                CHECK (media_a <= media_b)
        );
        INSERT INTO findings_rebuilt (id, set_id, media_a, media_b, face_a, face_b, score, status, settings_json)
            SELECT id, set_id, media_a, media_b, face_a, face_b, score, status, settings_json FROM findings ORDER BY id;
        DROP TABLE findings;
        ALTER TABLE findings_rebuilt RENAME TO findings;
        CREATE INDEX ix_findings_set ON findings(set_id);
        CREATE INDEX ix_findings_media_a ON findings(media_a);
        CREATE INDEX ix_findings_media_b ON findings(media_b);
        """;
}
