using Doppel.Storage.Sqlite.Stores;

namespace Doppel.Storage.Tests;

/// <summary>Schema version 5 (tenants, media sources, groups, leases) on a file version 4 wrote: every row
/// and id kept, all of it in the default tenant and the "file" source, readable through the new stores;
/// a failing upgrade leaves the file as it was.</summary>
public class TenantMigrationTests
{
    /// <summary>Rows as a version 4 Doppel wrote them: two processed files with faces, vectors, a person
    /// with a pin and an exclusion, a merge, a dedup set with a finding, an ignored pair, a run and a held lock.</summary>
    private const string Version4Rows = """
        INSERT INTO runs (id, kind, args_json, state, started_at, finished_at, total, processed, rejected, owner_pid, owner_host, heartbeat_at)
            VALUES (3, 'dedup', '{}', 'completed', '2026-11-22T09:00:00.0000000Z', '2026-11-22T09:01:00.0000000Z', 2, 2, 0, 4242, 'old-host', '2026-11-22T09:01:00.0000000Z');
        INSERT INTO media_files (id, path, content_hash, size_bytes, format, width, height, state, reason_code, processed_at, processed_run_id, created_at, updated_at) VALUES
            (4, '/p/a.jpg', 'aa', 10, 'jpeg', 250, 250, 'done', 'ok', '2026-11-22T09:00:10.0000000Z', 3, '2026-11-22T09:00:00.0000000Z', '2026-11-22T09:00:10.0000000Z'),
            (9, '/p/b.jpg', 'bb', 11, 'jpeg', 250, 250, 'done', 'ok', '2026-11-22T09:00:10.0000000Z', 3, '2026-11-22T09:00:00.0000000Z', '2026-11-22T09:00:10.0000000Z'),
            (10, '/p/c.jpg', 'cc', 12, NULL, NULL, NULL, 'pending', NULL, NULL, NULL, '2026-11-22T09:00:00.0000000Z', '2026-11-22T09:00:00.0000000Z');
        INSERT INTO faces (id, media_id, face_index, box_x, box_y, box_w, box_h, landmarks_json, detector, detector_score, quality, thumbnail_path, created_at) VALUES
            (11, 4, 0, 70, 60, 110, 130, '[100,110,150,110,125,140,125,165]', 'blazeface-back', 0.9, 0.5, NULL, '2026-11-22T09:00:10.0000000Z'),
            (12, 9, 0, 71, 61, 111, 131, NULL, 'blazeface-back', 0.91, NULL, NULL, '2026-11-22T09:00:10.0000000Z');
        UPDATE sqlite_sequence SET seq = 14 WHERE name = 'faces';
        INSERT INTO persons (id, name, representative_face_id, created_at, modified_at) VALUES
            (7, 'Alice', 11, '2026-11-22T10:00:00.0000000Z', '2026-11-22T10:00:00.0000000Z'),
            (8, NULL, 12, '2026-11-22T10:00:00.0000000Z', '2026-11-22T10:00:00.0000000Z');
        UPDATE sqlite_sequence SET seq = 8 WHERE name = 'persons';
        UPDATE faces SET person_id = 7, pinned_person_id = 7 WHERE id = 11;
        UPDATE faces SET person_id = 8 WHERE id = 12;
        INSERT INTO face_person_exclusions (face_id, person_id) VALUES (12, 7);
        INSERT INTO face_embeddings (face_id, model, model_version, dimension, vector) VALUES
            (11, 'tiny', 'v1', 2, X'0000803F00000000'), (12, 'tiny', 'v1', 2, X'9A99193FCDCC4C3F');
        INSERT INTO person_decisions (id, kind, person_id, other_person_id, other_name, face_ids_json, decided_by, decided_at) VALUES
            (1, 'merge', 7, 6, 'Sixth', '[11]', 'reviewer', '2026-11-22T12:00:00.0000000Z');
        INSERT INTO dedup_sets (id, run_id, created_at) VALUES (2, 3, '2026-11-22T09:01:00.0000000Z');
        INSERT INTO findings (id, set_id, media_a, media_b, face_a, face_b, score, status, settings_json) VALUES
            (5, 2, 4, 9, 11, 12, 0.95, 'confirmed', '{"model":"tiny"}');
        UPDATE sqlite_sequence SET seq = 6 WHERE name = 'findings';
        INSERT INTO ignored_pairs (hash_a, hash_b, reason, created_by, created_at) VALUES ('aa', 'cc', 'twins', 'reviewer', '2026-11-23T00:00:00.0000000Z');
        INSERT INTO locks (name, purpose, owner_pid, owner_host, owner_token, acquired_at, heartbeat_at)
            VALUES ('ingest', 'dedup /p', 4242, 'old-host', 'tok', '2026-11-22T09:00:00.0000000Z', '2026-11-22T09:00:30.0000000Z');
        """;

