using Doppel.Jobs.Ingest;
using Doppel.Testing;

namespace Doppel.Jobs.Tests;

/// <summary>Issue 12 rows 1, 2, 3 and 8 at the scanner: every planted entry gets its status, none
/// stops, hangs or multiplies the scan.</summary>
public class HostileScanTests
{
    private static string NewFolderWithPhotos(int photos)
    {
        var dir = RepoPaths.NewTempDir("doppel-hostile-scan");
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        for (int i = 0; i < photos; i++)
            File.WriteAllBytes(Path.Combine(dir, i % 2 == 0 ? "" : "sub", $"p{i}.jpg"), [0xFF, 0xD8, 0xFF, (byte)i]);
        return dir;
    }

    [Fact]
    public void EveryHostileEntryGetsItsStatusAndNothingIsReadTwice()
    {
        var dir = NewFolderWithPhotos(4);
        var planted = HostileFolder.Plant(dir, withUnreadable: true);
        var scan = HostileFolder.AsNobody(() => ImageScanner.ScanAll([dir]));

        var status = scan.Entries.ToDictionary(e => e.RelativePath, e => e.Status.ToCode());
        foreach (var p in planted)
            status.ShouldContainKeyAndValue(p.RelativePath, p.ScanStatus, $"{p.RelativePath}: {scan.Entries.FirstOrDefault(e => e.RelativePath == p.RelativePath)?.Detail}");
        // The four photos once each (not again through "loop"), plus the HEIC file for the decoder.
        scan.Files.Select(f => f.RelativePath).Order(StringComparer.Ordinal)
            .ShouldBe(["p0.jpg", "p2.jpg", "phone.heic", "sub/p1.jpg", "sub/p3.jpg"]);
        // Nothing below the hidden or unreadable folders, nothing through the links.
        scan.Entries.ShouldAllBe(e => !e.RelativePath.StartsWith(".thumbnails/") && !e.RelativePath.StartsWith("locked/") && !e.RelativePath.StartsWith("loop/"));
    }

    [Fact]
    public void TheSameFolderTwiceOrNestedRootsListEachFileOnce()
    {
        var dir = NewFolderWithPhotos(4);
        var files = ImageScanner.Scan([dir, dir + "/", Path.Combine(dir, "sub"), Path.Combine(dir, "sub", "..", "sub")]);
        files.Select(f => f.RelativePath).ShouldBe(["p0.jpg", "p2.jpg", "sub/p1.jpg", "sub/p3.jpg"]);
        // Inner root first on the command line: the outer root still owns the paths.
        ImageScanner.Scan([Path.Combine(dir, "sub"), dir]).Select(f => f.RelativePath).ShouldBe(["p0.jpg", "p2.jpg", "sub/p1.jpg", "sub/p3.jpg"]);
    }

    [Fact]
    public void ALinkToAFileInsideTheRootsIsADuplicateAndOneOutsideIsNotFollowed()
    {
        var dir = NewFolderWithPhotos(2);
        var outside = RepoPaths.NewTempDir("doppel-outside");
        File.WriteAllBytes(Path.Combine(outside, "far.jpg"), [0xFF, 0xD8, 0xFF]);
        File.CreateSymbolicLink(Path.Combine(dir, "again.jpg"), Path.Combine(dir, "p0.jpg"));
        File.CreateSymbolicLink(Path.Combine(dir, "far.jpg"), Path.Combine(outside, "far.jpg"));
        Directory.CreateSymbolicLink(Path.Combine(dir, "sub-again"), Path.Combine(dir, "sub"));
        var scan = ImageScanner.ScanAll([dir]);
        scan.Files.Select(f => f.RelativePath).ShouldBe(["p0.jpg", "sub/p1.jpg"]);
        scan.Skipped.Select(e => (e.RelativePath, e.Status)).ShouldBe([
            ("again.jpg", ScanStatus.Duplicate), ("far.jpg", ScanStatus.OutsideRoots), ("sub-again", ScanStatus.Duplicate)]);
        // Given as a root itself, the outside folder is read.
        ImageScanner.Scan([dir, outside]).Select(f => f.RelativePath).ShouldContain("far.jpg");
    }

    [Fact]
    public void ABackslashInANameIsKept()
    {
        var dir = NewFolderWithPhotos(0);
        File.WriteAllBytes(Path.Combine(dir, "a\\b.jpg"), [1]);
        ImageScanner.Scan([dir]).Single().RelativePath.ShouldBe("a\\b.jpg");
    }

    [Fact]
    public void ARootThatIsAFifoIsAClearError()
    {
        var dir = NewFolderWithPhotos(0);
        HostileFolder.Plant(dir);
        Should.Throw<DirectoryNotFoundException>(() => ImageScanner.Scan([Path.Combine(dir, "fifo.jpg")])).Message.ShouldContain("FIFO");
    }
}
