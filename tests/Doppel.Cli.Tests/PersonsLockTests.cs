using Doppel.Storage;
using Doppel.Testing;

namespace Doppel.Cli.Tests;

/// <summary>Every command that changes persons takes the "persons" lock that recognize and recluster
/// hold while they write assignments back: a rename, pin or remove made meanwhile would otherwise be
/// overwritten (or point at a person the clustering just dropped).</summary>
public class PersonsLockTests
{
    [Fact]
    public async Task RenamePinAndRemoveRefuseWhileThePersonsLockIsHeldAndWorkOnceItIsReleased()
    {
        var dir = RepoPaths.NewTempDir("doppel-persons-lock");
        var db = Path.Combine(dir, "c.db");
        var ct = TestContext.Current.CancellationToken;
        long alice, bob, aliceFace, bobFace;
        using (var catalog = CatalogProbe.Open(db))
        {
            // Two one-face persons, written through the stores: the lock is what is under test,
            // not how the faces were found.
            var s = catalog.Stores;
            var media = (await s.Media.RegisterAsync(new[] { "a.jpg", "b.jpg" }
                .Select(name => new MediaEntry(new MediaKey(MediaSources.File, Path.Combine(dir, name)), ContentHash.OfBytes([(byte)name[0]]), 1)).ToList(), ct))
                .Select(r => r.Media.Id).ToArray();
            await s.Media.SaveResultsAsync(media.Select(id => new MediaResult(id, "ok", null, "jpeg", 250, 250,
                [new NewFace(new FaceBox(70, 60, 110, 130), [100, 110, 150, 110, 125, 140, 125, 165], "blazeface-back", 0.9f, 0.5f, [])])).ToList(), null, ct);
            (aliceFace, bobFace) = (catalog.GetFacesOfMedia(media[0]).Single().Id, catalog.GetFacesOfMedia(media[1]).Single().Id);
            alice = await s.Persons.CreateAsync("Alice", aliceFace, ct);
            bob = await s.Persons.CreateAsync("Bob", bobFace, ct);
            await s.Faces.AssignPersonsAsync([(aliceFace, alice), (bobFace, bob)], ct);
        }
        string[][] commands =
        [
            ["persons", "rename", alice.ToString(), "Alicia", "--db", "c.db"],
            ["persons", "pin", bobFace.ToString(), alice.ToString(), "--db", "c.db"],
            ["persons", "remove", aliceFace.ToString(), alice.ToString(), "--db", "c.db"],
        ];

        string before;
        using (var catalog = CatalogProbe.Open(db))
        {
            before = Snapshot(catalog);
            using (catalog.HoldLease("persons", "recluster by a colleague"))
                foreach (var args in commands)
                {
                    var refused = DoppelProcess.Run(dir, args);
                    refused.ExitCode.ShouldBe(1, $"doppel {string.Join(' ', args)}: {refused.Output}");
                    refused.Error.Trim().ShouldStartWith("error: The catalog ");
                    refused.Error.ShouldContain("is in use: lock 'persons' is held by 'recluster by a colleague'");
                    refused.Error.ShouldContain($"pid {Environment.ProcessId}");
                    refused.Error.Trim().Split('\n').Length.ShouldBe(1, refused.Error);
                    Snapshot(catalog).ShouldBe(before, $"doppel {string.Join(' ', args)} changed the catalog while refusing");
                }
        }

        foreach (var args in commands)
        {
            var done = DoppelProcess.Run(dir, args);
            done.ExitCode.ShouldBe(0, $"doppel {string.Join(' ', args)}: {done.Error}");
        }
        using (var catalog = CatalogProbe.Open(db))
        {
            catalog.GetPerson(alice)!.Name.ShouldBe("Alicia");
            var pinned = catalog.GetFace(bobFace)!;
            (pinned.PinnedPersonId, pinned.PersonId).ShouldBe((alice, alice));
            var removed = catalog.GetFace(aliceFace)!;
            removed.PersonId.ShouldBeNull();
            removed.ExcludedPersonIds.ShouldBe([alice]);
            catalog.GetLease("persons").ShouldBeNull();
        }
    }

    /// <summary>Every person and every face's person, pin and exclusions, as one comparable string.</summary>
    private static string Snapshot(CatalogProbe catalog) =>
        string.Join("; ", catalog.ListPersons().Select(p => $"person {p.Id} {p.Name} {p.RepresentativeFaceId} {p.ModifiedAt:O}")) + " | " +
        string.Join("; ", catalog.ListFaces().Select(f => $"face {f.Id} {f.PersonId} {f.PinnedPersonId} [{string.Join(",", f.ExcludedPersonIds)}]"));
}
