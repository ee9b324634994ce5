using Doppel.Jobs.Ingest;
using Doppel.Testing;

namespace Doppel.Jobs.Tests;

public class ImageScannerTests
{
    [Fact]
    public void FindsImagesByExtensionRecursivelyInOrdinalOrder()
    {
        var dir = RepoPaths.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "b"));
        File.WriteAllText(Path.Combine(dir, "b", "x.JPG"), "not really");
        File.WriteAllText(Path.Combine(dir, "a.png"), "p");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "t");
        var files = ImageScanner.Scan([dir]);
        files.Select(f => f.RelativePath).ShouldBe(["a.png", "b/x.JPG"]);
        files[1].Size.ShouldBe(10);
    }

    [Fact]
    public void AMissingFolderIsAClearError() =>
        Should.Throw<DirectoryNotFoundException>(() => ImageScanner.Scan(["/no/such/doppel/dir"])).Message.ShouldContain("/no/such/doppel/dir");

    [Fact]
    public void HashIsStableAndContentBased()
    {
        var dir = RepoPaths.NewTempDir();
        File.WriteAllText(Path.Combine(dir, "1.jpg"), "abc");
        File.WriteAllText(Path.Combine(dir, "2.jpg"), "abc");
        Doppel.Storage.ContentHash.OfFile(Path.Combine(dir, "1.jpg")).ShouldBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        Doppel.Storage.ContentHash.OfFile(Path.Combine(dir, "2.jpg")).ShouldBe(Doppel.Storage.ContentHash.OfFile(Path.Combine(dir, "1.jpg")));
    }
}
