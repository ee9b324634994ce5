using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

/// <summary>Merges and splits of persons through a real SQLite file: their effect on the face rows
/// (pins, exclusions), the persons left, and the recorded history, read back after reopening.</summary>
public class PersonDecisionTests
{
    /// <summary>Six processed one-face images; faces 0-2 in Alice, 3-4 in Bob, 5 in Carol.</summary>
    private static async Task<(long Alice, long Bob, long Carol, long[] Faces)> Seed(TempCatalog temp)
    {
        await using var db = temp.Open();
        var s = Stores(db);
        var media = await s.Media.RegisterAsync(Enumerable.Range(0, 6).Select(i => Entry($"/p/{i}.jpg", $"m{i}", 10)).ToList(), Ct);
        await s.Media.SaveResultsAsync(media.Select((m, i) => Ok(m.Media.Id, Face(i, "dlib-resnet29"))).ToList(), null, Ct);
        var faces = (await s.Faces.ListAsync(Page.All, Ct)).Select(f => f.Id).ToArray();
        long alice = await s.Persons.CreateAsync("Alice", faces[0], Ct), bob = await s.Persons.CreateAsync(null, faces[3], Ct),
            carol = await s.Persons.CreateAsync("Carol", faces[5], Ct);
        await s.Faces.AssignPersonsAsync([(faces[0], alice), (faces[1], alice), (faces[2], alice), (faces[3], bob), (faces[4], bob), (faces[5], carol)], Ct);
        return (alice, bob, carol, faces);
    }

    [Fact]
    public async Task MergeMovesAndPinsEveryFaceKeepsTheIdAndNameAndIsRecorded()
    {
        using var temp = new TempCatalog();
        var (alice, bob, carol, f) = await Seed(temp);
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            await s.Faces.PinAsync(f[5], bob, Ct);        // a reviewer said Carol's face is Bob's
            await s.Faces.ExcludeAsync(f[1], bob, Ct);    // ... and that Alice's face 1 is not Bob
            await s.Persons.MergeAsync(alice, bob, "tester", Ct);
        }
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            (await s.Persons.GetAsync(bob, Ct)).ShouldBeNull();
            var kept = (await s.Persons.GetAsync(alice, Ct))!;
            kept.Name.ShouldBe("Alice");
            kept.RepresentativeFaceId.ShouldBe(f[0]);
            var faces = await s.Faces.ListAsync(Page.All, Ct);
            faces.Select(x => x.PersonId).ShouldBe([alice, alice, alice, alice, alice, alice]);
            faces.Select(x => x.PinnedPersonId).ShouldBe([alice, alice, alice, alice, alice, alice]);
            // Face 1 was "not Bob" but the merge (newer) puts it in Alice; nothing is left excluded.
            faces.ShouldAllBe(x => x.ExcludedPersonIds.Count == 0);
            (await s.Persons.ListAsync(Page.All, Ct)).Select(p => p.Id).ShouldBe([alice, carol]);
            var decision = (await s.Persons.ListDecisionsAsync(Ct)).ShouldHaveSingleItem();
            (decision.Kind, decision.PersonId, decision.OtherPersonId, decision.OtherName, decision.DecidedBy)
                .ShouldBe((PersonDecisionKind.Merge, alice, bob, (string?)null, "tester"));
            decision.FaceIds.ShouldBe([f[3], f[4], f[5]]);
        }
    }

    [Fact]
    public async Task MergingIntoAnUnnamedPersonTakesTheOtherNameAndCarriesExclusions()
    {
        using var temp = new TempCatalog();
        var (alice, bob, carol, f) = await Seed(temp);
        await using var db = temp.Open();
        var s = Stores(db);
        await s.Faces.ExcludeAsync(f[5], alice, Ct);   // Carol's face is not Alice ...
        await s.Persons.MergeAsync(bob, alice, null, Ct); // ... so after Alice joins Bob it is not Bob either
        (await s.Persons.GetAsync(bob, Ct))!.Name.ShouldBe("Alice");
        (await s.Faces.GetAsync(f[5], Ct))!.ExcludedPersonIds.ShouldBe([bob]);
        (await s.Faces.GetAsync(f[5], Ct))!.PersonId.ShouldBe(carol);
        (await s.Persons.ListDecisionsAsync(Ct)).Single().OtherName.ShouldBe("Alice");
    }

    [Fact]
    public async Task SplitPinsTheFacesToANewNamedPersonAndIsRecorded()
    {
        using var temp = new TempCatalog();
        var (alice, _, _, f) = await Seed(temp);
        long split;
        await using (var db = temp.Open())
            split = await Stores(db).Persons.SplitAsync(alice, [f[0], f[2]], "Alicia", "tester", Ct);
        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var created = (await s.Persons.GetAsync(split, Ct))!;
            created.Name.ShouldBe("Alicia");
            created.RepresentativeFaceId.ShouldBe(f[0]);
            (await s.Persons.GetAsync(alice, Ct))!.RepresentativeFaceId.ShouldBe(f[1]); // its representative left with the split
            var faces = await s.Faces.ListAsync(Page.All, Ct);
            faces.Take(3).Select(x => (x.PersonId, x.PinnedPersonId)).ShouldBe([(split, split), (alice, null), (split, split)]);
            var decision = (await s.Persons.ListDecisionsAsync(Ct)).ShouldHaveSingleItem();
            (decision.Kind, decision.PersonId, decision.OtherPersonId, decision.OtherName).ShouldBe((PersonDecisionKind.Split, split, alice, "Alice"));
            decision.FaceIds.ShouldBe([f[0], f[2]]);
        }
    }

    [Fact]
    public async Task BadMergesAndSplitsAreClearErrorsThatChangeNothing()
    {
        using var temp = new TempCatalog();
        var (alice, bob, _, f) = await Seed(temp);
        await using var db = temp.Open();
        var s = Stores(db);
        (await Should.ThrowAsync<ArgumentException>(() => s.Persons.MergeAsync(alice, alice, null, Ct))).Message.ShouldContain("into itself");
        (await Should.ThrowAsync<CatalogException>(() => s.Persons.MergeAsync(alice, 999, null, Ct))).Message.ShouldContain("Person id 999");
        // Face 3 is Bob's: the whole split is refused, face 0 included.
        (await Should.ThrowAsync<ArgumentException>(() => s.Persons.SplitAsync(alice, [f[0], f[3]], "X", null, Ct))).Message.ShouldContain($"it is in person {bob}");
        await Should.ThrowAsync<ArgumentException>(() => s.Persons.SplitAsync(alice, [], "X", null, Ct));
        (await Should.ThrowAsync<CatalogException>(() => s.Persons.SplitAsync(alice, [12345], "X", null, Ct))).Message.ShouldContain("Face id 12345");
        (await s.Persons.ListAsync(Page.All, Ct)).Count.ShouldBe(3);
        (await s.Faces.GetAsync(f[0], Ct))!.PinnedPersonId.ShouldBeNull();
        (await s.Persons.GetAsync(bob, Ct)).ShouldNotBeNull();
        (await s.Persons.ListDecisionsAsync(Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task PinningAFaceToAPersonItWasExcludedFromLiftsTheExclusion()
    {
        using var temp = new TempCatalog();
        var (alice, _, _, f) = await Seed(temp);
        await using var db = temp.Open();
        var s = Stores(db);
        await s.Faces.ExcludeAsync(f[1], alice, Ct);
        await s.Faces.PinAsync(f[1], alice, Ct);
        (await s.Faces.GetAsync(f[1], Ct))!.ExcludedPersonIds.ShouldBeEmpty();
    }
}
