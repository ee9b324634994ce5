namespace Doppel.Storage.Tests;

/// <summary>Files are known by content hash: a move keeps its faces, new bytes under an old name are re-processed.</summary>
public class MediaIdentityTests
{
    [Fact]
    public void SamePathSameContentIsUnchanged()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        var first = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 10);
        first.Change.ShouldBe(MediaChange.New);
        var again = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 10);
        again.Change.ShouldBe(MediaChange.Unchanged);
        again.Media.Id.ShouldBe(first.Media.Id);
        catalog.CountMedia().ShouldBe(1);
    }

    [Fact]
    public void MovedFileKeepsItsIdFacesAndEmbeddings()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        var media = catalog.RegisterMedia("/old/a.jpg", TempCatalog.Hash("a"), 10).Media;
        catalog.SaveResults([TempCatalog.Ok(media.Id, TempCatalog.Face(1, "dlib-resnet29"))]);
        var faceId = catalog.GetFacesOfMedia(media.Id)[0].Id;

        var moved = catalog.RegisterMedia("/new/renamed.jpg", TempCatalog.Hash("a"), 10, pathExists: p => p != "/old/a.jpg");

        moved.Change.ShouldBe(MediaChange.Moved);
        moved.PreviousPath.ShouldBe("/old/a.jpg");
        moved.Media.Id.ShouldBe(media.Id);
        moved.Media.Path.ShouldBe("/new/renamed.jpg");
        moved.Media.State.ShouldBe(MediaState.Done);
        catalog.FindMediaByPath("/old/a.jpg").ShouldBeNull();
        catalog.GetFacesOfMedia(media.Id).Single().Id.ShouldBe(faceId);
        catalog.GetEmbeddings(faceId).Count.ShouldBe(1);
    }

    [Fact]
    public void CopyWhoseOriginalStillExistsIsANewFile()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        var original = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 10).Media;
        var copy = catalog.RegisterMedia("/p/copy of a.jpg", TempCatalog.Hash("a"), 10, pathExists: _ => true);
        copy.Change.ShouldBe(MediaChange.New);
        copy.Media.Id.ShouldNotBe(original.Id);
        catalog.FindMediaByHash(TempCatalog.Hash("a")).Select(m => m.Path).ShouldBe(["/p/a.jpg", "/p/copy of a.jpg"]);
    }

    [Fact]
    public void MoveDetectionUsesTheRealFileSystemByDefault()
    {
        using var temp = new TempCatalog();
        var oldPath = Path.Combine(temp.Directory, "a.jpg");
        var newPath = Path.Combine(temp.Directory, "b.jpg");
        File.WriteAllText(oldPath, "pixels");
        var hash = ContentHash.OfFile(oldPath);
        hash.ShouldBe(TempCatalog.Hash("pixels"));
        using var catalog = temp.Open();
        var id = catalog.RegisterMedia(oldPath, hash, 6).Media.Id;
        File.Move(oldPath, newPath);
        var moved = catalog.RegisterMedia(newPath, hash, 6);
        moved.Change.ShouldBe(MediaChange.Moved);
        moved.Media.Id.ShouldBe(id);
    }

    [Fact]
    public void ChangedContentDeletesOldFacesEmbeddingsAndFindingsAndIsPendingAgain()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        var a = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 10).Media;
        var b = catalog.RegisterMedia("/p/b.jpg", TempCatalog.Hash("b"), 10).Media;
        catalog.SaveResults([TempCatalog.Ok(a.Id, TempCatalog.Face(1, "dlib-resnet29")), TempCatalog.Ok(b.Id, TempCatalog.Face(2, "dlib-resnet29"))]);
        var set = catalog.CreateDedupSet(null);
        catalog.AddFindings(set, [new NewFinding(a.Id, b.Id, null, null, 0.95f, "{}")]);

        var changed = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a, edited"), 11);

        changed.Change.ShouldBe(MediaChange.Changed);
        changed.Media.Id.ShouldBe(a.Id);
        changed.Media.ContentHash.ShouldBe(TempCatalog.Hash("a, edited"));
        changed.Media.SizeBytes.ShouldBe(11);
        changed.Media.State.ShouldBe(MediaState.Pending);
        changed.Media.ReasonCode.ShouldBeNull();
        changed.Media.Width.ShouldBeNull();
        catalog.GetFacesOfMedia(a.Id).ShouldBeEmpty();
        catalog.ReadEmbeddings("dlib-resnet29").Count().ShouldBe(1);
        catalog.GetFindings(set).ShouldBeEmpty();
        catalog.GetFacesOfMedia(b.Id).Count.ShouldBe(1);
        catalog.ListMedia(MediaState.Pending).Select(m => m.Id).ShouldBe([a.Id]);
    }

    [Fact]
    public void ReprocessingReplacesFacesInsteadOfAddingThem()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        var id = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 10).Media.Id;
        catalog.SaveResults([TempCatalog.Ok(id, TempCatalog.Face(1, "dlib-resnet29"), TempCatalog.Face(2, "dlib-resnet29"))]);
        catalog.SaveResults([TempCatalog.Ok(id, TempCatalog.Face(3, "dlib-resnet29"))]);
        catalog.GetFacesOfMedia(id).Single().Box.X.ShouldBe(13);
        catalog.ReadEmbeddings("dlib-resnet29").Count().ShouldBe(1);

        catalog.ResetMedia([id]);
        catalog.GetMedia(id)!.State.ShouldBe(MediaState.Pending);
        catalog.CountFaces().ShouldBe(0);
    }

    [Fact]
    public void BatchRegistrationAppliesTheSameRulesInInputOrder()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        catalog.RegisterMedia("/p/kept.jpg", TempCatalog.Hash("kept"), 1);
        catalog.RegisterMedia("/p/gone.jpg", TempCatalog.Hash("moved"), 2);
        catalog.RegisterMedia("/p/edited.jpg", TempCatalog.Hash("v1"), 3);

        var results = catalog.RegisterMediaBatch(
        [
            new MediaFileInfo("/p/new.jpg", TempCatalog.Hash("new"), 4),
            new MediaFileInfo("/p/kept.jpg", TempCatalog.Hash("kept"), 1),
            new MediaFileInfo("/q/moved.jpg", TempCatalog.Hash("moved"), 2),
            new MediaFileInfo("/p/edited.jpg", TempCatalog.Hash("v2"), 5),
            new MediaFileInfo("/p/new copy.jpg", TempCatalog.Hash("new"), 4),
        ], pathExists: p => p != "/p/gone.jpg");

        results.Select(r => r.Change).ShouldBe([MediaChange.New, MediaChange.Unchanged, MediaChange.Moved, MediaChange.Changed, MediaChange.New]);
        results.Select(r => r.Media.Path).ShouldBe(["/p/new.jpg", "/p/kept.jpg", "/q/moved.jpg", "/p/edited.jpg", "/p/new copy.jpg"]);
        results[2].PreviousPath.ShouldBe("/p/gone.jpg");
        catalog.CountMedia().ShouldBe(5);
    }

    [Fact]
    public void BatchWithABadHashRegistersNothing()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        Should.Throw<ArgumentException>(() => catalog.RegisterMediaBatch(
            [new MediaFileInfo("/p/a.jpg", TempCatalog.Hash("a"), 1), new MediaFileInfo("/p/b.jpg", "ABC", 1)])).Message.ShouldContain("/p/b.jpg");
        catalog.CountMedia().ShouldBe(0);
    }
}
