using System.Collections.Concurrent;
using Doppel.Application.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Doppel.Storage.Media;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;

namespace Doppel.Application.Tests;

/// <summary>
/// How often a dedup reads each image (issue 9, "read each image once per job"), counted, not timed: the media
/// store's opens (hashing at registration) and the pipeline's decodes. Measured 2026-12-07: a new image is read
/// twice, hashed when registered then decoded by the analyser; a re-run only hashes it (its content hash says it
/// is known), and neither the embed-missing step nor matching reads it again.
/// </summary>
public class ReadsPerImageTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDir("doppel-reads");

    /// <summary>The local folder store, counting each key's opens.</summary>
    private sealed class CountingStore : IScanningMediaStore
    {
        public ConcurrentDictionary<string, int> Opens { get; } = new();

        public string Source => LocalFolderMediaStore.Instance.Source;

        public IAsyncEnumerable<MediaObject> ListAsync(string rootOrPrefix, CancellationToken cancellationToken = default) =>
            LocalFolderMediaStore.Instance.ListAsync(rootOrPrefix, cancellationToken);

        public MediaListing ListAll(IReadOnlyList<string> roots) => LocalFolderMediaStore.Instance.ListAll(roots);

        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
        {
            Opens.AddOrUpdate(key, 1, (_, n) => n + 1);
            return LocalFolderMediaStore.Instance.OpenReadAsync(key, cancellationToken);
        }

        public Task<MediaObject?> StatAsync(string key, CancellationToken cancellationToken = default) =>
            LocalFolderMediaStore.Instance.StatAsync(key, cancellationToken);
    }

    [Fact]
    public async Task ANewImageIsHashedOnceAndDecodedOnceAndARerunOnlyHashesIt()
    {
        var photos = Directory.CreateDirectory(Path.Combine(_dir, "photos")).FullName;
        string[] names = ["a.jpg", "b.jpg", "c.jpg"];
        foreach (var name in names)
            File.WriteAllText(Path.Combine(photos, name), "bytes of " + name);
        var analyzer = new ScriptedAnalyzer(new Dictionary<string, float[]>
        {
            ["a.jpg"] = ScriptedAnalyzer.At(20), ["b.jpg"] = ScriptedAnalyzer.At(-20), ["c.jpg"] = ScriptedAnalyzer.At(0),
        });
        var keys = names.Select(n => Path.Combine(photos, n)).ToList();

        var first = new CountingStore();
        await using (var db = SqliteDatabase.Open(Path.Combine(_dir, "c.db")))
            (await new DedupSetHandler(db, TenantId.Default, first, analyzer).HandleAsync(new DedupSetCommand { Roots = [photos] }, TestContext.Current.CancellationToken))
                .Pairs.Count.ShouldBe(3);
        keys.Select(k => first.Opens.GetValueOrDefault(k)).ShouldBe([1, 1, 1]); // hashed once each
        analyzer.Analysed.ShouldBe(3);                                          // decoded once each
        first.Opens.Keys.Order().ShouldBe(keys.Order());                        // nothing else was opened

        var again = new CountingStore();
        await using (var db = SqliteDatabase.Open(Path.Combine(_dir, "c.db")))
            (await new DedupSetHandler(db, TenantId.Default, again, analyzer).HandleAsync(new DedupSetCommand { Roots = [photos] }, TestContext.Current.CancellationToken))
                .Pairs.Count.ShouldBe(3);
        keys.Select(k => again.Opens.GetValueOrDefault(k)).ShouldBe([1, 1, 1]);
        analyzer.Analysed.ShouldBe(3); // not decoded again
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
