namespace Doppel.Storage.Tests;

/// <summary>Every entity written through the catalog, the file closed, reopened, and read back.</summary>
public class RoundTripTests
{
    [Fact]
    public void MediaFacesAndEmbeddingsSurviveReopening()
    {
        using var temp = new TempCatalog();
        long okId, noFaceId, runId;
        var faceA = TempCatalog.Face(1, "dlib-resnet29", "mobilefacenet-192");
        var faceB = TempCatalog.Face(2, "dlib-resnet29");
        var before = DateTimeOffset.UtcNow;
        using (var catalog = temp.Open())
        {
            okId = catalog.RegisterMedia("/photos/two faces.jpg", TempCatalog.Hash("two"), 12345).Media.Id;
            noFaceId = catalog.RegisterMedia("/photos/wall.png", TempCatalog.Hash("wall"), 999).Media.Id;
            runId = catalog.StartRun("scan", """{"dir":"/photos"}""", total: 2);
            catalog.SaveResults([TempCatalog.Ok(okId, faceA, faceB), TempCatalog.NoFace(noFaceId)], runId);
        }

        using (var catalog = temp.Open())
        {
            var media = catalog.GetMedia(okId)!;
            media.Path.ShouldBe("/photos/two faces.jpg");
            media.ContentHash.ShouldBe(TempCatalog.Hash("two"));
            media.SizeBytes.ShouldBe(12345);
            (media.Format, media.Width, media.Height).ShouldBe(("jpeg", 250, 250));
            media.State.ShouldBe(MediaState.Done);
            media.ReasonCode.ShouldBe("ok");
            media.ProcessedByRunId.ShouldBe(runId);
            media.ProcessedAt!.Value.ShouldBeGreaterThanOrEqualTo(before);

            var rejected = catalog.GetMedia(noFaceId)!;
            (rejected.ReasonCode, rejected.ReasonDetail, rejected.Format, rejected.Width, rejected.Height)
                .ShouldBe(("no_face", "no face above 0.75", "png", 100, 120));

            var faces = catalog.GetFacesOfMedia(okId);
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
            catalog.GetFacesOfMedia(noFaceId).ShouldBeEmpty();
            catalog.CountFaces().ShouldBe(2);

            var embeddings = catalog.GetEmbeddings(stored.Id);
            embeddings.Select(e => (e.Model, e.ModelVersion, e.Dimension)).ShouldBe([("dlib-resnet29", "1", 128), ("mobilefacenet-192", "1", 192)]);
            embeddings[0].Vector.ShouldBe(faceA.Embeddings[0].Vector);
            embeddings[1].Vector.ShouldBe(faceA.Embeddings[1].Vector);

            var dlib = catalog.ReadEmbeddings("dlib-resnet29").ToList();
            dlib.Select(e => e.FaceId).ShouldBe([faces[0].Id, faces[1].Id]);
            dlib[1].Vector.ShouldBe(faceB.Embeddings[0].Vector);
            catalog.ReadEmbeddings("mobilefacenet-192").Count().ShouldBe(1);

            var run = catalog.GetRun(runId)!;
            (run.Kind, run.ArgsJson, run.State, run.Total, run.Processed, run.Rejected).ShouldBe(("scan", """{"dir":"/photos"}""", RunState.Running, 2L, 2L, 1L));
            run.OwnerPid.ShouldBe(Environment.ProcessId);
            run.OwnerHost.ShouldBe(Environment.MachineName);
            catalog.FinishRun(runId, RunState.Completed);
        }

        using (var catalog = temp.Open())
        {
            var run = catalog.GetRun(runId)!;
            run.State.ShouldBe(RunState.Completed);
            run.FinishedAt.ShouldNotBeNull();
            catalog.FindUnfinishedRun("scan").ShouldBeNull();
        }
    }

