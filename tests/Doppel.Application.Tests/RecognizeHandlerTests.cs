using Doppel.Application.Persons;
using Doppel.Matching.Persons;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;

namespace Doppel.Application.Tests;

/// <summary>Persons through the recognise use case on a real SQLite catalog: names and manual decisions survive
/// recognise and recluster, and decisions naming faces that are gone are reported.</summary>
public class RecognizeHandlerTests
{
    private const string Model = "test-model";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Two tight identities (A: 4 faces near e1, B: 3 faces near e2) stored as processed media.</summary>
    private static async Task<(SqliteDatabase Db, long[] A, long[] B)> Seed()
    {
        var db = SqliteDatabase.Open(Path.Combine(RepoPaths.NewTempDir("doppel-persons"), "c.db"));
        var s = db.For(TenantId.Default);
        var vectors = new List<float[]>();
        for (int i = 0; i < 4; i++) vectors.Add([1f, 0.05f * i, 0f, 0f]);
        for (int i = 0; i < 3; i++) vectors.Add([0f, 0f, 1f, 0.05f * i]);
        var media = await s.Media.RegisterAsync(vectors.Select((_, i) =>
            new MediaEntry(new MediaKey(MediaSources.File, $"/photos/{i}.jpg"), new string((char)('0' + i), 64), 10)).ToList(), Ct);
        await s.Media.SaveResultsAsync(media.Select((m, i) => new MediaResult(m.Media.Id, "ok", null, "jpeg", 100, 100,
            [new NewFace(new FaceBox(0, 0, 50, 50), null, "test", 0.9f, null, [new NewEmbedding(Model, "1", vectors[i])])])).ToList(), null, Ct);
        var faces = (await s.Faces.ListAsync(Page.All, Ct)).OrderBy(f => f.MediaId).Select(f => f.Id).ToArray();
        return (db, faces[..4], faces[4..]);
    }

    private static async Task<FaceRecord> Face(IStoreSet s, long id) => (await s.Faces.GetAsync(id, Ct))!;

    [Fact]
    public async Task RecognizeFindsTheTwoPersonsAndReclusterKeepsNamesPinsAndExclusions()
    {
        var (db, a, b) = await Seed();
        await using var _ = db;
        var s = db.For(TenantId.Default);
        var options = new PersonOptions(MaxDistance: 0.3f, MinFaces: 2);
        var handler = new RecognizeHandler(db, TenantId.Default);

        var first = await handler.HandleAsync(Model, options, recluster: false, Ct);
        first.Persons.ShouldBe(2);
        first.Waiting.ShouldBe(0);
        long personA = (await Face(s, a[0])).PersonId!.Value;
        long personB = (await Face(s, b[0])).PersonId!.Value;
        var faces = await s.Faces.ListAsync(Page.All, Ct);
        faces.Where(f => a.Contains(f.Id)).ShouldAllBe(f => f.PersonId == personA);
        faces.Where(f => b.Contains(f.Id)).ShouldAllBe(f => f.PersonId == personB);

        // A reviewer names A, says face a[3] is really B, and that face b[2] is not B.
        await s.Persons.UpdateAsync(personA, "Alice", null, Ct);
        await s.Faces.PinAsync(a[3], personB, Ct);
        await s.Faces.ExcludeAsync(b[2], personB, Ct);

        var again = await handler.HandleAsync(Model, options, recluster: true, Ct);
        again.CreatedPersons.ShouldBeLessThanOrEqualTo(1);
        (await s.Persons.GetAsync(personA, Ct))!.Name.ShouldBe("Alice");
        (await s.Persons.ListAsync(Page.All, Ct)).Select(p => p.Id).ShouldContain(personA);
        (await Face(s, a[3])).PersonId.ShouldBe(personB);   // the pin holds against its neighbours
        (await Face(s, b[2])).PersonId.ShouldNotBe(personB); // never back to a person it was removed from

        // Running incremental assignment again changes nothing a human decided.
        await handler.HandleAsync(Model, options, recluster: false, Ct);
        (await Face(s, a[3])).PersonId.ShouldBe(personB);
        (await Face(s, b[2])).PersonId.ShouldNotBe(personB);
        (await s.Persons.GetAsync(personA, Ct))!.Name.ShouldBe("Alice");
    }

