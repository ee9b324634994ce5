namespace Doppel.Storage.Sqlite;

/// <summary>
/// The schema, as ordered versioned scripts. Each is applied once, in its own transaction together
/// with its row in <c>schema_migrations</c>, so a crash mid-upgrade leaves the previous version intact.
/// Never edit a released script: add a new one. Types and constraints are kept to what PostgreSQL
/// also accepts (timestamps are ISO-8601 UTC text here, <c>timestamptz</c> there; BLOB is <c>bytea</c>).
/// </summary>
internal static class SqliteMigrations
{
    public sealed record Migration(int Version, string Name, string Sql);

    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "initial catalog", """
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
            """),
        // Merges and splits of persons, kept as a history of a reviewer's decisions. The face rows
        // carry their effect (pins); these rows say who decided what, and name persons that a merge
        // removed, so no foreign keys: they outlive the persons they mention.
        new(2, "person decisions", """
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
            """),
        // Person ids are never handed out twice. A plain INTEGER PRIMARY KEY reuses the highest id
        // once that person is deleted (a merge deletes one), so a decision naming person 7 would
        // silently describe a new person 7. AUTOINCREMENT keeps the highest id ever used in
        // sqlite_sequence. SQLite cannot add it in place, so the table is rebuilt (its documented
        // "12 steps": create, copy, drop, rename) with every id kept; Migrate runs this with foreign
        // keys off, so dropping the old table fires no ON DELETE on faces and exclusions, whose
        // references name "persons" and so point at the new table after the rename, and checks them
        // all before committing. Ids used before this version and already deleted are only known from
        // the decisions that name them, so the counter starts above those too. (PostgreSQL: an
        // identity column, which never reuses values, needs no such step.)
        new(3, "person ids never reused", """
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
            """),
        // Face ids are never handed out twice either, nor finding ids. Re-detecting a changed photo
        // deletes its faces (and the findings naming them) and inserts new ones; a plain rowid hands
        // the highest deleted id to the first new row, so a split's face list, or an id a reviewer
        // read from "persons show" or "findings list", would silently name a face of another photo.
        // Same rebuild as version 3 (Migrate turns foreign keys off around it and checks them all
        // before committing; embeddings, exclusions, findings and persons reference "faces" by name,
        // so they point at the rebuilt table after the rename). Faces deleted before this version
        // are only known from the decisions that name them, so the counter starts above those too.
        // Media ids need no rebuild: no row of media_files is ever deleted (a changed file keeps its
        // row), and everything naming a media id is a foreign key. (PostgreSQL: identity columns.)
        new(4, "face and finding ids never reused",
            RebuildWithAutoincrement("faces", """
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
                """,
                "id, media_id, face_index, box_x, box_y, box_w, box_h, landmarks_json, detector, detector_score, quality, person_id, pinned_person_id, thumbnail_path, created_at",
                "CREATE INDEX ix_faces_person ON faces(person_id);",
                "SELECT MAX(CAST(j.value AS INTEGER)) FROM person_decisions d, json_each(d.face_ids_json) j") +
            RebuildWithAutoincrement("findings", """
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
                """,
                "id, set_id, media_a, media_b, face_a, face_b, score, status, settings_json",
                """
                CREATE INDEX ix_findings_set ON findings(set_id);
                CREATE INDEX ix_findings_media_a ON findings(media_a);
                CREATE INDEX ix_findings_media_b ON findings(media_b);
                """,
                highestIdNamedElsewhere: null)),
        // Servers: tenants, media identified by (tenant, source, key), sets in groups, leases. Every row
        // that exists keeps its id and belongs to tenant 1 ("default", the CLI's); every media row is
        // in source 'file' with its path as key. media_files and ignored_pairs are rebuilt because their
        // unique keys gain the tenant (and source); the other tables gain columns in place. The old
        // "locks" rows (pid, host, heartbeat) become leases with a fencing token, expiring two minutes
        // after their last heartbeat, as the old rule did. Number 6 is left to the findings work.
        new(5, "tenants, media sources, groups, leases", """
            CREATE TABLE tenants (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                name       TEXT    NOT NULL UNIQUE,
                created_at TEXT    NOT NULL
            );
            INSERT INTO tenants (id, name, created_at) VALUES (1, 'default', strftime('%Y-%m-%dT%H:%M:%S', 'now') || '.0000000Z');

            CREATE TABLE media_files_rebuilt (
                id                 INTEGER PRIMARY KEY,
                tenant_id          INTEGER NOT NULL DEFAULT 1 REFERENCES tenants(id),
                source             TEXT    NOT NULL DEFAULT 'file',
                path               TEXT    NOT NULL,
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
                updated_at         TEXT    NOT NULL,
                UNIQUE (tenant_id, source, path)
            );
            INSERT INTO media_files_rebuilt (id, tenant_id, source, path, content_hash, size_bytes, format, width, height, state, reason_code,
                    reason_detail, processed_at, processed_run_id, created_at, updated_at)
                SELECT id, 1, 'file', path, content_hash, size_bytes, format, width, height, state, reason_code,
                    reason_detail, processed_at, processed_run_id, created_at, updated_at FROM media_files ORDER BY id;
            DROP TABLE media_files;
            ALTER TABLE media_files_rebuilt RENAME TO media_files;
            CREATE INDEX ix_media_files_hash  ON media_files(tenant_id, content_hash);
            CREATE INDEX ix_media_files_state ON media_files(tenant_id, state);

            CREATE TABLE ignored_pairs_rebuilt (
                tenant_id  INTEGER NOT NULL DEFAULT 1 REFERENCES tenants(id),
                hash_a     TEXT NOT NULL,
                hash_b     TEXT NOT NULL,
                reason     TEXT NULL,
                created_by TEXT NULL,
                created_at TEXT NOT NULL,
                PRIMARY KEY (tenant_id, hash_a, hash_b),
                CHECK (hash_a <= hash_b)
            );
            INSERT INTO ignored_pairs_rebuilt (tenant_id, hash_a, hash_b, reason, created_by, created_at)
                SELECT 1, hash_a, hash_b, reason, created_by, created_at FROM ignored_pairs ORDER BY hash_a, hash_b;
            DROP TABLE ignored_pairs;
            ALTER TABLE ignored_pairs_rebuilt RENAME TO ignored_pairs;

            ALTER TABLE faces ADD COLUMN tenant_id INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE persons ADD COLUMN tenant_id INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE person_decisions ADD COLUMN tenant_id INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE runs ADD COLUMN tenant_id INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE findings ADD COLUMN tenant_id INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE dedup_sets ADD COLUMN tenant_id INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE dedup_sets ADD COLUMN group_name TEXT NOT NULL DEFAULT 'default';
            ALTER TABLE dedup_sets ADD COLUMN findings_set_id INTEGER NULL REFERENCES dedup_sets(id);
            CREATE INDEX ix_faces_tenant ON faces(tenant_id, id);
            CREATE INDEX ix_persons_tenant ON persons(tenant_id, id);
            CREATE INDEX ix_runs_tenant_kind ON runs(tenant_id, kind, state);
            CREATE INDEX ix_dedup_sets_group ON dedup_sets(tenant_id, group_name, id);

            CREATE TABLE leases (
                name            TEXT    PRIMARY KEY,
                token           INTEGER NOT NULL,
                purpose         TEXT    NOT NULL,
                holder_host     TEXT    NOT NULL,
                holder_pid      INTEGER NOT NULL,
                holder_instance TEXT    NOT NULL,
                acquired_at     TEXT    NOT NULL,
                renewed_at      TEXT    NOT NULL,
                expires_at      TEXT    NOT NULL,
                released        INTEGER NOT NULL DEFAULT 0 CHECK (released IN (0, 1))
            );
            INSERT INTO leases (name, token, purpose, holder_host, holder_pid, holder_instance, acquired_at, renewed_at, expires_at)
                SELECT name, 1, purpose, owner_host, owner_pid, owner_token, acquired_at, heartbeat_at,
                    strftime('%Y-%m-%dT%H:%M:%S', substr(heartbeat_at, 1, 19), '+120 seconds') || '.0000000Z'
                FROM locks;
            DROP TABLE locks;
            """),
        // The REST service: API tokens (only the secret's SHA-256 is kept), groups (programmes) with settings,
        // deduplication sets with the HOPE engine's life cycle (one open set per group, enforced by a partial
        // unique index), their images by the registration system's reference ids, findings (pairs and
        // per-image problems) with reviewer decisions, per-group ignored pairs, and webhook deliveries with every
        // attempt. Number 6 is left to the findings work (see version 5's note).
        new(7, "service: tokens, groups, sets, images, findings, webhooks", """
            CREATE TABLE api_tokens (
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
                name         TEXT    NOT NULL,
                prefix       TEXT    NOT NULL,
                secret_hash  TEXT    NOT NULL UNIQUE,
                scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
                created_at   TEXT    NOT NULL,
                revoked_at   TEXT    NULL,
                last_used_at TEXT    NULL
            );
            CREATE INDEX ix_api_tokens_tenant ON api_tokens(tenant_id, id);

            CREATE TABLE set_groups (
                id            INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id     INTEGER NOT NULL REFERENCES tenants(id),
                reference_pk  TEXT    NOT NULL,
                settings_json TEXT    NOT NULL,
                created_at    TEXT    NOT NULL,
                updated_at    TEXT    NOT NULL,
                UNIQUE (tenant_id, reference_pk)
            );

            CREATE TABLE service_sets (
                id               TEXT    PRIMARY KEY,
                tenant_id        INTEGER NOT NULL REFERENCES tenants(id),
                group_id         INTEGER NOT NULL REFERENCES set_groups(id),
                state            TEXT    NOT NULL CHECK (state IN ('Ready', 'Modified', 'Processing', 'Failed', 'Inactive', 'Rejected')),
                error            TEXT    NULL,
                notification_url TEXT    NULL,
                settings_json    TEXT    NOT NULL,
                run_id           INTEGER NULL REFERENCES runs(id) ON DELETE SET NULL,
                created_at       TEXT    NOT NULL,
                updated_at       TEXT    NOT NULL
            );
            CREATE UNIQUE INDEX ux_service_sets_open ON service_sets(group_id) WHERE state NOT IN ('Inactive', 'Rejected');
            CREATE INDEX ix_service_sets_tenant ON service_sets(tenant_id, group_id, created_at);
            CREATE INDEX ix_service_sets_state ON service_sets(state);

            CREATE TABLE set_images (
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                set_id       TEXT    NOT NULL REFERENCES service_sets(id) ON DELETE CASCADE,
                reference_pk TEXT    NOT NULL,
                filename     TEXT    NOT NULL,
                media_id     INTEGER NULL REFERENCES media_files(id) ON DELETE SET NULL,
                status_code  INTEGER NULL,
                created_at   TEXT    NOT NULL,
                updated_at   TEXT    NOT NULL,
                UNIQUE (set_id, reference_pk)
            );

            CREATE TABLE set_findings (
                id            INTEGER PRIMARY KEY AUTOINCREMENT,
                set_id        TEXT    NOT NULL REFERENCES service_sets(id) ON DELETE CASCADE,
                first_image   INTEGER NOT NULL REFERENCES set_images(id) ON DELETE CASCADE,
                second_image  INTEGER NULL REFERENCES set_images(id) ON DELETE CASCADE,
                score         REAL    NOT NULL,
                confidence    REAL    NOT NULL,
                status_code   INTEGER NOT NULL,
                updated_at    TEXT    NOT NULL,
                decision      TEXT    NULL CHECK (decision IN ('confirmed', 'not_duplicate')),
                decided_by    TEXT    NULL,
                decided_at    TEXT    NULL
            );
            CREATE INDEX ix_set_findings_set ON set_findings(set_id, updated_at);
            CREATE INDEX ix_set_findings_first ON set_findings(first_image);
            CREATE INDEX ix_set_findings_second ON set_findings(second_image);

            CREATE TABLE set_ignored_pairs (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                group_id   INTEGER NOT NULL REFERENCES set_groups(id) ON DELETE CASCADE,
                kind       TEXT    NOT NULL CHECK (kind IN ('reference_pk', 'filename')),
                first      TEXT    NOT NULL,
                second     TEXT    NOT NULL,
                created_by TEXT    NULL,
                created_at TEXT    NOT NULL,
                UNIQUE (group_id, kind, first, second),
                CHECK (first <= second)
            );

            CREATE TABLE webhook_endpoints (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
                url        TEXT    NOT NULL,
                secret     TEXT    NOT NULL,
                active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                created_at TEXT    NOT NULL
            );

            CREATE TABLE webhook_deliveries (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
                kind            TEXT    NOT NULL CHECK (kind IN ('signed', 'hope_get')),
                endpoint_id     INTEGER NULL REFERENCES webhook_endpoints(id) ON DELETE SET NULL,
                url             TEXT    NOT NULL,
                event_type      TEXT    NOT NULL,
                payload_json    TEXT    NOT NULL,
                state           TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT    NOT NULL,
                created_at      TEXT    NOT NULL,
                set_id          TEXT    NULL
            );
            CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
            CREATE INDEX ix_webhook_deliveries_tenant ON webhook_deliveries(tenant_id, id);

            CREATE TABLE webhook_attempts (
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
                number      INTEGER NOT NULL,
                at          TEXT    NOT NULL,
                status_code INTEGER NULL,
                error       TEXT    NULL,
                duration_ms INTEGER NOT NULL
            );
            CREATE INDEX ix_webhook_attempts_delivery ON webhook_attempts(delivery_id, number);
            """),
        new(8, "admin page users (administrators and reviewers, PBKDF2 password hashes)", """
            CREATE TABLE admin_users (
                id            INTEGER PRIMARY KEY AUTOINCREMENT,
                name          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
                role          TEXT    NOT NULL CHECK (role IN ('admin', 'reviewer')),
                password_hash TEXT    NOT NULL,
                created_at    TEXT    NOT NULL,
                disabled_at   TEXT    NULL
            );
            """),
        // A set's findings page (newest first, ties newest row first) names its whole order in the index: SQLite already read
        // (set_id, updated_at) in rowid order, but PostgreSQL's index had no id and sorted every finding of the set on
        // each page; both engines get the same index at the same version. The old one is its prefix, so it goes.
        new(9, "findings pages in index order", """
            CREATE INDEX ix_set_findings_page ON set_findings(set_id, updated_at, id);
            DROP INDEX ix_set_findings_set;
            """),
    ];

    public static int Latest => All[^1].Version;

    /// <summary>
    /// SQLite's documented way to change a table's primary key (it cannot alter one in place), as
    /// version 3 did for persons: create the new table, copy every row with its id, drop the old one,
    /// rename, recreate its indexes (dropping a table drops them). AUTOINCREMENT then counts on from
    /// the highest id copied, or from the highest that <paramref name="highestIdNamedElsewhere"/> (a
    /// query) finds among ids that outlive their rows. Only correct inside <c>SqliteCatalogFile.Migrate</c>,
    /// which runs it with foreign keys off and checks them before committing. A released script must
    /// not change, so this must keep producing the same SQL for the calls that exist.
    /// </summary>
    private static string RebuildWithAutoincrement(string table, string columnDefinitions, string columns, string indexes, string? highestIdNamedElsewhere)
    {
        var rebuild = $"""
            CREATE TABLE {table}_rebuilt (
            {columnDefinitions}
            );
            INSERT INTO {table}_rebuilt ({columns})
                SELECT {columns} FROM {table} ORDER BY id;
            DROP TABLE {table};
            ALTER TABLE {table}_rebuilt RENAME TO {table};
            {indexes}

            """;
        if (highestIdNamedElsewhere is null)
            return rebuild;
        return rebuild + $"""
            INSERT INTO sqlite_sequence (name, seq)
                SELECT '{table}', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = '{table}');
            UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE(({highestIdNamedElsewhere}), 0)) WHERE name = '{table}';

            """;
    }
}
