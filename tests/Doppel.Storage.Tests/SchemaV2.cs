using Microsoft.Data.Sqlite;

namespace Doppel.Storage.Tests;

/// <summary>
/// A catalog file exactly as schema version 2 left it: the version 1 and 2 scripts as they were
/// released (copied here, frozen, so later edits of the live migrations cannot change what an old
/// file looks like), applied the way <c>SqliteCatalogFile.Migrate</c> applied them, with their
/// <c>schema_migrations</c> rows.
/// </summary>
internal static class SchemaV2
{
    public static void Create(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, ForeignKeys = true }.ToString());
        connection.Open();
        Execute(connection, null, "PRAGMA journal_mode = WAL");
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, SchemaMigrations);
        Execute(connection, transaction, Version1);
        Execute(connection, transaction, Version2);
        Execute(connection, transaction, """
            INSERT INTO schema_migrations (version, name, applied_at) VALUES
                (1, 'initial catalog', '2026-10-01T08:00:00.0000000Z'),
                (2, 'person decisions', '2026-10-01T08:00:00.0000000Z')
            """);
        transaction.Commit();
    }

    public static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal const string SchemaMigrations = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """;

    internal const string Version1 = """
        CREATE TABLE media_files (
            id                 INTEGER PRIMARY KEY,
            path               TEXT    NOT NULL UNIQUE,
            content_hash       TEXT    NOT NULL,
            size_bytes         BIGINT  NOT NULL,
            format             TEXT    NULL,
            width              INTEGER NULL,
            height             INTEGER NULL,
            state              TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
            reason_code        TEXT    NULL,
            reason_detail      TEXT    NULL,
            processed_at       TEXT    NULL,
            processed_run_id   INTEGER NULL REFERENCES runs(id) ON DELETE SET NULL,
            created_at         TEXT    NOT NULL,
            updated_at         TEXT    NOT NULL
        );
        CREATE INDEX ix_media_files_hash  ON media_files(content_hash);
        CREATE INDEX ix_media_files_state ON media_files(state);

        CREATE TABLE persons (
            id                     INTEGER PRIMARY KEY,
            name                   TEXT    NULL,
            representative_face_id INTEGER NULL REFERENCES faces(id) ON DELETE SET NULL,
            created_at             TEXT    NOT NULL,
            modified_at            TEXT    NOT NULL
        );

        CREATE TABLE faces (
            id               INTEGER PRIMARY KEY,
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
        CREATE INDEX ix_faces_person ON faces(person_id);

        CREATE TABLE face_person_exclusions (
            face_id   INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
            person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
            PRIMARY KEY (face_id, person_id)
        );

        CREATE TABLE face_embeddings (
            face_id       INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
            model         TEXT    NOT NULL,
            model_version TEXT    NOT NULL,
            dimension     INTEGER NOT NULL,
            vector        BLOB    NOT NULL,
            PRIMARY KEY (face_id, model)
        );
        CREATE INDEX ix_face_embeddings_model ON face_embeddings(model, face_id);

        CREATE TABLE runs (
            id           INTEGER PRIMARY KEY,
            kind         TEXT    NOT NULL,
            args_json    TEXT    NOT NULL,
            state        TEXT    NOT NULL CHECK (state IN ('running', 'completed', 'failed', 'cancelled')),
            started_at   TEXT    NOT NULL,
            finished_at  TEXT    NULL,
            total        BIGINT  NOT NULL DEFAULT 0,
            processed    BIGINT  NOT NULL DEFAULT 0,
            rejected     BIGINT  NOT NULL DEFAULT 0,
            owner_pid    INTEGER NOT NULL,
            owner_host   TEXT    NOT NULL,
            heartbeat_at TEXT    NOT NULL,
            error        TEXT    NULL
        );
        CREATE INDEX ix_runs_kind_state ON runs(kind, state);

        CREATE TABLE dedup_sets (
            id         INTEGER PRIMARY KEY,
            run_id     INTEGER NULL REFERENCES runs(id) ON DELETE SET NULL,
            created_at TEXT    NOT NULL
        );

        CREATE TABLE findings (
            id            INTEGER PRIMARY KEY,
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
        CREATE INDEX ix_findings_set ON findings(set_id);
        CREATE INDEX ix_findings_media_a ON findings(media_a);
        CREATE INDEX ix_findings_media_b ON findings(media_b);

        CREATE TABLE ignored_pairs (
            hash_a     TEXT NOT NULL,
            hash_b     TEXT NOT NULL,
            reason     TEXT NULL,
            created_by TEXT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (hash_a, hash_b),
            CHECK (hash_a <= hash_b)
        );

        CREATE TABLE locks (
            name         TEXT    PRIMARY KEY,
            purpose      TEXT    NOT NULL,
            owner_pid    INTEGER NOT NULL,
            owner_host   TEXT    NOT NULL,
            owner_token  TEXT    NOT NULL,
            acquired_at  TEXT    NOT NULL,
            heartbeat_at TEXT    NOT NULL
        );
        """;

    internal const string Version2 = """
        CREATE TABLE person_decisions (
            id               INTEGER PRIMARY KEY,
            kind             TEXT    NOT NULL CHECK (kind IN ('merge', 'split')),
            person_id        INTEGER NOT NULL,
            other_person_id  INTEGER NOT NULL,
            other_name       TEXT    NULL,
            face_ids_json    TEXT    NOT NULL,
            decided_by       TEXT    NULL,
            decided_at       TEXT    NOT NULL
        );
        CREATE INDEX ix_person_decisions_person ON person_decisions(person_id);
        """;
}
