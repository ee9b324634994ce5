using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

/// <summary>Every entity written through the SQLite stores, the file closed, reopened, and read back.</summary>
public class RoundTripTests
{
    [Fact]
    public async Task MediaFacesAndEmbeddingsSurviveReopening()
    {
        using var temp = new TempCatalog();
        long okId, noFaceId, runId;
        var faceA = Face(1, "dlib-resnet29", "mobilefacenet-192");
        var faceB = Face(2, "dlib-resnet29");
        var before = DateTimeOffset.UtcNow;
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var media = await s.Media.RegisterAsync([Entry("/photos/two faces.jpg", "two", 12345), Entry("/photos/wall.png", "wall", 999)], Ct);
            (okId, noFaceId) = (media[0].Media.Id, media[1].Media.Id);
            runId = await s.Runs.StartAsync("scan", """{"dir":"/photos"}""", 2, Ct);
            await s.Media.SaveResultsAsync([Ok(okId, faceA, faceB), NoFace(noFaceId)], runId, Ct);
        }

        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var media = (await s.Media.GetAsync(okId, Ct))!;
            media.Path.ShouldBe("/photos/two faces.jpg");
            media.ContentHash.ShouldBe(Hash("two"));
            media.SizeBytes.ShouldBe(12345);
            (media.Format, media.Width, media.Height).ShouldBe(("jpeg", 250, 250));
            media.State.ShouldBe(MediaState.Done);
            media.ReasonCode.ShouldBe("ok");
            media.ProcessedByRunId.ShouldBe(runId);
            media.ProcessedAt!.Value.ShouldBeGreaterThanOrEqualTo(before);

            var rejected = (await s.Media.GetAsync(noFaceId, Ct))!;
            (rejected.ReasonCode, rejected.ReasonDetail, rejected.Format, rejected.Width, rejected.Height)
                .ShouldBe(("no_face", "no face above 0.75", "png", 100, 120));

            var faces = await s.Faces.ListOfMediaAsync([okId], Ct);
            faces.Count.ShouldBe(2);
            faces.Select(f => f.FaceIndex).ShouldBe([0, 1]);
            var stored = faces[0];
            stored.Box.ShouldBe(faceA.Box);
            stored.Landmarks.ShouldBe(faceA.Landmarks);
            stored.Detector.ShouldBe("blazeface-back");
            stored.DetectorScore.ShouldBe(faceA.DetectorScore);
            stored.Quality.ShouldBe(0.5f);
            stored.ThumbnailPath.ShouldBe("thumbs/1.jpg");
            stored.PersonId.ShouldBeNull();
            (await s.Faces.ListOfMediaAsync([noFaceId], Ct)).ShouldBeEmpty();
            (await s.Faces.CountAsync(Ct)).ShouldBe(2);

            var embeddings = await s.Faces.GetEmbeddingsAsync(stored.Id, Ct);
            embeddings.Select(e => (e.Model, e.ModelVersion, e.Dimension)).ShouldBe([("dlib-resnet29", "1", 128), ("mobilefacenet-192", "1", 192)]);
            embeddings[0].Vector.ShouldBe(faceA.Embeddings[0].Vector);
            embeddings[1].Vector.ShouldBe(faceA.Embeddings[1].Vector);

            var dlib = await ToListAsync(s.Faces.ReadEmbeddingsAsync("dlib-resnet29", Ct));
            dlib.Select(e => e.FaceId).ShouldBe([faces[0].Id, faces[1].Id]);
            dlib[1].Vector.ShouldBe(faceB.Embeddings[0].Vector);
            (await ToListAsync(s.Faces.ReadEmbeddingsAsync("mobilefacenet-192", Ct))).Count.ShouldBe(1);