    [Fact]
    public void EmbeddingStoredAsJsonTextByAnotherSystemIsRead()
    {
        using var temp = new TempCatalog();
        long faceId;
        using (var catalog = temp.Open())
        {
            var id = catalog.RegisterMedia("/p/x.jpg", TempCatalog.Hash("x"), 1).Media.Id;
            catalog.SaveResults([TempCatalog.Ok(id, TempCatalog.Face(1))]);
            faceId = catalog.GetFacesOfMedia(id)[0].Id;
        }
        using (var raw = temp.Raw())
        {
            using var command = raw.CreateCommand();
            command.CommandText = "INSERT INTO face_embeddings (face_id, model, model_version, dimension, vector) VALUES ($f, 'facenet', 'seed', 3, '[0.5, -0.25, 0.125]')";
            command.Parameters.AddWithValue("$f", faceId);
            command.ExecuteNonQuery();
        }
        using (var catalog = temp.Open())
        {
            catalog.ReadEmbeddings("facenet").Single().Vector.ShouldBe([0.5f, -0.25f, 0.125f]);
            // Which faces have a vector of this model and version: the version must match exactly.
            catalog.FacesWithEmbedding("facenet", "seed").ShouldBe([faceId]);
            catalog.FacesWithEmbedding("facenet", "other").ShouldBeEmpty();
            catalog.FacesWithEmbedding("arcface", "seed").ShouldBeEmpty();
        }
    }

    [Fact]
    public void PersonsAssignmentsPinsAndExclusionsRoundTrip()
    {
        using var temp = new TempCatalog();
        long[] faceIds;
        long alice, bob;
        using (var catalog = temp.Open())
        {
            var id = catalog.RegisterMedia("/p/group.jpg", TempCatalog.Hash("group"), 1).Media.Id;
            catalog.SaveResults([TempCatalog.Ok(id, TempCatalog.Face(1), TempCatalog.Face(2), TempCatalog.Face(3))]);
            faceIds = catalog.GetFacesOfMedia(id).Select(f => f.Id).ToArray();
            alice = catalog.CreatePerson("Alice", faceIds[0]);
            bob = catalog.CreatePerson(null);
            catalog.AssignPersons([(faceIds[0], alice), (faceIds[1], bob), (faceIds[2], alice)]);
            catalog.PinFace(faceIds[1], bob);
            catalog.ExcludeFaceFromPerson(faceIds[2], alice);
            catalog.ExcludeFaceFromPerson(faceIds[2], bob);
            catalog.UpdatePerson(bob, "Bob", faceIds[1]);
            catalog.SetFaceThumbnail(faceIds[0], "/thumbs/alice.jpg");
        }

        using (var catalog = temp.Open())
        {
            catalog.ListPersons().Select(p => (p.Id, p.Name, p.RepresentativeFaceId)).ShouldBe([(alice, "Alice", faceIds[0]), (bob, "Bob", faceIds[1])]);
            var bobRow = catalog.GetPerson(bob)!;
            bobRow.ModifiedAt.ShouldBeGreaterThanOrEqualTo(bobRow.CreatedAt);
            var faces = catalog.ListFaces();
            faces.Select(f => f.PersonId).ShouldBe([alice, bob, alice]);
            faces.Select(f => f.PinnedPersonId).ShouldBe([null, bob, null]);
            faces[2].ExcludedPersonIds.ShouldBe([alice, bob]);
            catalog.GetFace(faceIds[2])!.ExcludedPersonIds.ShouldBe([alice, bob]);
            faces[0].ThumbnailPath.ShouldBe("/thumbs/alice.jpg");

            // Excluding a face from the person it is pinned to removes the pin.
            catalog.ExcludeFaceFromPerson(faceIds[1], bob);
            catalog.GetFace(faceIds[1])!.PinnedPersonId.ShouldBeNull();

            catalog.DeletePerson(alice);
            catalog.GetPerson(alice).ShouldBeNull();
            catalog.ListFaces().Select(f => f.PersonId).ShouldBe([null, bob, null]);
            catalog.GetFace(faceIds[2])!.ExcludedPersonIds.ShouldBe([bob]);
        }
    }

