using Doppel.Storage;
using Doppel.Storage.Sqlite;
using Doppel.Testing;

namespace Doppel.Cli.Tests;

/// <summary>Every command that changes persons takes the "persons" lock that recognize and recluster
/// hold while they write assignments back: a rename, pin or remove made meanwhile would otherwise be
/// overwritten (or point at a person the clustering just dropped).</summary>
public class PersonsLockTests
{
    [Fact]
    public void RenamePinAndRemoveRefuseWhileThePersonsLockIsHeldAndWorkOnceItIsReleased()
    {
        var dir = RepoPaths.NewTempDir("doppel-persons-lock");
        var db = Path.Combine(dir, "c.db");
        long alice, bob, aliceFace, bobFace;
        using (var catalog = SqliteCatalog.Open(db))
        {
            // Two one-face persons, written through the catalog API: the lock is what is under test,
            // not how the faces were found.
            var media = new[] { "a.jpg", "b.jpg" }.Select(name => catalog.RegisterMedia(Path.Combine(dir, name), ContentHash.OfBytes([(byte)name[0]]), 1, _ => false).Media.Id).ToArray();
            catalog.SaveResults(media.Select(id => new MediaResult(id, "ok", null, "jpeg", 250, 250,
                [new NewFace(new FaceBox(70, 60, 110, 130), [100, 110, 150, 110, 125, 140, 125, 165], "blazeface-back", 0.9f, 0.5f, [])])).ToList());
            (aliceFace, bobFace) = (catalog.GetFacesOfMedia(media[0]).Single().Id, catalog.GetFacesOfMedia(media[1]).Single().Id);
            alice = catalog.CreatePerson("Alice", aliceFace);
            bob = catalog.CreatePerson("Bob", bobFace);
            catalog.AssignPersons([(aliceFace, alice), (bobFace, bob)]);
        }
        string[][] commands =
        [
            ["persons", "rename", alice.ToString(), "Alicia", "--db", "c.db"],
            ["persons", "pin", bobFace.ToString(), alice.ToString(), "--db", "c.db"],
            ["persons", "remove", aliceFace.ToString(), alice.ToString(), "--db", "c.db"],
        ];

        string before;
        using (var catalog = SqliteCatalog.Open(db))
        {
            before = Snapshot(catalog);
            using (catalog.AcquireLock("persons", "recluster by a colleague"))
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
        using (var catalog = SqliteCatalog.Open(db))
        {
            catalog.GetPerson(alice)!.Name.ShouldBe("Alicia");
            var pinned = catalog.GetFace(bobFace)!;
            (pinned.PinnedPersonId, pinned.PersonId).ShouldBe((alice, alice));
            var removed = catalog.GetFace(aliceFace)!;
            removed.PersonId.ShouldBeNull();
            removed.ExcludedPersonIds.ShouldBe([alice]);
            catalog.GetLockOwner("persons").ShouldBeNull();
        }
    }

    /// <summary>Every person and every face's person, pin and exclusions, as one comparable string.</summary>
    private static string Snapshot(SqliteCatalog catalog) =>
        string.Join("; ", catalog.ListPersons().Select(p => $"person {p.Id} {p.Name} {p.RepresentativeFaceId} {p.ModifiedAt:O}")) + " | " +
        string.Join("; ", catalog.ListFaces().Select(f => $"face {f.Id} {f.PersonId} {f.PinnedPersonId} [{string.Join(",", f.ExcludedPersonIds)}]"));
}
