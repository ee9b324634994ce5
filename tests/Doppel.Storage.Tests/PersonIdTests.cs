using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

/// <summary>Person ids are never given out twice: a decision or a note about person 7 must never
/// attach to a different person 7 created after the first was removed. Catalogs written by schema
/// version 2 (plain rowids, which SQLite reuses after the highest one is deleted) are rebuilt by
/// migration 3 with every row, id and reference kept.</summary>
public class PersonIdTests
{
    [Fact]
    public async Task IdsAreNotReusedAfterTheHighestPersonIsDeletedOrMergedAway()
    {
        using var temp = new TempCatalog();
        await using (var db = temp.Open())
        {
            var p = Stores(db).Persons;
            long first = await p.CreateAsync("A", null, Ct), second = await p.CreateAsync("B", null, Ct), third = await p.CreateAsync("C", null, Ct);
            (first, second, third).ShouldBe((1L, 2L, 3L));
            await p.DeleteAsync(third, Ct);
            (await p.CreateAsync("D", null, Ct)).ShouldBe(4);
            await p.MergeAsync(second, 4, null, Ct);
        }
        // Reopening must not forget either: the counter lives in the file, not in the process.
        await using (var db = temp.Open())
        {
            var p = Stores(db).Persons;
            (await p.CreateAsync("E", null, Ct)).ShouldBe(5);
            (await p.ListAsync(Page.All, Ct)).Select(x => (x.Id, x.Name)).ShouldBe([(1L, "A"), (2L, "B"), (5L, "E")]);
        }
    }

    [Fact]
    public async Task AVersion2CatalogMigratesToVersion3KeepingEveryRowIdAndReference()
    {
        using var temp = new TempCatalog();
        SchemaV2.Create(temp.Path);
        using (var raw = temp.Raw())
            SchemaV2.Execute(raw, null, Version2Rows);
        var before = CatalogDump.Tables(temp);
        var beforeNamed = CatalogDump.Named(temp);
        before["persons"].Count.ShouldBe(3);
        before["faces"].Count.ShouldBe(4);

        await using (var db = temp.Open())
        {
            db.SchemaVersion.ShouldBe(9);
            var s = Stores(db);
            // Read back through the stores: names, representatives, assignments, pins, exclusions, decisions.
            (await s.Persons.ListAsync(Page.All, Ct)).Select(p => (p.Id, p.Name, p.RepresentativeFaceId)).ShouldBe([(1L, "Alice", 1L), (2L, (string?)null, 2L), (5L, "Carol", 3L)]);
            (await s.Faces.ListAsync(Page.All, Ct)).Select(f => (f.Id, f.PersonId, f.PinnedPersonId, string.Join(",", f.ExcludedPersonIds)))
                .ShouldBe([(1L, 1L, (long?)null, "2"), (2L, 2L, 2L, ""), (3L, 5L, null, "1"), (4L, (long?)null, 5L, "")]);
            (await s.Persons.ListDecisionsAsync(Ct)).Select(d => (d.Kind, d.PersonId, d.OtherPersonId, d.OtherName))
                .ShouldBe([(PersonDecisionKind.Merge, 5L, 6L, "Sixth"), (PersonDecisionKind.Split, 2L, 1L, "Alice")]);
            (await s.Faces.GetEmbeddingsAsync(3, Ct)).ShouldHaveSingleItem().Vector.ShouldBe([0.6f, 0.8f]);
        }

        // Every row of every table is byte-for-byte what version 2 held; only the version rows (3 and 4) are new.
        // (Later versions add columns and tables, and turn the locks into leases: every column a row had is kept.)
        var after = CatalogDump.Tables(temp);
        CatalogDump.ShouldKeepEveryRow(beforeNamed, CatalogDump.Named(temp), "schema_migrations", "locks");
        after["schema_migrations"].Count.ShouldBe(8);
        after["schema_migrations"][2].ShouldStartWith("3|");
        temp.RawScalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'persons' AND sql LIKE '%AUTOINCREMENT%'").ShouldBe(1);
        temp.RawScalar("SELECT COUNT(*) FROM sqlite_master WHERE sql LIKE '%persons_v3%'").ShouldBe(0);
        using (var raw = temp.Raw())
        {
            CatalogDump.Rows(raw, "PRAGMA foreign_key_check").ShouldBeEmpty();
            CatalogDump.Rows(raw, "PRAGMA foreign_key_list(faces)").Count(r => r.Contains("|persons|")).ShouldBe(2);
            CatalogDump.Rows(raw, "PRAGMA foreign_key_list(face_person_exclusions)").Count(r => r.Contains("|persons|")).ShouldBe(1);
        }

        await using (var db = temp.Open())
        {
            var s = Stores(db);
            // Person 6 was merged away under version 2 (its id only survives in the decision): no new person takes it.
            (await s.Persons.CreateAsync("New", null, Ct)).ShouldBe(7);
            // The foreign keys point at the rebuilt table: deleting Alice unassigns her face and drops exclusions naming her.
            await s.Persons.DeleteAsync(1, Ct);
            (await s.Faces.GetAsync(1, Ct))!.PersonId.ShouldBeNull();
            (await s.Faces.GetAsync(3, Ct))!.ExcludedPersonIds.ShouldBeEmpty();
            (await s.Faces.GetAsync(3, Ct))!.PersonId.ShouldBe(5);
            await s.Persons.DeleteAsync(7, Ct);
            (await s.Persons.CreateAsync("Newer", null, Ct)).ShouldBe(8);
        }
    }