    private static TempCatalog Version4File()
    {
        var temp = new TempCatalog();
        SchemaV4.Create(temp.Path);
        using var raw = temp.Raw();
        SchemaV2.Execute(raw, null, Version4Rows);
        return temp;
    }

    [Fact]
    public async Task AVersion4CatalogMigratesKeepingEveryRowAndIdInTheDefaultTenant()
    {
        using var temp = Version4File();
        var before = CatalogDump.Named(temp);
        before["media_files"].Count.ShouldBe(3);

        await using (var db = SqliteDatabase.Open(temp.Path))
        {
            db.SchemaVersion.ShouldBe(9);
            var s = db.For(TenantId.Default);
            var ct = TestContext.Current.CancellationToken;
            (await s.Media.ListAsync(null, Page.All, ct)).Select(m => (m.Id, m.Key, m.ContentHash, m.State))
                .ShouldBe([(4L, new MediaKey(MediaSources.File, "/p/a.jpg"), "aa", MediaState.Done), (9L, new MediaKey(MediaSources.File, "/p/b.jpg"), "bb", MediaState.Done),
                    (10L, new MediaKey(MediaSources.File, "/p/c.jpg"), "cc", MediaState.Pending)]);
            (await s.Faces.ListAsync(Page.All, ct)).Select(f => (f.Id, f.PersonId, f.PinnedPersonId, string.Join(",", f.ExcludedPersonIds)))
                .ShouldBe([(11L, (long?)7L, (long?)7L, ""), (12L, 8L, null, "7")]);
            (await s.Faces.GetEmbeddingsAsync(12, ct)).Single().Vector.ShouldBe([0.6f, 0.8f]);
            var set = (await s.Dedup.LatestSetAsync(DedupSet.DefaultGroup, ct))!;
            (set.Id, set.RunId, set.FindingsSetId).ShouldBe((2L, (long?)3L, 2L));
            (await s.Dedup.GetFindingsAsync(2, null, ct)).Select(f => (f.Id, f.Status)).ShouldBe([(5L, FindingStatus.Confirmed)]);
            (await s.IgnoredPairs.ListAsync(ct)).Single().Reason.ShouldBe("twins");
            (await s.Persons.ListDecisionsAsync(ct)).Single().OtherName.ShouldBe("Sixth");
            (await s.Runs.GetAsync(3, ct))!.Processed.ShouldBe(2);
            // The old lock is a lease now, held by its old owner until two minutes after its last heartbeat.
            var lease = (await db.Leases.GetAsync("ingest", ct))!;
            (lease.Holder.Pid, lease.Holder.Host, lease.Token).ShouldBe((4242, "old-host", 1L));
            lease.ExpiresAt.ShouldBe(new DateTimeOffset(2026, 11, 22, 9, 2, 30, TimeSpan.Zero));
        }

        var after = CatalogDump.Named(temp);
        CatalogDump.ShouldKeepEveryRow(before, after, "schema_migrations", "locks");
        after.ShouldNotContainKey("locks");
        after["media_files"].ShouldAllBe(r => r["tenant_id"] == "1" && r["source"] == "file");
        after["tenants"].Single()["name"].ShouldBe("default");
        after["dedup_sets"].Single()["group_name"].ShouldBe("default");
        using (var raw = temp.Raw())
            CatalogDump.Rows(raw, "PRAGMA foreign_key_check").ShouldBeEmpty();

        await using (var db = SqliteDatabase.Open(temp.Path))
        {
            var s = db.For(TenantId.Default);
            var ct = TestContext.Current.CancellationToken;
            // Ids go on from where version 4 left them (faces 14, persons 8, findings 6): none is reused.
            (await s.Persons.CreateAsync("New", null, ct)).ShouldBe(9);
            await s.Media.SaveResultsAsync([new MediaResult(10, "ok", null, "jpeg", 10, 10,
                [new NewFace(new FaceBox(1, 2, 3, 4), null, "d", 0.9f, null, [new NewEmbedding("tiny", "v1", [1f, 0f])])])], null, ct);
            (await s.Faces.ListOfMediaAsync([10], ct)).Single().Id.ShouldBe(15);
        }
    }

    [Fact]
    public void AFailingVersion5UpgradeLeavesTheVersion4FileAsItWas()
    {
        using var temp = Version4File();
        using (var raw = temp.Raw())
            SchemaV2.Execute(raw, null, "PRAGMA foreign_keys = OFF; UPDATE faces SET person_id = 99 WHERE id = 12;");
        CatalogDump.UpgradeFailsAndChangesNothing(temp, "faces");
        temp.RawScalar("SELECT MAX(version) FROM schema_migrations").ShouldBe(4);
    }
}