            var run = (await s.Runs.GetAsync(runId, Ct))!;
            (run.Kind, run.ArgsJson, run.State, run.Total, run.Processed, run.Rejected).ShouldBe(("scan", """{"dir":"/photos"}""", RunState.Running, 2L, 2L, 1L));
            run.OwnerPid.ShouldBe(Environment.ProcessId);
            run.OwnerHost.ShouldBe(Environment.MachineName);
            await s.Runs.FinishAsync(runId, RunState.Completed, null, Ct);
        }

        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var run = (await s.Runs.GetAsync(runId, Ct))!;
            run.State.ShouldBe(RunState.Completed);
            run.FinishedAt.ShouldNotBeNull();
            (await s.Runs.FindUnfinishedAsync("scan", Ct)).ShouldBeNull();
        }
    }

    [Fact]
    public async Task EmbeddingStoredAsJsonTextByAnotherSystemIsRead()
    {
        using var temp = new TempCatalog();
        long faceId;
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var id = (await Register(s, Entry("/p/x.jpg", "x"))).Media.Id;
            await s.Media.SaveResultsAsync([Ok(id, Face(1))], null, Ct);
            faceId = (await s.Faces.ListOfMediaAsync([id], Ct))[0].Id;
        }
        using (var raw = temp.Raw())
        {
            using var command = raw.CreateCommand();
            command.CommandText = "INSERT INTO face_embeddings (face_id, model, model_version, dimension, vector) VALUES ($f, 'facenet', 'seed', 3, '[0.5, -0.25, 0.125]')";
            command.Parameters.AddWithValue("$f", faceId);
            command.ExecuteNonQuery();
        }
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            (await ToListAsync(s.Faces.ReadEmbeddingsAsync("facenet", Ct))).Single().Vector.ShouldBe([0.5f, -0.25f, 0.125f]);
            // Which faces have a vector of this model and version: the version must match exactly.
            (await s.Faces.FacesWithEmbeddingAsync("facenet", "seed", Ct)).ShouldBe([faceId]);
            (await s.Faces.FacesWithEmbeddingAsync("facenet", "other", Ct)).ShouldBeEmpty();
            (await s.Faces.FacesWithEmbeddingAsync("arcface", "seed", Ct)).ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task PersonsAssignmentsPinsAndExclusionsRoundTrip()
    {
        using var temp = new TempCatalog();
        long[] faceIds;
        long alice, bob;
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var id = (await Register(s, Entry("/p/group.jpg", "group"))).Media.Id;
            await s.Media.SaveResultsAsync([Ok(id, Face(1), Face(2), Face(3))], null, Ct);
            faceIds = (await s.Faces.ListOfMediaAsync([id], Ct)).Select(f => f.Id).ToArray();
            alice = await s.Persons.CreateAsync("Alice", faceIds[0], Ct);
            bob = await s.Persons.CreateAsync(null, null, Ct);
            await s.Faces.AssignPersonsAsync([(faceIds[0], alice), (faceIds[1], bob), (faceIds[2], alice)], Ct);
            await s.Faces.PinAsync(faceIds[1], bob, Ct);
            await s.Faces.ExcludeAsync(faceIds[2], alice, Ct);
            await s.Faces.ExcludeAsync(faceIds[2], bob, Ct);
            await s.Persons.UpdateAsync(bob, "Bob", faceIds[1], Ct);
            await s.Faces.SetThumbnailAsync(faceIds[0], "/thumbs/alice.jpg", Ct);
        }

        await using (var db = temp.Open())
        {
            var s = Stores(db);
            (await s.Persons.ListAsync(Page.All, Ct)).Select(p => (p.Id, p.Name, p.RepresentativeFaceId)).ShouldBe([(alice, "Alice", faceIds[0]), (bob, "Bob", faceIds[1])]);
            var bobRow = (await s.Persons.GetAsync(bob, Ct))!;
            bobRow.ModifiedAt.ShouldBeGreaterThanOrEqualTo(bobRow.CreatedAt);
            var faces = await s.Faces.ListAsync(Page.All, Ct);
            faces.Select(f => f.PersonId).ShouldBe([alice, bob, alice]);
            faces.Select(f => f.PinnedPersonId).ShouldBe([null, bob, null]);
            faces[2].ExcludedPersonIds.ShouldBe([alice, bob]);
            (await s.Faces.GetAsync(faceIds[2], Ct))!.ExcludedPersonIds.ShouldBe([alice, bob]);
            faces[0].ThumbnailPath.ShouldBe("/thumbs/alice.jpg");

            // Excluding a face from the person it is pinned to removes the pin.
            await s.Faces.ExcludeAsync(faceIds[1], bob, Ct);
            (await s.Faces.GetAsync(faceIds[1], Ct))!.PinnedPersonId.ShouldBeNull();

            await s.Persons.DeleteAsync(alice, Ct);
            (await s.Persons.GetAsync(alice, Ct)).ShouldBeNull();
            (await s.Faces.ListAsync(Page.All, Ct)).Select(f => f.PersonId).ShouldBe([null, bob, null]);
            (await s.Faces.GetAsync(faceIds[2], Ct))!.ExcludedPersonIds.ShouldBe([bob]);
        }
    }

    [Fact]
    public async Task DedupSetsFindingsAndIgnoredPairsRoundTrip()
    {
        using var temp = new TempCatalog();
        long setId, a, b, c, runId;
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var media = await s.Media.RegisterAsync([Entry("/p/a.jpg", "a"), Entry("/p/b.jpg", "b"), Entry("/p/c.jpg", "c")], Ct);
            (a, b, c) = (media[0].Media.Id, media[1].Media.Id, media[2].Media.Id);
            await s.Media.SaveResultsAsync([Ok(a, Face(1)), Ok(b, Face(2)), Ok(c, Face(3))], null, Ct);
            runId = await s.Runs.StartAsync("dedup", "{}", 0, Ct);
            setId = (await s.Dedup.CreateSetAsync(runId, DedupSet.DefaultGroup, null, Ct)).Id;
            var fa = (await s.Faces.ListOfMediaAsync([a], Ct))[0].Id;
            var fb = (await s.Faces.ListOfMediaAsync([b], Ct))[0].Id;
            const string settings = """{"model":"dlib-resnet29","threshold":0.93,"algorithm":"exact"}""";
            // Given b before a: stored a first, faces swapped with their media.
            await s.Dedup.AddFindingsAsync(setId, [new NewFinding(b, a, fb, fa, 0.97f, settings), new NewFinding(a, c, null, null, 0.941f, settings)], Ct);
            await s.IgnoredPairs.AddAsync(Hash("c"), Hash("a"), "twins", "alice", Ct);
        }

        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var set = (await s.Dedup.ListSetsAsync(null, Page.All, Ct)).Single();
            (set.Id, set.RunId, set.Group, set.OwnerOfFindings).ShouldBe((setId, (long?)runId, DedupSet.DefaultGroup, setId));
            var findings = await s.Dedup.GetFindingsAsync(setId, null, Ct);
            findings.Count.ShouldBe(2);
            var first = findings[0];
            (first.MediaA, first.MediaB, first.Score, first.Status).ShouldBe((a, b, 0.97f, FindingStatus.New));
            first.FaceA.ShouldBe((await s.Faces.ListOfMediaAsync([a], Ct))[0].Id);
            first.FaceB.ShouldBe((await s.Faces.ListOfMediaAsync([b], Ct))[0].Id);
            first.SettingsJson.ShouldContain("\"threshold\":0.93");
            (findings[1].FaceA, findings[1].FaceB).ShouldBe((null, null));

            // The store records a verdict and only that: the ignore list is the review use case's (ReviewFindingHandlerTests).
            await s.Dedup.SetFindingStatusAsync(first.Id, FindingStatus.NotDuplicate, null, Ct);
            await s.Dedup.SetFindingStatusAsync(findings[1].Id, FindingStatus.Confirmed, null, Ct);
            (await s.Dedup.GetFindingsAsync(setId, null, Ct)).Select(f => f.Status).ShouldBe([FindingStatus.NotDuplicate, FindingStatus.Confirmed]);

            (await s.IgnoredPairs.ContainsAsync(Hash("a"), Hash("c"), Ct)).ShouldBeTrue();
            (await s.IgnoredPairs.ContainsAsync(Hash("c"), Hash("a"), Ct)).ShouldBeTrue();
            (await s.IgnoredPairs.ContainsAsync(Hash("b"), Hash("c"), Ct)).ShouldBeFalse();
            (await s.IgnoredPairs.ContainsAsync(Hash("a"), Hash("b"), Ct)).ShouldBeFalse();
            var twins = (await s.IgnoredPairs.ListAsync(Ct)).Single();
            string.CompareOrdinal(twins.HashA, twins.HashB).ShouldBeLessThan(0);
            (twins.Reason, twins.CreatedBy).ShouldBe(("twins", "alice"));
            (await s.IgnoredPairs.RemoveAsync(Hash("a"), Hash("c"), Ct)).ShouldBeTrue();
            (await s.IgnoredPairs.ListAsync(Ct)).ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task PutEmbeddingAddsASecondModelAndReplacesTheSameModel()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        var id = (await Register(s, Entry("/p/x.jpg", "x"))).Media.Id;
        await s.Media.SaveResultsAsync([Ok(id, Face(1, "dlib-resnet29"))], null, Ct);
        var faceId = (await s.Faces.ListOfMediaAsync([id], Ct))[0].Id;
        var sface = UnitVector(128, 77);
        await s.Faces.PutEmbeddingsAsync([new FaceEmbedding(faceId, "sface", "2021dec", sface)], Ct);
        await s.Faces.PutEmbeddingsAsync([new FaceEmbedding(faceId, "sface", "2021dec-int8", sface.Reverse().ToArray())], Ct);
        var stored = (await s.Faces.GetEmbeddingsAsync(faceId, Ct)).Single(e => e.Model == "sface");
        stored.ModelVersion.ShouldBe("2021dec-int8");
        stored.Vector.ShouldBe(sface.Reverse().ToArray());
        (await s.Faces.GetEmbeddingsAsync(faceId, Ct)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task BadIdsAndHashesAreClearErrors()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        (await Should.ThrowAsync<ArgumentException>(() => s.Media.RegisterAsync([new MediaEntry(new MediaKey(MediaSources.File, "/p/x.jpg"), "not-a-hash", 1)], Ct)))
            .Message.ShouldContain("SHA-256");
        (await Should.ThrowAsync<CatalogException>(() => s.Media.SaveResultsAsync([NoFace(42)], null, Ct))).Message.ShouldContain("Media id 42");
        (await Should.ThrowAsync<CatalogException>(() => s.Faces.PinAsync(7, null, Ct))).Message.ShouldContain("Face id 7");
        (await Should.ThrowAsync<CatalogException>(() => s.Persons.UpdateAsync(9, "x", null, Ct))).Message.ShouldContain("Person id 9");
        (await Should.ThrowAsync<CatalogException>(() => s.Runs.FinishAsync(5, RunState.Failed, "boom", Ct))).Message.ShouldContain("Run 5");
        await Should.ThrowAsync<ArgumentException>(() => s.Runs.FinishAsync(5, RunState.Running, null, Ct));

        var id = (await Register(s, Entry("/p/x.jpg", "x"))).Media.Id;
        NewFace WithVector(float[] vector) => Face(1) with { Embeddings = [new NewEmbedding("dlib-resnet29", "1", vector)] };
        (await Should.ThrowAsync<ArgumentException>(() => s.Media.SaveResultsAsync([Ok(id, WithVector([]))], null, Ct))).Message.ShouldContain("is empty");
        (await Should.ThrowAsync<ArgumentException>(() => s.Media.SaveResultsAsync([Ok(id, WithVector([0.5f, float.NaN]))], null, Ct))).Message.ShouldContain("non-finite");
        (await s.Media.GetAsync(id, Ct))!.State.ShouldBe(MediaState.Pending);
    }

    [Fact]
    public async Task FaceVectorsCarryMediaPersonAndQualityAndSkipRejectedFiles()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        var media = await s.Media.RegisterAsync([Entry("/p/ok.jpg", "ok"), Entry("/p/group.jpg", "group")], Ct);
        var (ok, several) = (media[0].Media.Id, media[1].Media.Id);
        await s.Media.SaveResultsAsync(
        [
            Ok(ok, Face(1, "dlib-resnet29")),
            new MediaResult(several, "several_faces", "3 faces", "jpeg", 640, 480, [Face(2, "dlib-resnet29"), Face(3, "dlib-resnet29")]),
        ], null, Ct);
        var person = await s.Persons.CreateAsync("p", null, Ct);
        var okFace = (await s.Faces.ListOfMediaAsync([ok], Ct))[0].Id;
        await s.Faces.AssignPersonsAsync([(okFace, person)], Ct);

        var only = (await ToListAsync(s.Faces.ReadFaceVectorsAsync("dlib-resnet29", true, Ct))).Single();
        (only.FaceId, only.MediaId, only.PersonId, only.Quality).ShouldBe((okFace, ok, (long?)person, (float?)0.5f));
        only.Vector.ShouldBe(Face(1, "dlib-resnet29").Embeddings[0].Vector);
        (await ToListAsync(s.Faces.ReadFaceVectorsAsync("dlib-resnet29", false, Ct))).Select(v => v.MediaId).ShouldBe([ok, several, several]);
        (await ToListAsync(s.Faces.ReadFaceVectorsAsync("sface", true, Ct))).ShouldBeEmpty();
    }
}
