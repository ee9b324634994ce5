using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Doppel.Testing.Servers;

namespace Doppel.Azure.Tests;

/// <summary>The harness itself: a real Azurite stores and returns a blob through Azure.Storage.Blobs.</summary>
public sealed class AzuriteServerTests(AzuriteServer azurite)
{
    [Fact]
    public async Task A_blob_round_trips_through_a_fresh_container()
    {
        azurite.Require();
        var container = await azurite.CreateContainerAsync();
        var bytes = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 31)).ToArray();
        await container.UploadBlobAsync("a/b/photo.jpg", new BinaryData(bytes), TestContext.Current.CancellationToken);

        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, "a/", TestContext.Current.CancellationToken))
            names.Add(item.Name);
        names.ShouldBe(["a/b/photo.jpg"]);
        var download = await container.GetBlobClient("a/b/photo.jpg").DownloadContentAsync(TestContext.Current.CancellationToken);
        download.Value.Content.ToArray().ShouldBe(bytes);
        // The connection string reaches the same account from a new client.
        (await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(container.Name).ExistsAsync(TestContext.Current.CancellationToken)).Value.ShouldBeTrue();
    }
}
