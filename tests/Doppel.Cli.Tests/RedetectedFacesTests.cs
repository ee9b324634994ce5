using Doppel.Storage;

namespace Doppel.Cli.Tests;

/// <summary>A reviewer's decision when a photo it names is replaced: after <c>detect --db</c> re-detects
/// the new bytes, <c>recluster</c> keeps the decision for the faces that are still there, the new photo's
/// face inherits nothing (its id is new), and the output names the faces that are gone.</summary>
public class RedetectedFacesTests
{
    private static readonly string[] ThreePeople = ["Jennifer_Lopez", "Tang_Jiaxuan", "Zhu_Rongji"];

    [Fact]
    public void ASplitHoldsForItsRemainingFacesAndNoFaceOfAReplacedPhotoInheritsIt()
    {
        var dir = LfwCorpus.Identities("doppel-redetect", ThreePeople, 5);
        Ok(dir, "detect", "--db", "c.db", "photos");
        Ok(dir, "recognize", "--db", "c.db");

        long zhu, highest, kept;
        string replaced;
        using (var catalog = Open(dir))
        {
            // The highest face id is the one SQLite hands out again once its row is deleted.
            var last = catalog.ListFaces().MaxBy(f => f.Id)!;
            replaced = catalog.GetMedia(last.MediaId)!.Path;
            LfwCorpus.IdentityOf(replaced).ShouldBe("Zhu_Rongji");
            zhu = last.PersonId ?? throw new ShouldAssertException($"face {last.Id} of {replaced} was given no person");
            kept = catalog.ListFaces().First(f => f.PersonId == zhu && f.Id != last.Id).Id;
            highest = last.Id;
        }
        Ok(dir, "persons", "split", zhu.ToString(), "--faces", $"{kept},{highest}", "--name", "Zhu-2", "--db", "c.db").ShouldContain("2 faces split off");
        long splitPerson, decision;
        using (var catalog = Open(dir))
        {
            splitPerson = catalog.ListPersons().Single(p => p.Name == "Zhu-2").Id;
            decision = catalog.ListPersonDecisions().ShouldHaveSingleItem().Id;
        }

        // The same file name now holds a photo of someone else (a Lopez photo not in the folder).
        var other = LfwCorpus.Identities("doppel-redetect-other", ["Jennifer_Lopez"], 6);
        File.Copy(Directory.GetFiles(Path.Combine(other, "photos", "Jennifer_Lopez")).Order(StringComparer.Ordinal).Last(), replaced, overwrite: true);
        var detect = Ok(dir, "detect", "--db", "c.db", "photos");
        detect.ShouldContain("Scanned 15 files: unchanged 14, changed 1.");
        detect.ShouldContain("Images processed this run: 1 (ok 1)");
        var recluster = Ok(dir, "recluster", "--db", "c.db");

        using (var catalog = Open(dir))
        {
            var fresh = catalog.GetFacesOfMedia(catalog.FindMediaByPath(replaced)!.Id).ShouldHaveSingleItem();
            fresh.Id.ShouldBeGreaterThan(highest);
            fresh.PinnedPersonId.ShouldBeNull();
            fresh.PersonId.ShouldNotBe(splitPerson);
            catalog.ListPersonDecisions().ShouldAllBe(d => !d.FaceIds.Contains(fresh.Id));
            catalog.GetFace(highest).ShouldBeNull();
            var stillThere = catalog.GetFace(kept)!;
            (stillThere.PersonId, stillThere.PinnedPersonId).ShouldBe((splitPerson, splitPerson));
            catalog.GetPerson(splitPerson)!.Name.ShouldBe("Zhu-2");
        }
        recluster.ShouldContain("1 manual decision names faces that no longer exist");
        recluster.ShouldContain($"split {decision} (person {splitPerson} 'Zhu-2' from person {zhu}): face {highest} gone, 1 face still there");
        // A face id read before the photo changed names no face now, rather than the new photo's.
        Fails(dir, "persons", "pin", highest.ToString(), splitPerson.ToString(), "--db", "c.db").ShouldContain($"Face id {highest} is not in the catalog");
    }

    private static CatalogProbe Open(string dir) => CatalogProbe.Open(Path.Combine(dir, "c.db"));

    private static string Ok(string dir, params string[] args)
    {
        var result = DoppelProcess.Run(dir, args);
        result.ExitCode.ShouldBe(0, $"doppel {string.Join(' ', args)}: {result.Error}");
        return result.Output;
    }

    private static string Fails(string dir, params string[] args)
    {
        var result = DoppelProcess.Run(dir, args);
        result.ExitCode.ShouldBe(1, $"doppel {string.Join(' ', args)} should fail");
        result.Error.ShouldStartWith("error: ");
        return result.Error;
    }
}
