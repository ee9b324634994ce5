using Doppel.Jobs.Persons;
using Doppel.Matching.Persons;
using Doppel.Storage;
using Doppel.Storage.Sqlite;
using Doppel.Testing;

namespace Doppel.Jobs.Tests;

/// <summary>Persons through a real SQLite catalog: names and manual decisions survive recognise and recluster.</summary>
public class RecognizeJobTests
{
    private const string Model = "test-model";

    /// <summary>Two tight identities (A: 4 faces near e1, B: 3 faces near e2) stored as processed media.</summary>
    private static (SqliteCatalog Catalog, long[] A, long[] B) Seed()
    {
        var catalog = SqliteCatalog.Open(Path.Combine(RepoPaths.NewTempDir("doppel-persons"), "c.db"));
        var vectors = new List<float[]>();
        for (int i = 0; i < 4; i++) vectors.Add([1f, 0.05f * i, 0f, 0f]);
        for (int i = 0; i < 3; i++) vectors.Add([0f, 0f, 1f, 0.05f * i]);
        var media = catalog.RegisterMediaBatch(vectors.Select((_, i) => new MediaFileInfo($"/photos/{i}.jpg", new string((char)('0' + i), 64), 10)).ToList(), _ => true);
        catalog.SaveResults(media.Select((m, i) => new MediaResult(m.Media.Id, "ok", null, "jpeg", 100, 100,
            [new NewFace(new FaceBox(0, 0, 50, 50), null, "test", 0.9f, null, [new NewEmbedding(Model, "1", vectors[i])])])).ToList());
        var faces = catalog.ListFaces().OrderBy(f => f.MediaId).Select(f => f.Id).ToArray();
        return (catalog, faces[..4], faces[4..]);
    }

    [Fact]
    public void RecognizeFindsTheTwoPersonsAndReclusterKeepsNamesPinsAndExclusions()
    {
        var (catalog, a, b) = Seed();
        using var _ = catalog;
        var options = new PersonOptions(MaxDistance: 0.3f, MinFaces: 2);
        var job = new RecognizeJob(catalog);

        var first = job.Run(Model, options, recluster: false);
        first.Persons.ShouldBe(2);
        first.Waiting.ShouldBe(0);
        long personA = catalog.GetFace(a[0])!.PersonId!.Value;
        long personB = catalog.GetFace(b[0])!.PersonId!.Value;
        a.ShouldAllBe(f => catalog.GetFace(f)!.PersonId == personA);
        b.ShouldAllBe(f => catalog.GetFace(f)!.PersonId == personB);

        // A reviewer names A, says face a[3] is really B, and that face b[2] is not B.
        catalog.UpdatePerson(personA, "Alice", null);
        catalog.PinFace(a[3], personB);
        catalog.ExcludeFaceFromPerson(b[2], personB);

        var again = job.Run(Model, options, recluster: true);
        again.CreatedPersons.ShouldBeLessThanOrEqualTo(1);
        catalog.GetPerson(personA)!.Name.ShouldBe("Alice");
        catalog.ListPersons().Select(p => p.Id).ShouldContain(personA);
        catalog.GetFace(a[3])!.PersonId.ShouldBe(personB);   // the pin holds against its neighbours
        catalog.GetFace(b[2])!.PersonId.ShouldNotBe(personB); // never back to a person it was removed from

        // Running incremental assignment again changes nothing a human decided.
        job.Run(Model, options, recluster: false);
        catalog.GetFace(a[3])!.PersonId.ShouldBe(personB);
        catalog.GetFace(b[2])!.PersonId.ShouldNotBe(personB);
        catalog.GetPerson(personA)!.Name.ShouldBe("Alice");
    }

    [Fact]
    public void ASplitNamingAFaceOfAReplacedPhotoHoldsForTheRestAndTheGoneFaceIsReported()
    {
        var (catalog, a, b) = Seed();
        using var _ = catalog;
        var options = new PersonOptions(MaxDistance: 0.3f, MinFaces: 2);
        var job = new RecognizeJob(catalog);
        job.Run(Model, options, recluster: false).StaleDecisions.ShouldBeEmpty();
        long personA = catalog.GetFace(a[0])!.PersonId!.Value, personB = catalog.GetFace(b[0])!.PersonId!.Value;
        long split = catalog.SplitPerson(personB, [b[1], b[2]], "B-2");
        b[2].ShouldBe(catalog.ListFaces().Max(f => f.Id)); // the id a plain rowid would hand out again

        // b[2]'s file now holds a photo of A, detected again.
        var media = catalog.GetMedia(catalog.GetFace(b[2])!.MediaId)!;
        catalog.RegisterMedia(media.Path, new string('a', 64), 11, _ => true).Change.ShouldBe(MediaChange.Changed);
        catalog.SaveResults([new MediaResult(media.Id, "ok", null, "jpeg", 100, 100,
            [new NewFace(new FaceBox(0, 0, 50, 50), null, "test", 0.9f, null, [new NewEmbedding(Model, "1", [1f, 0.12f, 0f, 0f])])])]);
        var fresh = catalog.GetFacesOfMedia(media.Id).ShouldHaveSingleItem();
        fresh.Id.ShouldBe(b[2] + 1);

        var outcome = job.Run(Model, options, recluster: true);
        var stale = outcome.StaleDecisions.ShouldHaveSingleItem();
        (stale.Decision.PersonId, stale.PersonName, stale.FacesStillThere).ShouldBe((split, "B-2", 1));
        stale.GoneFaceIds.ShouldBe([b[2]]);
        stale.Describe().ShouldBe($"split {stale.Decision.Id} (person {split} 'B-2' from person {personB}): face {b[2]} gone, 1 face still there");
        catalog.GetFace(b[1])!.PersonId.ShouldBe(split);
        catalog.GetFace(b[1])!.PinnedPersonId.ShouldBe(split);
        // The new face is A's, pinned nowhere: the split's decision did not pass to it.
        catalog.GetFace(fresh.Id)!.PersonId.ShouldBe(personA);
        catalog.GetFace(fresh.Id)!.PinnedPersonId.ShouldBeNull();
        // Reported on every run, not cleaned: the history still says what the reviewer decided.
        job.Run(Model, options, recluster: false).StaleDecisions.ShouldHaveSingleItem().GoneFaceIds.ShouldBe([b[2]]);
        catalog.ListPersonDecisions().Single().FaceIds.ShouldBe([b[1], b[2]]);
    }
}