    [Fact]
    public void DedupSetsFindingsAndIgnoredPairsRoundTrip()
    {
        using var temp = new TempCatalog();
        long setId, a, b, c, runId;
        using (var catalog = temp.Open())
        {
            a = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 1).Media.Id;
            b = catalog.RegisterMedia("/p/b.jpg", TempCatalog.Hash("b"), 1).Media.Id;
            c = catalog.RegisterMedia("/p/c.jpg", TempCatalog.Hash("c"), 1).Media.Id;
            catalog.SaveResults([TempCatalog.Ok(a, TempCatalog.Face(1)), TempCatalog.Ok(b, TempCatalog.Face(2)), TempCatalog.Ok(c, TempCatalog.Face(3))]);
            runId = catalog.StartRun("dedup", "{}");
            setId = catalog.CreateDedupSet(runId);
            var fa = catalog.GetFacesOfMedia(a)[0].Id;
            var fb = catalog.GetFacesOfMedia(b)[0].Id;
            const string settings = """{"model":"dlib-resnet29","threshold":0.93,"algorithm":"exact"}""";
            // Given b before a: stored a first, faces swapped with their media.
            catalog.AddFindings(setId, [new NewFinding(b, a, fb, fa, 0.97f, settings), new NewFinding(a, c, null, null, 0.941f, settings)]);
            catalog.IgnorePair(TempCatalog.Hash("c"), TempCatalog.Hash("a"), "twins", "alice");
        }

