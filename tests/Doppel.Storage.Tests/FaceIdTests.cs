using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

/// <summary>Face and finding ids are never given out twice. A reviewer's decision lists face ids and
/// <c>persons show</c> prints them for <c>pin</c> and <c>split</c>: if re-detecting a changed photo
/// could hand a deleted face's id to a face of the new photo, those would silently name a different
/// face. Catalogs written by schema version 3 (plain rowids) are rebuilt by migration 4 with every
/// row, id and reference kept.</summary>
public class FaceIdTests
{
    [Fact]
    public async Task IdsAreNotReusedWhenAChangedFileHoldingTheHighestFaceIsDetectedAgain()
    {
        using var temp = new TempCatalog();
        long a, b, person, split;
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var media = await s.Media.RegisterAsync([Entry("/p/a.jpg", "a"), Entry("/p/b.jpg", "b")], Ct);
            (a, b) = (media[0].Media.Id, media[1].Media.Id);
            await s.Media.SaveResultsAsync([Ok(a, Face(1, "m"), Face(2, "m")), Ok(b, Face(3, "m"))], null, Ct);
            (await s.Faces.ListAsync(Page.All, Ct)).Select(f => (f.Id, f.MediaId)).ShouldBe([(1L, a), (2L, a), (3L, b)]);
            person = await s.Persons.CreateAsync("Bea", null, Ct);
            await s.Faces.AssignPersonsAsync([(2, person), (3, person)], Ct);
            split = await s.Persons.SplitAsync(person, [3], "Not Bea", null, Ct);
            var set = await s.Dedup.CreateSetAsync(null, DedupSet.DefaultGroup, null, Ct);
            await s.Dedup.AddFindingsAsync(set.Id, [new NewFinding(a, b, 1, 3, 0.97f, "{}")], Ct);
            (await s.Dedup.GetFindingsAsync(set.Id, null, Ct)).Single().Id.ShouldBe(1);

            // b.jpg now holds other bytes: its face 3 (the highest id) and the finding naming it go.
            (await Register(s, Entry("/p/b.jpg", "b, another photo", 2))).Change.ShouldBe(MediaChange.Changed);
            (await s.Faces.GetAsync(3, Ct)).ShouldBeNull();
            await s.Media.SaveResultsAsync([Ok(b, Face(4, "m"))], null, Ct);
            (await s.Faces.ListOfMediaAsync([b], Ct)).Single().Id.ShouldBe(4);
            (await s.Faces.GetAsync(3, Ct)).ShouldBeNull();
            (await s.Faces.GetAsync(4, Ct))!.PinnedPersonId.ShouldBeNull();

            var again = await s.Dedup.CreateSetAsync(null, DedupSet.DefaultGroup, null, Ct);
            await s.Dedup.AddFindingsAsync(again.Id, [new NewFinding(a, b, 1, 4, 0.5f, "{}")], Ct);
            (await s.Dedup.GetFindingsAsync(again.Id, null, Ct)).Single().Id.ShouldBe(2);
        }

