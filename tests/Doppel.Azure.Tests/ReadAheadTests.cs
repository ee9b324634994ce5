using System.Collections.Concurrent;
using Doppel.Jobs.Ingest;
using Doppel.Storage.Media;
using Doppel.Testing;
using Doppel.Testing.Servers;

namespace Doppel.Azure.Tests;

/// <summary>
/// <see cref="MediaReadAhead"/> over a real blob container (Azurite): two workers taking images in order get every
/// image's exact bytes, each blob opened once, most of them read ahead; a blob over the byte bound is streamed by the
/// worker, one that grew past it since registration arrives whole; a missing blob's error reaches the worker asking.
/// </summary>
public sealed class ReadAheadTests(AzuriteServer azurite)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class CountingStore(IMediaStore inner) : IMediaStore
    {
        public ConcurrentDictionary<string, int> Opens { get; } = new();
        public string Source => inner.Source;
        public int ReadAhead => inner.ReadAhead;
        public IAsyncEnumerable<MediaObject> ListAsync(string rootOrPrefix, CancellationToken cancellationToken = default) => inner.ListAsync(rootOrPrefix, cancellationToken);
        public Task<MediaObject?> StatAsync(string key, CancellationToken cancellationToken = default) => inner.StatAsync(key, cancellationToken);

        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
        {
            Opens.AddOrUpdate(key, 1, (_, n) => n + 1);
            return inner.OpenReadAsync(key, cancellationToken);
        }
    }

    [Fact]
    public async Task TwoWorkersGetEveryBlobsBytesWithEachBlobOpenedOnce()
    {
        azurite.Require();
        var container = await azurite.CreateContainerAsync("readahead");
        const long bound = 64 << 10;
        var bytes = new Dictionary<string, byte[]>();
        for (int i = 0; i < 40; i++)
            bytes[$"p/{i:00}.jpg"] = Enumerable.Range(0, 1 + i * 997 % 20_000).Select(b => (byte)(b * 7 + i)).ToArray();
        bytes["p/40-over-the-bound.jpg"] = Enumerable.Range(0, 200_000).Select(b => (byte)(b % 251)).ToArray();
        bytes["p/41-grown.jpg"] = Enumerable.Range(0, 150_000).Select(b => (byte)(b % 239)).ToArray();
        bytes["p/42-empty.jpg"] = [];
        foreach (var (key, content) in bytes)
            await container.UploadBlobAsync(key, new BinaryData(content), Ct);
        var store = new CountingStore(new AzureBlobMediaStore(BlobAddress.Parse($"az://{container.Name}", azurite.ConnectionString), ImageScanner.ImageExtensions));
        store.ReadAhead.ShouldBeGreaterThan(0);
        // Registered sizes as a listing gave them, but the grown blob was registered at 1,000 bytes.
        var items = bytes.Keys.Order(StringComparer.Ordinal).Append("p/43-gone.jpg")
            .Select(k => (k, (IMediaStore)store, k.Contains("grown") ? 1_000L : bytes.GetValueOrDefault(k)?.Length ?? 10L)).ToList();

        var got = new ConcurrentDictionary<string, byte[]>();
        var errors = new ConcurrentDictionary<string, Exception>();
        using (var readAhead = new MediaReadAhead(items, store.ReadAhead, bound))
        {
            int next = -1;
            await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                for (int i; (i = Interlocked.Increment(ref next)) < items.Count;)
                {
                    try
                    {
                        using var stream = readAhead.Open(i, Ct);
                        using var copy = new MemoryStream();
                        stream.CopyTo(copy);
                        got[items[i].Item1] = copy.ToArray();
                    }
                    catch (FileNotFoundException e)
                    {
                        errors[items[i].Item1] = e;
                    }
                }
            }, Ct)));
            readAhead.ReadAheadCount.ShouldBeGreaterThan(20);
        }
        foreach (var (key, content) in bytes)
            got[key].ShouldBe(content, key);
        errors.Keys.ShouldBe(["p/43-gone.jpg"]);
        store.Opens.Keys.Order(StringComparer.Ordinal).ShouldBe(items.Select(i => i.Item1));
        store.Opens.Values.ShouldAllBe(n => n == 1);
    }
}
