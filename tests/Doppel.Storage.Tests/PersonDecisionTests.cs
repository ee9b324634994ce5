namespace Doppel.Storage.Tests;

/// <summary>Merges and splits of persons through a real SQLite file: their effect on the face rows
/// (pins, exclusions), the persons left, and the recorded history, read back after reopening.</summary>
public class PersonDecisionTests
{
    /// <summary>Six processed one-face images; faces 0-2 in Alice, 3-4 in Bob, 5 in Carol.</summary>
    private static (long Alice, long Bob, long Carol, long[] Faces) Seed(TempCatalog temp)
    {
        using var catalog = temp.Open();
        var media = catalog.RegisterMediaBatch(Enumerable.Range(0, 6).Select(i => new MediaFileInfo($"/p/{i}.jpg", TempCatalog.Hash($"m{i}"), 10)).ToList(), _ => true);
        catalog.SaveResults(media.Select((m, i) => TempCatalog.Ok(m.Media.Id, TempCatalog.Face(i, "dlib-resnet29"))).ToList());
        var faces = catalog.ListFaces().Select(f => f.Id).ToArray();
        long alice = catalog.CreatePerson("Alice", faces[0]), bob = catalog.CreatePerson(null, faces[3]), carol = catalog.CreatePerson("Carol", faces[5]);
        catalog.AssignPersons([(faces[0], alice), (faces[1], alice), (faces[2], alice), (faces[3], bob), (faces[4], bob), (faces[5], carol)]);
        return (alice, bob, carol, faces);
    }

    [Fact]
    public void MergeMovesAndPinsEveryFaceKeepsTheIdAndNameAndIsRecorded()
    {
        using var temp = new TempCatalog();
        var (alice, bob, carol, f) = Seed(temp);
        using (var catalog = temp.Open())
        {
            catalog.PinFace(f[5], bob);                 // a reviewer said Carol's face is Bob's
            catalog.ExcludeFaceFromPerson(f[1], bob);   // ... and that Alice's face 1 is not Bob
            catalog.MergePersons(alice, bob, "tester");
        }
        using (var catalog = temp.Open())
        {
            catalog.GetPerson(bob).ShouldBeNull();
            var kept = catalog.GetPerson(alice)!;
            kept.Name.ShouldBe("Alice");
            kept.RepresentativeFaceId.ShouldBe(f[0]);
            var faces = catalog.ListFaces();
            faces.Select(x => x.PersonId).ShouldBe([alice, alice, alice, alice, alice, alice]);
            faces.Select(x => x.PinnedPersonId).ShouldBe([alice, alice, alice, alice, alice, alice]);
            // Face 1 was "not Bob" but the merge (newer) puts it in Alice; nothing is left excluded.
            faces.ShouldAllBe(x => x.ExcludedPersonIds.Count == 0);
            catalog.ListPersons().Select(p => p.Id).ShouldBe([alice, carol]);
            var decision = catalog.ListPersonDecisions().ShouldHaveSingleItem();
            (decision.Kind, decision.PersonId, decision.OtherPersonId, decision.OtherName, decision.DecidedBy)
                .ShouldBe((PersonDecisionKind.Merge, alice, bob, (string?)null, "tester"));
            decision.FaceIds.ShouldBe([f[3], f[4], f[5]]);
        }
    }

    [Fact]
    public void MergingIntoAnUnnamedPersonTakesTheOtherNameAndCarriesExclusions()
    {
        using var temp = new TempCatalog();
        var (alice, bob, carol, f) = Seed(temp);
        using var catalog = temp.Open();
        catalog.ExcludeFaceFromPerson(f[5], alice); // Carol's face is not Alice ...
        catalog.MergePersons(bob, alice);           // ... so after Alice joins Bob it is not Bob either
        catalog.GetPerson(bob)!.Name.ShouldBe("Alice");
        catalog.GetFace(f[5])!.ExcludedPersonIds.ShouldBe([bob]);
        catalog.GetFace(f[5])!.PersonId.ShouldBe(carol);
        catalog.ListPersonDecisions().Single().OtherName.ShouldBe("Alice");
    }

    [Fact]
    public void SplitPinsTheFacesToANewNamedPersonAndIsRecorded()
    {
        using var temp = new TempCatalog();
        var (alice, _, _, f) = Seed(temp);
        long split;
        using (var catalog = temp.Open())
            split = catalog.SplitPerson(alice, [f[0], f[2]], "Alicia", "tester");
        using (var catalog = temp.Open())
        {
            var created = catalog.GetPerson(split)!;
            created.Name.ShouldBe("Alicia");
            created.RepresentativeFaceId.ShouldBe(f[0]);
            catalog.GetPerson(alice)!.RepresentativeFaceId.ShouldBe(f[1]); // its representative left with the split
            var faces = catalog.ListFaces();
            faces.Take(3).Select(x => (x.PersonId, x.PinnedPersonId)).ShouldBe([(split, split), (alice, null), (split, split)]);
            var decision = catalog.ListPersonDecisions().ShouldHaveSingleItem();
            (decision.Kind, decision.PersonId, decision.OtherPersonId, decision.OtherName).ShouldBe((PersonDecisionKind.Split, split, alice, "Alice"));
            decision.FaceIds.ShouldBe([f[0], f[2]]);
        }
    }

    [Fact]
    public void BadMergesAndSplitsAreClearErrorsThatChangeNothing()
    {
        using var temp = new TempCatalog();
        var (alice, bob, _, f) = Seed(temp);
        using var catalog = temp.Open();
        Should.Throw<ArgumentException>(() => catalog.MergePersons(alice, alice)).Message.ShouldContain("into itself");
        Should.Throw<CatalogException>(() => catalog.MergePersons(alice, 999)).Message.ShouldContain("Person id 999");
        // Face 3 is Bob's: the whole split is refused, face 0 included.
        Should.Throw<ArgumentException>(() => catalog.SplitPerson(alice, [f[0], f[3]], "X")).Message.ShouldContain($"it is in person {bob}");
        Should.Throw<ArgumentException>(() => catalog.SplitPerson(alice, [], "X"));
        Should.Throw<CatalogException>(() => catalog.SplitPerson(alice, [12345], "X")).Message.ShouldContain("Face id 12345");
        catalog.ListPersons().Count.ShouldBe(3);
        catalog.GetFace(f[0])!.PinnedPersonId.ShouldBeNull();
        catalog.GetPerson(bob).ShouldNotBeNull();
        catalog.ListPersonDecisions().ShouldBeEmpty();
    }

    [Fact]
    public void PinningAFaceToAPersonItWasExcludedFromLiftsTheExclusion()
    {
        using var temp = new TempCatalog();
        var (alice, _, _, f) = Seed(temp);
        using var catalog = temp.Open();
        catalog.ExcludeFaceFromPerson(f[1], alice);
        catalog.PinFace(f[1], alice);
        catalog.GetFace(f[1])!.ExcludedPersonIds.ShouldBeEmpty();
    }
}
