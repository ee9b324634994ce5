using System.Collections.Concurrent;
using Doppel.Jobs.Ingest;
using Doppel.Storage.Media;

namespace Doppel.Jobs.Tests;

/// <summary>The read-ahead's bounds and its one-read rule on a store in memory (the blob store's run is in
/// tests/Doppel.Azure.Tests/ReadAheadTests).</summary>
public sealed class MediaReadAheadTests
{
    private sealed class MemoryStore(int readAhead, Func<string, byte[]> bytesOf) : IMediaStore
    {
        public ConcurrentQueue<string> Opened { get; } = new();
        public string Source => "memory://";
        public int ReadAhead => readAhead;
        public IAsyncEnumerable<MediaObject> ListAsync(string rootOrPrefix, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<MediaObject?> StatAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
        {
            Opened.Enqueue(key);
            return Task.FromResult<Stream>(new MemoryStream(bytesOf(key)));
        }
    }

    private static byte[] Bytes(string key, int length) => Enumerable.Range(0, length).Select(i => (byte)(key.GetHashCode() + i)).ToArray();

    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline);
            Thread.Sleep(5);
        }
    }

    private static byte[] ReadAll(Stream stream)
    {
        using (stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }

    [Fact]
    public void AtMostTheImageBoundIsReadAheadOfTheWorkers()
    {
        var store = new MemoryStore(3, k => Bytes(k, 10));
        var items = Enumerable.Range(0, 10).Select(i => ($"{i}.jpg", (IMediaStore)store, 10L)).ToList();
        using var readAhead = new MediaReadAhead(items, images: 3, bytes: 1 << 20);
        WaitFor(() => store.Opened.Count == 3);
        for (int i = 0; i < items.Count; i++)
        {
            ReadAll(readAhead.Open(i, TestContext.Current.CancellationToken)).ShouldBe(Bytes($"{i}.jpg", 10));
            store.Opened.Count.ShouldBeLessThanOrEqualTo(i + 1 + 3);
        }
        store.Opened.Order().ShouldBe(items.Select(i => i.Item1).Order()); // each once (several reads run at once)
    }

    [Fact]
    public void AtMostTheByteBoundIsReadAheadAndALargerFileIsLeftToTheWorker()
    {
        var store = new MemoryStore(8, k => Bytes(k, k == "big.jpg" ? 500 : 40));
        var keys = new[] { "0.jpg", "1.jpg", "2.jpg", "big.jpg", "4.jpg" };
        var items = keys.Select(k => (k, (IMediaStore)store, k == "big.jpg" ? 500L : 40L)).ToList();
        using var readAhead = new MediaReadAhead(items, images: 8, bytes: 100);
        WaitFor(() => store.Opened.Count == 2);                 // 2 × 40 fit in 100, a third does not
        ReadAll(readAhead.Open(0, TestContext.Current.CancellationToken)).Length.ShouldBe(40);
        WaitFor(() => store.Opened.Count == 3);
        ReadAll(readAhead.Open(1, TestContext.Current.CancellationToken)).Length.ShouldBe(40);
        ReadAll(readAhead.Open(2, TestContext.Current.CancellationToken)).Length.ShouldBe(40);
        WaitFor(() => store.Opened.Contains("4.jpg"));           // the big one is skipped, not waited for
        store.Opened.ShouldNotContain("big.jpg");
        ReadAll(readAhead.Open(3, TestContext.Current.CancellationToken)).ShouldBe(Bytes("big.jpg", 500)); // the worker streams it itself
        ReadAll(readAhead.Open(4, TestContext.Current.CancellationToken)).ShouldBe(Bytes("4.jpg", 40));
        store.Opened.Count.ShouldBe(5);
    }

    [Fact]
    public void AWorkerThatOutrunsTheReadAheadReadsItsImageItselfAndNothingIsReadTwice()
    {
        var store = new MemoryStore(2, k => Bytes(k, 10));
        var items = Enumerable.Range(0, 6).Select(i => ($"{i}.jpg", (IMediaStore)store, 10L)).ToList();
        using (var readAhead = new MediaReadAhead(items, images: 2, bytes: 1 << 20))
        {
            ReadAll(readAhead.Open(4, TestContext.Current.CancellationToken)).ShouldBe(Bytes("4.jpg", 10));
            foreach (var i in new[] { 0, 1, 2, 3, 5 })
                ReadAll(readAhead.Open(i, TestContext.Current.CancellationToken)).ShouldBe(Bytes($"{i}.jpg", 10));
            Should.Throw<InvalidOperationException>(() => readAhead.Open(4, TestContext.Current.CancellationToken));
        }
        store.Opened.Order().ShouldBe(items.Select(i => i.Item1));
    }

    [Fact]
    public void AFileThatGrewPastTheBoundArrivesWholeAndAReadsErrorReachesItsWorker()
    {
        var store = new MemoryStore(4, k => k == "gone.jpg" ? throw new FileNotFoundException("gone", k) : Bytes(k, 1_000));
        var items = new[] { ("grown.jpg", (IMediaStore)store, 10L), ("gone.jpg", store, 10L), ("ok.jpg", store, 1_000L) }.ToList();
        using var readAhead = new MediaReadAhead(items, images: 4, bytes: 300);
        WaitFor(() => readAhead.ReadAheadCount == 2);           // grown and gone read ahead (by their registered size)
        var grown = readAhead.Open(0, TestContext.Current.CancellationToken);
        grown.CanSeek.ShouldBeFalse();                          // the bound's worth, then the rest of the stream
        ReadAll(grown).ShouldBe(Bytes("grown.jpg", 1_000));
        Should.Throw<FileNotFoundException>(() => readAhead.Open(1, TestContext.Current.CancellationToken)).FileName.ShouldBe("gone.jpg");
        ReadAll(readAhead.Open(2, TestContext.Current.CancellationToken)).ShouldBe(Bytes("ok.jpg", 1_000)); // over the bound: the worker's own read
        store.Opened.Count.ShouldBe(3);
    }
}