    [Fact]
    public async Task ASplitNamingAFaceOfAReplacedPhotoHoldsForTheRestAndTheGoneFaceIsReported()
    {
        var (db, a, b) = await Seed();
        await using var _ = db;
        var s = db.For(TenantId.Default);
        var options = new PersonOptions(MaxDistance: 0.3f, MinFaces: 2);
        var handler = new RecognizeHandler(db, TenantId.Default);
        (await handler.HandleAsync(Model, options, recluster: false, Ct)).StaleDecisions.ShouldBeEmpty();
        long personA = (await Face(s, a[0])).PersonId!.Value, personB = (await Face(s, b[0])).PersonId!.Value;
        long split = await s.Persons.SplitAsync(personB, [b[1], b[2]], "B-2", null, Ct);
        b[2].ShouldBe((await s.Faces.ListAsync(Page.All, Ct)).Max(f => f.Id)); // the id a plain rowid would hand out again

        // b[2]'s file now holds a photo of A, detected again.
        var media = (await s.Media.GetAsync((await Face(s, b[2])).MediaId, Ct))!;
        (await s.Media.RegisterAsync([new MediaEntry(media.Key, new string('a', 64), 11)], Ct)).Single().Change.ShouldBe(MediaChange.Changed);
        await s.Media.SaveResultsAsync([new MediaResult(media.Id, "ok", null, "jpeg", 100, 100,
            [new NewFace(new FaceBox(0, 0, 50, 50), null, "test", 0.9f, null, [new NewEmbedding(Model, "1", [1f, 0.12f, 0f, 0f])])])], null, Ct);
        var fresh = (await s.Faces.ListOfMediaAsync([media.Id], Ct)).ShouldHaveSingleItem();
        fresh.Id.ShouldBe(b[2] + 1);

        var outcome = await handler.HandleAsync(Model, options, recluster: true, Ct);
        var stale = outcome.StaleDecisions.ShouldHaveSingleItem();
        (stale.Decision.PersonId, stale.PersonName, stale.FacesStillThere).ShouldBe((split, "B-2", 1));
        stale.GoneFaceIds.ShouldBe([b[2]]);
        stale.Describe().ShouldBe($"split {stale.Decision.Id} (person {split} 'B-2' from person {personB}): face {b[2]} gone, 1 face still there");
        (await Face(s, b[1])).PersonId.ShouldBe(split);
        (await Face(s, b[1])).PinnedPersonId.ShouldBe(split);
        // The new face is A's, pinned nowhere: the split's decision did not pass to it.
        (await Face(s, fresh.Id)).PersonId.ShouldBe(personA);
        (await Face(s, fresh.Id)).PinnedPersonId.ShouldBeNull();
        // Reported on every run, not cleaned: the history still says what the reviewer decided.
        (await handler.HandleAsync(Model, options, recluster: false, Ct)).StaleDecisions.ShouldHaveSingleItem().GoneFaceIds.ShouldBe([b[2]]);
        (await s.Persons.ListDecisionsAsync(Ct)).Single().FaceIds.ShouldBe([b[1], b[2]]);
    }
    /// <summary>The pipeline stores faces in the order its threads finish, which differs between runs and machines;
    /// persons must not. A (0°) and B (20°) are not neighbours, C (9°) is both's: taken in face-id order with the
    /// faces stored last-file-first, C would found one person that takes all three, while the files' own order
    /// (A founds, B founds, C joins its nearer A) gives two.</summary>
    [Fact]
    public async Task PersonsFollowTheFilesOrderNotTheOrderTheirFacesWereStored()
    {
        static float[] At(double degrees) => [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180), 0f, 0f];
        double[] angles = [0, 20, 9];
        var options = new PersonOptions(MaxDistance: 0.025f, MinFaces: 2); // neighbours within about 12.8°

        async Task<string> PersonsWhenStored(bool reversed)
        {
            await using var db = SqliteDatabase.Open(Path.Combine(RepoPaths.NewTempDir("doppel-persons-order"), "c.db"));
            var s = db.For(TenantId.Default);
            var media = await s.Media.RegisterAsync(angles.Select((_, i) =>
                new MediaEntry(new MediaKey(MediaSources.File, $"/photos/{"ABC"[i]}.jpg"), new string((char)('0' + i), 64), 10)).ToList(), Ct);
            foreach (var i in reversed ? Enumerable.Range(0, 3).Reverse() : Enumerable.Range(0, 3))
                await s.Media.SaveResultsAsync([new MediaResult(media[i].Media.Id, "ok", null, "jpeg", 100, 100,
                    [new NewFace(new FaceBox(0, 0, 50, 50), null, "test", 0.9f, null, [new NewEmbedding(Model, "1", At(angles[i]))])])], null, Ct);
            (await new RecognizeHandler(db, TenantId.Default).HandleAsync(Model, options, recluster: false, Ct)).Waiting.ShouldBe(0);
            var faces = await s.Faces.ListAsync(Page.All, Ct);
            var names = new List<string>();
            foreach (var person in faces.GroupBy(f => f.PersonId))
            {
                var members = new List<string>();
                foreach (var face in person)
                    members.Add(Path.GetFileNameWithoutExtension((await s.Media.GetAsync(face.MediaId, Ct))!.Path));
                names.Add(string.Concat(members.Order(StringComparer.Ordinal)));
            }
            return string.Join(" ", names.Order(StringComparer.Ordinal));
        }

        (await PersonsWhenStored(reversed: false)).ShouldBe("AC B");
        (await PersonsWhenStored(reversed: true)).ShouldBe("AC B");
    }
}
