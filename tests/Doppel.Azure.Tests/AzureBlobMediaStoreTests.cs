using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Doppel.Testing;
using Doppel.Testing.Servers;

namespace Doppel.Azure.Tests;

/// <summary>The blob media store against a real Azurite, and against the folder store on the same files.</summary>
public sealed class AzureBlobMediaStoreTests(AzuriteServer azurite) : IDisposable
{
    private readonly string _folder = RepoPaths.NewTempDir("doppel-blob-media");
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly string[] Files = ["b/2.jpg", "a/1.JPG", "a/notes.txt", "a/z/3.png", "c.webp", "B/4.jpeg"];

    [Fact]
    public async Task Lists_the_images_under_a_prefix_in_the_order_and_with_the_relative_paths_a_folder_gives()
    {
        var (store, _) = await UploadAsync("photos/batch1");
        var blobs = await ToListAsync(store.ListAsync("", Cancel));
        var folder = await ToListAsync(LocalFolderMediaStore.Instance.ListAsync(_folder, Cancel));

        blobs.Select(o => o.RelativePath).ShouldBe(folder.Select(o => o.RelativePath));
        blobs.Select(o => o.RelativePath).ShouldBe(["B/4.jpeg", "a/1.JPG", "a/z/3.png", "b/2.jpg", "c.webp"]);
        blobs.Select(o => o.SizeBytes).ShouldBe(folder.Select(o => o.SizeBytes));
        blobs.ShouldAllBe(o => o.Key.Source == store.Source && o.Key.Key.StartsWith("photos/batch1/"));
        store.Source.ShouldNotContain("?");

        // A prefix relative to the address's own.
        (await ToListAsync(store.ListAsync("a", Cancel))).Select(o => o.Key.Key).ShouldBe(["photos/batch1/a/1.JPG", "photos/batch1/a/z/3.png"]);
    }

    [Fact]
    public async Task Reads_the_bytes_and_stats_a_blob_and_says_clearly_what_is_missing()
    {
        var (store, _) = await UploadAsync("p");
        var first = (await ToListAsync(store.ListAsync("", Cancel)))[0];
        await using (var stream = await store.OpenReadAsync(first.Key.Key, Cancel))
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, Cancel);
            copy.ToArray().ShouldBe(File.ReadAllBytes(Path.Combine(_folder, first.RelativePath)));
        }
        var stat = (await store.StatAsync(first.Key.Key, Cancel))!;
        (stat.Key, stat.SizeBytes).ShouldBe((first.Key, first.SizeBytes));
        (await store.StatAsync("p/nothing.jpg", Cancel)).ShouldBeNull();
        (await Should.ThrowAsync<FileNotFoundException>(() => store.OpenReadAsync("p/nothing.jpg", Cancel))).Message.ShouldContain("p/nothing.jpg");
        (await Should.ThrowAsync<DirectoryNotFoundException>(() => ToListAsync(store.ListAsync("no-such-prefix", Cancel)))).Message.ShouldContain("no-such-prefix");

        var missingContainer = new AzureBlobMediaStore(BlobAddress.Parse("az://no-such-container", azurite.ConnectionString), ImageScanner.ImageExtensions);
        (await Should.ThrowAsync<DirectoryNotFoundException>(() => ToListAsync(missingContainer.ListAsync("", Cancel)))).Message.ShouldContain("no-such-container");
    }

    /// <summary>The same small tree in a folder and under <paramref name="prefix"/> in a new container.</summary>
    private async Task<(AzureBlobMediaStore Store, string Container)> UploadAsync(string prefix)
    {
        azurite.Require();
        var container = await azurite.CreateContainerAsync("media");
        for (int i = 0; i < Files.Length; i++)
        {
            var path = Path.Combine(_folder, Files[i]);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var bytes = Enumerable.Range(0, 100 + i * 37).Select(b => (byte)(b * (i + 3))).ToArray();
            File.WriteAllBytes(path, bytes);
            await container.UploadBlobAsync($"{prefix}/{Files[i]}", new BinaryData(bytes), Cancel);
        }
        await container.UploadBlobAsync("elsewhere/5.jpg", new BinaryData(new byte[] { 1 }), Cancel);
        return (new AzureBlobMediaStore(BlobAddress.Parse($"az://{container.Name}/{prefix}", azurite.ConnectionString), ImageScanner.ImageExtensions), container.Name);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
            list.Add(item);
        return list;
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