        // The counters live in the file: a reopened catalog re-detecting b again still moves on.
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            await s.Media.ResetAsync([b], Ct);
            await s.Media.SaveResultsAsync([Ok(b, Face(5, "m"), Face(6, "m"))], null, Ct);
            (await s.Faces.ListOfMediaAsync([b], Ct)).Select(f => f.Id).ShouldBe([5L, 6L]);
            // The split still names face 3, which no longer exists, and no new face answers to it.
            (await s.Persons.ListDecisionsAsync(Ct)).Single().FaceIds.ShouldBe([3L]);
            (await Should.ThrowAsync<CatalogException>(() => s.Faces.PinAsync(3, split, Ct))).Message.ShouldContain("Face id 3 is not in the catalog");
            (await s.Faces.ListAsync(Page.All, Ct)).ShouldAllBe(f => f.PinnedPersonId == null);
        }
    }

    [Fact]
    public async Task AVersion3CatalogMigratesToVersion4KeepingEveryRowIdAndReference()
    {
        using var temp = new TempCatalog();
        SchemaV3.Create(temp.Path);
        using (var raw = temp.Raw())
            SchemaV2.Execute(raw, null, Version3Rows);
        var before = CatalogDump.Tables(temp);
        var beforeNamed = CatalogDump.Named(temp);
        before["faces"].Count.ShouldBe(4);
        before["findings"].Count.ShouldBe(2);
        before["person_decisions"].Count.ShouldBe(2);

        await using (var db = temp.Open())
        {
            db.SchemaVersion.ShouldBe(9);
            var s = Stores(db);
            // Read back through the stores: faces with their persons, pins, exclusions, vectors; decisions; findings.
            (await s.Faces.ListAsync(Page.All, Ct)).Select(f => (f.Id, f.MediaId, f.PersonId, f.PinnedPersonId, string.Join(",", f.ExcludedPersonIds)))
                .ShouldBe([(1L, 1L, 1L, (long?)null, "2"), (2L, 2L, 2L, 2L, ""), (3L, 3L, 5L, null, "1"), (4L, 3L, (long?)null, 5L, "")]);
            (await s.Persons.ListAsync(Page.All, Ct)).Select(p => (p.Id, p.Name, p.RepresentativeFaceId)).ShouldBe([(1L, "Alice", 1L), (2L, (string?)null, 2L), (5L, "Carol", 3L)]);
            (await s.Faces.GetEmbeddingsAsync(3, Ct)).ShouldHaveSingleItem().Vector.ShouldBe([0.6f, 0.8f]);
            (await s.Persons.ListDecisionsAsync(Ct)).Select(d => (d.Kind, d.PersonId, string.Join(",", d.FaceIds)))
                .ShouldBe([(PersonDecisionKind.Merge, 5L, "4"), (PersonDecisionKind.Split, 2L, "2,6")]);
            (await s.Dedup.GetFindingsAsync(1, null, Ct)).Select(f => (f.Id, f.FaceA, f.FaceB, f.Status)).ShouldBe([(1L, (long?)1L, (long?)2L, FindingStatus.Confirmed)]);
            (await s.Dedup.GetFindingsAsync(2, null, Ct)).Select(f => (f.Id, f.FaceA, f.FaceB)).ShouldBe([(3L, (long?)3L, (long?)4L)]);
        }

        // Every row of every table is byte-for-byte what version 3 held; only the version row is new.
        // (Later versions add columns and tables, and turn the locks into leases: every column a row had is kept.)
        var after = CatalogDump.Tables(temp);
        CatalogDump.ShouldKeepEveryRow(beforeNamed, CatalogDump.Named(temp), "schema_migrations", "locks");
        after["schema_migrations"].Count.ShouldBe(8);
        after["schema_migrations"][3].ShouldStartWith("4|");
        foreach (var table in new[] { "faces", "findings", "persons" })
            temp.RawScalar($"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}' AND sql LIKE '%AUTOINCREMENT%'").ShouldBe(1, table);
        temp.RawScalar("SELECT COUNT(*) FROM sqlite_master WHERE sql LIKE '%_rebuilt%'").ShouldBe(0);
        // The rebuilt tables keep their indexes and the uniqueness of a face's index within its file.
        foreach (var index in new[] { "ix_faces_person", "ix_findings_set", "ix_findings_media_a", "ix_findings_media_b" })
            temp.RawScalar($"SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '{index}'").ShouldBe(1, index);
        using (var raw = temp.Raw())
        {
            CatalogDump.Rows(raw, "PRAGMA foreign_key_check").ShouldBeEmpty();
            foreach (var table in new[] { "face_embeddings", "face_person_exclusions", "persons" })
                CatalogDump.Rows(raw, $"PRAGMA foreign_key_list({table})").Count(r => r.Contains("|faces|")).ShouldBe(1, table);
            CatalogDump.Rows(raw, "PRAGMA foreign_key_list(findings)").Count(r => r.Contains("|faces|")).ShouldBe(2);
        }

        await using (var db = temp.Open())
        {
            var s = Stores(db);
            // Face 6 was deleted under version 3 (its photo re-detected) and only survives in the split
            // decision: no new face takes it. Finding 4 never existed, so counting simply goes on from 3.
            await s.Media.SaveResultsAsync([Ok(3, Face(7, "tiny"))], null, Ct);
            (await s.Faces.ListOfMediaAsync([3], Ct)).Single().Id.ShouldBe(7);
            var set = await s.Dedup.CreateSetAsync(null, DedupSet.DefaultGroup, null, Ct);
            await s.Dedup.AddFindingsAsync(set.Id, [new NewFinding(1, 3, 1, 7, 0.9f, "{}")], Ct);
            (await s.Dedup.GetFindingsAsync(set.Id, null, Ct)).Single().Id.ShouldBe(4);
            // The foreign keys point at the rebuilt faces table: deleting a face's media cascades through it.
            (await s.Faces.GetAsync(3, Ct)).ShouldBeNull();
            (await s.Faces.GetEmbeddingsAsync(3, Ct)).ShouldBeEmpty();
            (await s.Persons.GetAsync(5, Ct))!.RepresentativeFaceId.ShouldBeNull();
            (await s.Dedup.GetFindingsAsync(2, null, Ct)).ShouldBeEmpty();
            (await s.Persons.CreateAsync("New", null, Ct)).ShouldBe(7);
        }
    }

    [Fact]
    public void AMigrationThatFailsLeavesTheVersion3FileAsItWas()
    {
        using var temp = new TempCatalog();
        SchemaV3.Create(temp.Path);
        using (var raw = temp.Raw())
        {
            SchemaV2.Execute(raw, null, Version3Rows);
            // A finding naming a face that does not exist (foreign keys off: an old tool, a hand edit).
            SchemaV2.Execute(raw, null, "PRAGMA foreign_keys = OFF; UPDATE findings SET face_b = 99 WHERE id = 3;");
        }
        CatalogDump.UpgradeFailsAndChangesNothing(temp, "findings");
        temp.RawScalar("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('faces', 'findings') AND sql LIKE '%AUTOINCREMENT%'").ShouldBe(0);
    }

    /// <summary>Rows as a version 3 Doppel wrote them: person 6 merged away into 5; media 3 was
    /// re-detected after a split named its face 6 (the highest face id then), so version 3 would hand
    /// 6 out again; pins, exclusions, embeddings, two dedup sets with findings, a run, an ignored pair.</summary>
    private const string Version3Rows = """
        INSERT INTO runs (id, kind, args_json, state, started_at, finished_at, total, processed, rejected, owner_pid, owner_host, heartbeat_at)
            VALUES (1, 'detect', '{}', 'completed', '2026-11-02T09:00:00.0000000Z', '2026-11-02T09:01:00.0000000Z', 3, 3, 0, 4242, 'old-host', '2026-11-02T09:01:00.0000000Z');
        INSERT INTO media_files (id, path, content_hash, size_bytes, format, width, height, state, reason_code, processed_at, processed_run_id, created_at, updated_at) VALUES
            (1, '/p/a.jpg', 'aa', 10, 'jpeg', 250, 250, 'done', 'ok', '2026-11-02T09:00:10.0000000Z', 1, '2026-11-02T09:00:00.0000000Z', '2026-11-02T09:00:10.0000000Z'),
            (2, '/p/b.jpg', 'bb', 11, 'jpeg', 250, 250, 'done', 'ok', '2026-11-02T09:00:10.0000000Z', 1, '2026-11-02T09:00:00.0000000Z', '2026-11-02T09:00:10.0000000Z'),
            (3, '/p/c.jpg', 'cc', 12, 'jpeg', 250, 250, 'done', 'several_faces', '2026-11-02T09:00:10.0000000Z', 1, '2026-11-02T09:00:00.0000000Z', '2026-11-02T09:00:10.0000000Z');
        INSERT INTO faces (id, media_id, face_index, box_x, box_y, box_w, box_h, landmarks_json, detector, detector_score, quality, thumbnail_path, created_at) VALUES
            (1, 1, 0, 70, 60, 110, 130, '[100,110,150,110,125,140,125,165]', 'blazeface-back', 0.9, 0.5, 'thumbs/1.jpg', '2026-11-02T09:00:10.0000000Z'),
            (2, 2, 0, 71, 61, 111, 131, '[101,111,151,111,126,141,126,166]', 'blazeface-back', 0.91, 0.5, NULL, '2026-11-02T09:00:10.0000000Z'),
            (3, 3, 0, 10, 20, 60, 70, NULL, 'blazeface-back', 0.8, NULL, NULL, '2026-11-03T09:00:10.0000000Z'),
            (4, 3, 1, 150, 20, 60, 70, NULL, 'blazeface-back', 0.85, NULL, NULL, '2026-11-03T09:00:10.0000000Z');
        INSERT INTO persons (id, name, representative_face_id, created_at, modified_at) VALUES
            (1, 'Alice', 1, '2026-11-02T10:00:00.0000000Z', '2026-11-02T10:00:00.0000000Z'),
            (2, NULL, 2, '2026-11-02T10:00:00.0000000Z', '2026-11-03T11:00:00.0000000Z'),
            (5, 'Carol', 3, '2026-11-02T10:00:00.0000000Z', '2026-11-04T12:00:00.0000000Z');
        UPDATE sqlite_sequence SET seq = 6 WHERE name = 'persons';
        UPDATE faces SET person_id = 1 WHERE id = 1;
        UPDATE faces SET person_id = 2, pinned_person_id = 2 WHERE id = 2;
        UPDATE faces SET person_id = 5 WHERE id = 3;
        UPDATE faces SET pinned_person_id = 5 WHERE id = 4;
        INSERT INTO face_person_exclusions (face_id, person_id) VALUES (1, 2), (3, 1);
        INSERT INTO face_embeddings (face_id, model, model_version, dimension, vector) VALUES
            (1, 'tiny', 'v1', 2, X'0000803F00000000'),
            (3, 'tiny', 'v1', 2, X'9A99193FCDCC4C3F');
        INSERT INTO person_decisions (id, kind, person_id, other_person_id, other_name, face_ids_json, decided_by, decided_at) VALUES
            (1, 'merge', 5, 6, 'Sixth', '[4]', 'reviewer', '2026-11-04T12:00:00.0000000Z'),
            (2, 'split', 2, 1, 'Alice', '[2,6]', 'reviewer', '2026-11-03T11:00:00.0000000Z');
        INSERT INTO dedup_sets (id, run_id, created_at) VALUES (1, 1, '2026-11-02T09:01:00.0000000Z'), (2, NULL, '2026-11-03T09:01:00.0000000Z');
        INSERT INTO findings (id, set_id, media_a, media_b, face_a, face_b, score, status, settings_json) VALUES
            (1, 1, 1, 2, 1, 2, 0.95, 'confirmed', '{"model":"tiny"}'),
            (3, 2, 3, 3, 3, 4, 0.91, 'new', '{"model":"tiny"}');
        INSERT INTO ignored_pairs (hash_a, hash_b, reason, created_by, created_at) VALUES ('aa', 'cc', 'twins', 'reviewer', '2026-11-05T00:00:00.0000000Z');
        """;
}