    [Fact]
    public void AMigrationThatFailsLeavesTheVersion2FileAsItWas()
    {
        using var temp = new TempCatalog();
        SchemaV2.Create(temp.Path);
        using (var raw = temp.Raw())
        {
            SchemaV2.Execute(raw, null, Version2Rows);
            // A face naming a person that does not exist: only possible with foreign keys off (an old
            // tool, a hand edit). The rebuilt table must not hide it, so the upgrade stops before committing.
            SchemaV2.Execute(raw, null, "PRAGMA foreign_keys = OFF; UPDATE faces SET person_id = 99 WHERE id = 4;");
        }
        CatalogDump.UpgradeFailsAndChangesNothing(temp, "faces");
        temp.RawScalar("SELECT COUNT(*) FROM sqlite_master WHERE sql LIKE '%AUTOINCREMENT%'").ShouldBe(0);
    }

    /// <summary>Rows as a version 2 Doppel wrote them: persons 3, 4 and 6 were merged away (6 was the
    /// highest id, so version 2 would have handed it out again), one split, pins, exclusions,
    /// embeddings, a finding and a run.</summary>
    private const string Version2Rows = """
        INSERT INTO runs (id, kind, args_json, state, started_at, finished_at, total, processed, rejected, owner_pid, owner_host, heartbeat_at)
            VALUES (1, 'dedup', '{}', 'completed', '2026-10-02T09:00:00.0000000Z', '2026-10-02T09:01:00.0000000Z', 3, 3, 0, 4242, 'old-host', '2026-10-02T09:01:00.0000000Z');
        INSERT INTO media_files (id, path, content_hash, size_bytes, format, width, height, state, reason_code, processed_at, processed_run_id, created_at, updated_at) VALUES
            (1, '/p/a.jpg', 'aa', 10, 'jpeg', 250, 250, 'done', 'ok', '2026-10-02T09:00:10.0000000Z', 1, '2026-10-02T09:00:00.0000000Z', '2026-10-02T09:00:10.0000000Z'),
            (2, '/p/b.jpg', 'bb', 11, 'jpeg', 250, 250, 'done', 'ok', '2026-10-02T09:00:10.0000000Z', 1, '2026-10-02T09:00:00.0000000Z', '2026-10-02T09:00:10.0000000Z'),
            (3, '/p/c.jpg', 'cc', 12, 'jpeg', 250, 250, 'done', 'several_faces', '2026-10-02T09:00:10.0000000Z', 1, '2026-10-02T09:00:00.0000000Z', '2026-10-02T09:00:10.0000000Z');
        INSERT INTO faces (id, media_id, face_index, box_x, box_y, box_w, box_h, landmarks_json, detector, detector_score, quality, created_at) VALUES
            (1, 1, 0, 70, 60, 110, 130, '[100,110,150,110,125,140,125,165]', 'blazeface-back', 0.9, 0.5, '2026-10-02T09:00:10.0000000Z'),
            (2, 2, 0, 71, 61, 111, 131, '[101,111,151,111,126,141,126,166]', 'blazeface-back', 0.91, 0.5, '2026-10-02T09:00:10.0000000Z'),
            (3, 3, 0, 10, 20, 60, 70, NULL, 'blazeface-back', 0.8, NULL, '2026-10-02T09:00:10.0000000Z'),
            (4, 3, 1, 150, 20, 60, 70, NULL, 'blazeface-back', 0.85, NULL, '2026-10-02T09:00:10.0000000Z');
        INSERT INTO persons (id, name, representative_face_id, created_at, modified_at) VALUES
            (1, 'Alice', 1, '2026-10-02T10:00:00.0000000Z', '2026-10-02T10:00:00.0000000Z'),
            (2, NULL, 2, '2026-10-02T10:00:00.0000000Z', '2026-10-03T11:00:00.0000000Z'),
            (5, 'Carol', 3, '2026-10-02T10:00:00.0000000Z', '2026-10-04T12:00:00.0000000Z');
        UPDATE faces SET person_id = 1 WHERE id = 1;
        UPDATE faces SET person_id = 2, pinned_person_id = 2 WHERE id = 2;
        UPDATE faces SET person_id = 5 WHERE id = 3;
        UPDATE faces SET pinned_person_id = 5 WHERE id = 4;
        INSERT INTO face_person_exclusions (face_id, person_id) VALUES (1, 2), (3, 1);
        INSERT INTO face_embeddings (face_id, model, model_version, dimension, vector) VALUES
            (1, 'tiny', 'v1', 2, X'0000803F00000000'),
            (3, 'tiny', 'v1', 2, X'9A99193FCDCC4C3F');
        INSERT INTO person_decisions (id, kind, person_id, other_person_id, other_name, face_ids_json, decided_by, decided_at) VALUES
            (1, 'merge', 5, 6, 'Sixth', '[4]', 'reviewer', '2026-10-04T12:00:00.0000000Z'),
            (2, 'split', 2, 1, 'Alice', '[2]', 'reviewer', '2026-10-03T11:00:00.0000000Z');
        INSERT INTO dedup_sets (id, run_id, created_at) VALUES (1, 1, '2026-10-02T09:01:00.0000000Z');
        INSERT INTO findings (id, set_id, media_a, media_b, face_a, face_b, score, status, settings_json) VALUES (1, 1, 1, 2, 1, 2, 0.95, 'confirmed', '{}');
        INSERT INTO ignored_pairs (hash_a, hash_b, reason, created_by, created_at) VALUES ('aa', 'cc', 'twins', 'reviewer', '2026-10-05T00:00:00.0000000Z');
        """;
}