        using (var catalog = temp.Open())
        {
            catalog.ListDedupSets().Single().ShouldBe(new DedupSet(setId, runId, catalog.ListDedupSets()[0].CreatedAt));
            var findings = catalog.GetFindings(setId);
            findings.Count.ShouldBe(2);
            var first = findings[0];
            (first.MediaA, first.MediaB, first.Score, first.Status).ShouldBe((a, b, 0.97f, FindingStatus.New));
            first.FaceA.ShouldBe(catalog.GetFacesOfMedia(a)[0].Id);
            first.FaceB.ShouldBe(catalog.GetFacesOfMedia(b)[0].Id);
            first.SettingsJson.ShouldContain("\"threshold\":0.93");
            (findings[1].FaceA, findings[1].FaceB).ShouldBe((null, null));

            catalog.SetFindingStatus(first.Id, FindingStatus.NotDuplicate);
            catalog.SetFindingStatus(findings[1].Id, FindingStatus.Confirmed);
            catalog.GetFindings(setId).Select(f => f.Status).ShouldBe([FindingStatus.NotDuplicate, FindingStatus.Confirmed]);

            catalog.IsIgnored(TempCatalog.Hash("a"), TempCatalog.Hash("c")).ShouldBeTrue();
            catalog.IsIgnored(TempCatalog.Hash("c"), TempCatalog.Hash("a")).ShouldBeTrue();
            catalog.IsIgnored(TempCatalog.Hash("b"), TempCatalog.Hash("c")).ShouldBeFalse();
            catalog.IsIgnored(TempCatalog.Hash("a"), TempCatalog.Hash("b")).ShouldBeTrue(); // the not-duplicate verdict above
            var pairs = catalog.ListIgnoredPairs();
            pairs.Count.ShouldBe(2);
            pairs.ShouldAllBe(p => string.CompareOrdinal(p.HashA, p.HashB) < 0);
            var twins = pairs.Single(p => p.Reason == "twins");
            twins.CreatedBy.ShouldBe("alice");
            catalog.UnignorePair(TempCatalog.Hash("a"), TempCatalog.Hash("c"));
            catalog.ListIgnoredPairs().Single().Reason.ShouldBe("marked not duplicate");
        }
    }

    [Fact]
    public void PutEmbeddingAddsASecondModelAndReplacesTheSameModel()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        var id = catalog.RegisterMedia("/p/x.jpg", TempCatalog.Hash("x"), 1).Media.Id;
        catalog.SaveResults([TempCatalog.Ok(id, TempCatalog.Face(1, "dlib-resnet29"))]);
        var faceId = catalog.GetFacesOfMedia(id)[0].Id;
        var sface = TempCatalog.UnitVector(128, 77);
        catalog.PutEmbedding(new FaceEmbedding(faceId, "sface", "2021dec", sface));
        catalog.PutEmbedding(new FaceEmbedding(faceId, "sface", "2021dec-int8", sface.Reverse().ToArray()));
        var stored = catalog.GetEmbeddings(faceId).Single(e => e.Model == "sface");
        stored.ModelVersion.ShouldBe("2021dec-int8");
        stored.Vector.ShouldBe(sface.Reverse().ToArray());
        catalog.GetEmbeddings(faceId).Count.ShouldBe(2);
    }

    [Fact]
    public void BadIdsAndHashesAreClearErrors()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        Should.Throw<ArgumentException>(() => catalog.RegisterMedia("/p/x.jpg", "not-a-hash", 1)).Message.ShouldContain("SHA-256");
        Should.Throw<CatalogException>(() => catalog.SaveResults([TempCatalog.NoFace(42)])).Message.ShouldContain("Media id 42");
        Should.Throw<CatalogException>(() => catalog.PinFace(7, null)).Message.ShouldContain("Face id 7");
        Should.Throw<CatalogException>(() => catalog.UpdatePerson(9, "x", null)).Message.ShouldContain("Person id 9");
        Should.Throw<CatalogException>(() => catalog.FinishRun(5, RunState.Failed, "boom")).Message.ShouldContain("Run 5");
        Should.Throw<ArgumentException>(() => catalog.FinishRun(5, RunState.Running));

        var id = catalog.RegisterMedia("/p/x.jpg", TempCatalog.Hash("x"), 1).Media.Id;
        NewFace WithVector(float[] vector) => TempCatalog.Face(1) with { Embeddings = [new NewEmbedding("dlib-resnet29", "1", vector)] };
        Should.Throw<ArgumentException>(() => catalog.SaveResults([TempCatalog.Ok(id, WithVector([]))])).Message.ShouldContain("is empty");
        Should.Throw<ArgumentException>(() => catalog.SaveResults([TempCatalog.Ok(id, WithVector([0.5f, float.NaN]))])).Message.ShouldContain("non-finite");
        catalog.GetMedia(id)!.State.ShouldBe(MediaState.Pending);
    }

    [Fact]
    public void FaceVectorsCarryMediaPersonAndQualityAndSkipRejectedFiles()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        var ok = catalog.RegisterMedia("/p/ok.jpg", TempCatalog.Hash("ok"), 1).Media.Id;
        var several = catalog.RegisterMedia("/p/group.jpg", TempCatalog.Hash("group"), 1).Media.Id;
        catalog.SaveResults(
        [
            TempCatalog.Ok(ok, TempCatalog.Face(1, "dlib-resnet29")),
            new MediaResult(several, "several_faces", "3 faces", "jpeg", 640, 480, [TempCatalog.Face(2, "dlib-resnet29"), TempCatalog.Face(3, "dlib-resnet29")]),
        ]);
        var person = catalog.CreatePerson("p");
        var okFace = catalog.GetFacesOfMedia(ok)[0].Id;
        catalog.AssignPersons([(okFace, person)]);

        var vectors = catalog.ReadFaceVectors("dlib-resnet29").ToList();
        var only = vectors.Single();
        (only.FaceId, only.MediaId, only.PersonId, only.Quality).ShouldBe((okFace, ok, (long?)person, (float?)0.5f));
        only.Vector.ShouldBe(TempCatalog.Face(1, "dlib-resnet29").Embeddings[0].Vector);
        catalog.ReadFaceVectors("dlib-resnet29", okMediaOnly: false).Select(v => v.MediaId).ShouldBe([ok, several, several]);
        catalog.ReadFaceVectors("sface").ShouldBeEmpty();
    }
}
