using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

/// <summary>Files are known by content hash: a move keeps its faces, new bytes under an old name are re-processed.
/// (Whether an earlier path still exists is the registering use case's question, asked of its media store:
/// DedupSetHandlerTests.AMovedFileKeepsItsRecordAndACopyIsAFileOfItsOwn.)</summary>
public class MediaIdentityTests
{
    [Fact]
    public async Task SamePathSameContentIsUnchanged()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        var first = await Register(s, Entry("/p/a.jpg", "a", 10));
        first.Change.ShouldBe(MediaChange.New);
        var again = await Register(s, Entry("/p/a.jpg", "a", 10));
        again.Change.ShouldBe(MediaChange.Unchanged);
        again.Media.Id.ShouldBe(first.Media.Id);
        (await s.Media.CountAsync(null, Ct)).ShouldBe(1);
    }

    [Fact]
    public async Task MovedFileKeepsItsIdFacesAndEmbeddings()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        var media = (await Register(s, Entry("/old/a.jpg", "a", 10))).Media;
        await s.Media.SaveResultsAsync([Ok(media.Id, Face(1, "dlib-resnet29"))], null, Ct);
        var faceId = (await s.Faces.ListOfMediaAsync([media.Id], Ct))[0].Id;

        var moved = await Register(s, Entry("/new/renamed.jpg", "a", 10, movedFrom: "/old/a.jpg"));

        moved.Change.ShouldBe(MediaChange.Moved);
        moved.PreviousPath.ShouldBe("/old/a.jpg");
        moved.Media.Id.ShouldBe(media.Id);
        moved.Media.Path.ShouldBe("/new/renamed.jpg");
        moved.Media.State.ShouldBe(MediaState.Done);
        (await s.Media.FindAsync(new MediaKey(MediaSources.File, "/old/a.jpg"), Ct)).ShouldBeNull();
        (await s.Faces.ListOfMediaAsync([media.Id], Ct)).Single().Id.ShouldBe(faceId);
        (await s.Faces.GetEmbeddingsAsync(faceId, Ct)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task CopyWhoseOriginalStillExistsIsANewFile()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        var original = (await Register(s, Entry("/p/a.jpg", "a", 10))).Media;
        var copy = await Register(s, Entry("/p/copy of a.jpg", "a", 10));
        copy.Change.ShouldBe(MediaChange.New);
        copy.Media.Id.ShouldNotBe(original.Id);
        (await s.Media.FindByHashesAsync([Hash("a")], Ct)).Select(m => m.Path).ShouldBe(["/p/a.jpg", "/p/copy of a.jpg"]);
    }

    [Fact]
    public async Task ChangedContentDeletesOldFacesEmbeddingsAndFindingsAndIsPendingAgain()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        var a = (await Register(s, Entry("/p/a.jpg", "a", 10))).Media;
        var b = (await Register(s, Entry("/p/b.jpg", "b", 10))).Media;
        await s.Media.SaveResultsAsync([Ok(a.Id, Face(1, "dlib-resnet29")), Ok(b.Id, Face(2, "dlib-resnet29"))], null, Ct);
        var set = await s.Dedup.CreateSetAsync(null, DedupSet.DefaultGroup, null, Ct);
        await s.Dedup.AddFindingsAsync(set.Id, [new NewFinding(a.Id, b.Id, null, null, 0.95f, "{}")], Ct);

        var changed = await Register(s, Entry("/p/a.jpg", "a, edited", 11));

        changed.Change.ShouldBe(MediaChange.Changed);
        changed.Media.Id.ShouldBe(a.Id);
        changed.Media.ContentHash.ShouldBe(Hash("a, edited"));
        changed.Media.SizeBytes.ShouldBe(11);
        changed.Media.State.ShouldBe(MediaState.Pending);
        changed.Media.ReasonCode.ShouldBeNull();
        changed.Media.Width.ShouldBeNull();
        (await s.Faces.ListOfMediaAsync([a.Id], Ct)).ShouldBeEmpty();
        (await ToListAsync(s.Faces.ReadEmbeddingsAsync("dlib-resnet29", Ct))).Count.ShouldBe(1);
        (await s.Dedup.GetFindingsAsync(set.Id, null, Ct)).ShouldBeEmpty();
        (await s.Faces.ListOfMediaAsync([b.Id], Ct)).Count.ShouldBe(1);
        (await s.Media.ListAsync(MediaState.Pending, Page.All, Ct)).Select(m => m.Id).ShouldBe([a.Id]);
    }

    [Fact]
    public async Task ReprocessingReplacesFacesInsteadOfAddingThem()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        var id = (await Register(s, Entry("/p/a.jpg", "a", 10))).Media.Id;
        await s.Media.SaveResultsAsync([Ok(id, Face(1, "dlib-resnet29"), Face(2, "dlib-resnet29"))], null, Ct);
        await s.Media.SaveResultsAsync([Ok(id, Face(3, "dlib-resnet29"))], null, Ct);
        (await s.Faces.ListOfMediaAsync([id], Ct)).Single().Box.X.ShouldBe(13);
        (await ToListAsync(s.Faces.ReadEmbeddingsAsync("dlib-resnet29", Ct))).Count.ShouldBe(1);

        await s.Media.ResetAsync([id], Ct);
        (await s.Media.GetAsync(id, Ct))!.State.ShouldBe(MediaState.Pending);
        (await s.Faces.CountAsync(Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task BatchRegistrationAppliesTheSameRulesInInputOrder()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        await s.Media.RegisterAsync([Entry("/p/kept.jpg", "kept", 1), Entry("/p/gone.jpg", "moved", 2), Entry("/p/edited.jpg", "v1", 3)], Ct);

        var results = await s.Media.RegisterAsync(
        [
            Entry("/p/new.jpg", "new", 4),
            Entry("/p/kept.jpg", "kept", 1),
            Entry("/q/moved.jpg", "moved", 2, movedFrom: "/p/gone.jpg"),
            Entry("/p/edited.jpg", "v2", 5),
            Entry("/p/new copy.jpg", "new", 4),
        ], Ct);

        results.Select(r => r.Change).ShouldBe([MediaChange.New, MediaChange.Unchanged, MediaChange.Moved, MediaChange.Changed, MediaChange.New]);
        results.Select(r => r.Media.Path).ShouldBe(["/p/new.jpg", "/p/kept.jpg", "/q/moved.jpg", "/p/edited.jpg", "/p/new copy.jpg"]);
        results[2].PreviousPath.ShouldBe("/p/gone.jpg");
        (await s.Media.CountAsync(null, Ct)).ShouldBe(5);
    }

    [Fact]
    public async Task BatchWithABadHashRegistersNothing()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        (await Should.ThrowAsync<ArgumentException>(() => s.Media.RegisterAsync(
            [Entry("/p/a.jpg", "a"), new MediaEntry(new MediaKey(MediaSources.File, "/p/b.jpg"), "ABC", 1)], Ct))).Message.ShouldContain("/p/b.jpg");
        (await s.Media.CountAsync(null, Ct)).ShouldBe(0);
    }
}
