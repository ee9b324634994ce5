using System.Collections.Concurrent;
using Doppel.Application.Dedup;
using Doppel.Application.Ingest;
using Doppel.Azure;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Doppel.Storage.Media;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Doppel.Testing.Servers;

namespace Doppel.Application.Tests;

/// <summary>
/// How often a dedup reads each image (issue 9, "an image is read once per job"), counted, not timed: every open of
/// the media store (hashing at registration, and the pipeline's one read, which it hashes and decodes). A new image is
/// opened once: registered unread, then read, hashed and decoded by the analysis, which records that hash. An
/// unchanged one is opened once on a re-run (hashed to know it is unchanged, not decoded); neither the embed-missing
/// step nor matching opens anything. The same from a folder and from a blob container (Azurite).
/// </summary>
public class ReadsPerImageTests(AzuriteServer azurite) : IClassFixture<AzuriteServer>, IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDir("doppel-reads");
    private static readonly string[] Names = ["a.jpg", "b.jpg", "c.jpg"];

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A media store counting each key's opens; <see cref="BeforeOpen"/> runs first (a file changing under the job).</summary>
    private sealed class CountingStore(IMediaStore inner) : IMediaStore
    {
        public ConcurrentDictionary<string, int> Opens { get; } = new();

        public Action<string>? BeforeOpen { get; set; }

        public string Source => inner.Source;

        public IAsyncEnumerable<MediaObject> ListAsync(string rootOrPrefix, CancellationToken cancellationToken = default) =>
            inner.ListAsync(rootOrPrefix, cancellationToken);

        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
        {
            Opens.AddOrUpdate(key, 1, (_, n) => n + 1);
            BeforeOpen?.Invoke(key);
            return inner.OpenReadAsync(key, cancellationToken);
        }

        public Task<MediaObject?> StatAsync(string key, CancellationToken cancellationToken = default) => inner.StatAsync(key, cancellationToken);

        // The blob store reads ahead of the analysis: still one open per image.
        public int ReadAhead => inner.ReadAhead;
    }

    private static ScriptedAnalyzer Analyzer() => new(new Dictionary<string, float[]>
    {
        ["a.jpg"] = ScriptedAnalyzer.At(20), ["b.jpg"] = ScriptedAnalyzer.At(-20), ["c.jpg"] = ScriptedAnalyzer.At(0),
    });

    private string Photos()
    {
        var photos = Directory.CreateDirectory(Path.Combine(_dir, "photos")).FullName;
        foreach (var name in Names)
            File.WriteAllText(Path.Combine(photos, name), "bytes of " + name);
        return photos;
    }

    private async Task<DedupOutcome> DedupAsync(IMediaStore media, ScriptedAnalyzer analyzer, string root)
    {
        await using var db = SqliteDatabase.Open(Path.Combine(_dir, "c.db"));
        return await new DedupSetHandler(db, TenantId.Default, media, analyzer).HandleAsync(new DedupSetCommand { Roots = [root] }, Ct);
    }

    /// <summary>Two runs over <paramref name="media"/>: opens per key and decodes, and every stored hash is the bytes'.</summary>
    private async Task ReadsOnceAsync(Func<IMediaStore> media, string root, IReadOnlyList<string> keys, Func<string, byte[]> bytesOf)
    {
        var analyzer = Analyzer();
        var first = new CountingStore(media());
        var outcome = await DedupAsync(first, analyzer, root);
        outcome.Pairs.Count.ShouldBe(3);
        keys.Select(k => first.Opens.GetValueOrDefault(k)).ShouldBe([1, 1, 1]); // read once each, by the analysis
        first.Opens.Keys.Order().ShouldBe(keys.Order());                        // nothing else was opened
        analyzer.Analysed.ShouldBe(3);                                          // decoded once each
        outcome.Images.ShouldAllBe(i => i.Media.ContentHash == ContentHash.OfBytes(bytesOf(i.Media.Path)));
        outcome.Images.ShouldAllBe(i => i.Media.SizeBytes == bytesOf(i.Media.Path).Length);

        var again = new CountingStore(media());
        (await DedupAsync(again, analyzer, root)).Pairs.Count.ShouldBe(3);
        keys.Select(k => again.Opens.GetValueOrDefault(k)).ShouldBe([1, 1, 1]); // hashed: still the same bytes?
        analyzer.Analysed.ShouldBe(3);                                          // not decoded again
    }

    [Fact]
    public async Task FromAFolderANewImageIsReadOnceAndAnUnchangedOneIsOnlyHashed()
    {
        var photos = Photos();
        var keys = Names.Select(n => Path.Combine(photos, n)).ToList();
        await ReadsOnceAsync(() => LocalFolderMediaStore.Instance, photos, keys, File.ReadAllBytes);
    }

    [Fact]
    public async Task FromABlobContainerANewImageIsReadOnceAndAnUnchangedOneIsOnlyHashed()
    {
        azurite.Require();
        var container = await azurite.CreateContainerAsync("reads");
        var bytes = Names.ToDictionary(n => "photos/" + n, n => System.Text.Encoding.UTF8.GetBytes("bytes of " + n));
        foreach (var (key, content) in bytes)
            await container.UploadBlobAsync(key, new BinaryData(content), Ct);
        var address = BlobAddress.Parse($"az://{container.Name}", azurite.ConnectionString);
        await ReadsOnceAsync(() => new AzureBlobMediaStore(address, ImageScanner.ImageExtensions), "photos",
            bytes.Keys.Order(StringComparer.Ordinal).ToList(), key => bytes[key]);
    }

    /// <summary>The stored hash is that of the bytes analysed, whenever the file changed: between the listing and the
    /// analysis of a new file, or between the hashing of a changed one (registration) and its analysis.</summary>
    [Fact]
    public async Task AnAnalysisIsStoredUnderTheHashOfTheBytesItRead()
    {
        var photos = Photos();
        var a = Path.Combine(photos, "a.jpg");
        var analyzer = Analyzer();
        var store = new CountingStore(LocalFolderMediaStore.Instance) { BeforeOpen = key => { if (key == a) File.WriteAllText(a, "new bytes of a, longer"); } };
        var outcome = await DedupAsync(store, analyzer, photos);
        outcome.Images.Single(i => i.Media.Path == a).Media.ContentHash.ShouldBe(ContentHash.OfFile(a));
        outcome.Images.Single(i => i.Media.Path == a).Media.SizeBytes.ShouldBe(new FileInfo(a).Length);

        // Changed in place (same size, so registration hashes it and finds it changed), then again before the analysis.
        File.WriteAllText(a, "NEW BYTES OF A, LONGER");
        int opens = 0;
        store.BeforeOpen = key => { if (key == a && ++opens == 2) File.WriteAllText(a, "third bytes of a......"); };
        outcome = await DedupAsync(store, analyzer, photos);
        opens.ShouldBe(2);
        outcome.Images.Single(i => i.Media.Path == a).Media.ContentHash.ShouldBe(ContentHash.OfBytes("third bytes of a......"u8));
        analyzer.Analysed.ShouldBe(4);
    }

    /// <summary>
    /// A distributed chunk's job, killed or failed at any point, is run again (WorkerFaultTests). The hash of a new image
    /// is written only with its analysis, in the chunk's one unit of work: an attempt that dies before its commit leaves
    /// the images pending and unread (and a registration in between, as a set queued again, still reads nothing); the
    /// retry reads each image once and stores faces and hash once; one that dies after its commit leaves nothing pending,
    /// so its retry reads nothing, and a later registration finds every image unchanged with its faces kept.
    /// </summary>
    [Fact]
    public async Task AChunkKilledBeforeOrAfterItsCommitIsRetriedWithOneReadPerImage()
    {
        var photos = Photos();
        var store = new CountingStore(LocalFolderMediaStore.Instance);
        var analyzer = Analyzer();
        await using var db = SqliteDatabase.Open(Path.Combine(_dir, "c.db"));
        var stores = db.For(TenantId.Default);
        var registered = await new RegisterMediaHandler(stores, store).HandleAsync([photos], Ct);
        registered.Media.ShouldAllBe(m => m.Registration.Change == MediaChange.New && m.Registration.Media.ContentHash == ContentHash.NotRead);
        store.Opens.ShouldBeEmpty();
        var ids = registered.Media.Select(m => m.Registration.Media.Id).ToList();
        long run = await stores.Runs.StartAsync("dedup", "{}", ids.Count, Ct);
        // As DedupWork.AnalyseChunk runs it: the chunk's pending media in one batch, one unit of work.
        async Task AnalyseAsync() =>
            await new AnalyseMediaHandler(stores, store, analyzer).HandleAsync(await stores.Media.ListAsync(MediaState.Pending, cancellationToken: Ct), run, batchSize: ids.Count, null, Ct);

        var c = Path.Combine(photos, "c.jpg");
        store.BeforeOpen = key => { if (key == c) throw new OperationCanceledException("the worker was killed"); };
        await Should.ThrowAsync<OperationCanceledException>(AnalyseAsync);
        var media = await stores.Media.GetManyAsync(ids, Ct);
        media.ShouldAllBe(m => m.State == MediaState.Pending && m.ContentHash == ContentHash.NotRead);
        (await stores.Faces.ListOfMediaAsync(ids, Ct)).ShouldBeEmpty();
        store.Opens.Values.ShouldAllBe(n => n == 1); // a, b read and c opened before the kill: never twice in one attempt
        store.Opens.Clear();
        (await new RegisterMediaHandler(stores, store).HandleAsync([photos], Ct)).Media.ShouldAllBe(m => m.Registration.Change == MediaChange.Unchanged);
        store.Opens.ShouldBeEmpty();

        store.BeforeOpen = null;
        await AnalyseAsync();
        Names.Select(n => store.Opens.GetValueOrDefault(Path.Combine(photos, n))).ShouldBe([1, 1, 1]);
        media = await stores.Media.GetManyAsync(ids, Ct);
        media.ShouldAllBe(m => m.State == MediaState.Done && m.ContentHash == ContentHash.OfFile(m.Path) && m.SizeBytes == new FileInfo(m.Path).Length);
        var faces = await stores.Faces.ListOfMediaAsync(ids, Ct);
        faces.Count.ShouldBe(3);

        // Killed after the commit, before the chunk was marked done: the retry finds nothing pending and reads nothing.
        store.Opens.Clear();
        await AnalyseAsync();
        store.Opens.ShouldBeEmpty();
        (await new RegisterMediaHandler(stores, store).HandleAsync([photos], Ct)).Media.ShouldAllBe(m => m.Registration.Change == MediaChange.Unchanged);
        (await stores.Faces.ListOfMediaAsync(ids, Ct)).Select(f => f.Id).ShouldBe(faces.Select(f => f.Id));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        GC.SuppressFinalize(this);
    }
}
