using Doppel.Application.Dedup;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Doppel.Storage.Media;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;

namespace Doppel.Application.Tests;

/// <summary>Issue 12 rows 1-3 and 8 on the application path (register → dedup set): every entry the folder
/// listing passes over reaches the outcome with its status, and a file that cannot be read does not fail the run:
/// passed over as unreadable when hashed at registration, status unreadable when first read by the analysis.</summary>
public class HostileRegisterTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDir("doppel-app-hostile");
    private readonly ScriptedAnalyzer _analyzer = new(new Dictionary<string, float[]>
    {
        ["a.jpg"] = ScriptedAnalyzer.At(0), ["b.jpg"] = ScriptedAnalyzer.At(5), ["c.jpg"] = ScriptedAnalyzer.At(90),
    });

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Photos => Path.Combine(_dir, "photos");

    private string WritePhotos()
    {
        Directory.CreateDirectory(Photos);
        foreach (var name in new[] { "a.jpg", "b.jpg", "c.jpg" })
            File.WriteAllText(Path.Combine(Photos, name), "bytes of " + name);
        return Photos;
    }

    private async Task<DedupOutcome> Dedup(IMediaStore media, params string[] roots)
    {
        await using var db = SqliteDatabase.Open(Path.Combine(_dir, "catalog.db"));
        return await new DedupSetHandler(db, TenantId.Default, media, _analyzer).HandleAsync(new DedupSetCommand { Roots = roots }, Ct);
    }

    [Fact]
    public async Task EveryPassedOverEntryReachesTheOutcomeWithItsStatus()
    {
        var planted = HostileFolder.Plant(WritePhotos());
        // The folder given twice and through a sub-path: each file is still registered once.
        var outcome = await Dedup(LocalFolderMediaStore.Instance, Photos, Photos + "/", Path.Combine(Photos, ".", ""));

        var skipped = outcome.Skipped.ToDictionary(e => e.RelativePath, e => e.Status.ToCode());
        foreach (var p in planted.Where(p => p.ScanStatus != "ok"))
            skipped.ShouldContainKeyAndValue(p.RelativePath, p.ScanStatus);
        outcome.Images.Select(i => Path.GetFileName(i.Media.Path)).Order(StringComparer.Ordinal).ShouldBe(["a.jpg", "b.jpg", "c.jpg", "phone.heic"]);
        outcome.Pairs.Count.ShouldBe(1); // a-b
    }

    [Fact]
    public async Task AFileUnreadableWhenReadIsNotFatal()
    {
        WritePhotos();
        // A new file is first read by the analysis: unreadable there, it is an image with that status.
        var outcome = await Dedup(new FailingReads(Path.Combine(Photos, "b.jpg")), Photos);
        outcome.Skipped.ShouldBeEmpty();
        var b = outcome.Images.Single(i => Path.GetFileName(i.Media.Path) == "b.jpg").Media;
        (b.ReasonCode, b.ContentHash).ShouldBe(("unreadable", ContentHash.NotRead));
        b.ReasonDetail.ShouldNotBeNull().ShouldContain("Permission denied");
        outcome.Pairs.ShouldBeEmpty();

        // A known file is hashed at registration: unreadable then, it is passed over.
        outcome = await Dedup(new FailingReads(Path.Combine(Photos, "a.jpg")), Photos);
        var entry = outcome.Skipped.ShouldHaveSingleItem();
        (entry.RelativePath, entry.Status).ShouldBe(("a.jpg", ScanStatus.Unreadable));
        entry.Detail.ShouldNotBeNull().ShouldContain("Permission denied");
        outcome.Images.Select(i => Path.GetFileName(i.Media.Path)).ShouldBe(["b.jpg", "c.jpg"], ignoreOrder: true);
    }

    /// <summary>The local store, except that one file cannot be opened (as a file whose permissions changed
    /// between listing and hashing).</summary>
    private sealed class FailingReads(string unreadable) : IScanningMediaStore
    {
        private static LocalFolderMediaStore Local => LocalFolderMediaStore.Instance;

        public string Source => Local.Source;

        public MediaListing ListAll(IReadOnlyList<string> roots) => Local.ListAll(roots);

        public IAsyncEnumerable<MediaObject> ListAsync(string rootOrPrefix, CancellationToken cancellationToken = default) =>
            Local.ListAsync(rootOrPrefix, cancellationToken);

        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) =>
            key == unreadable ? throw new UnauthorizedAccessException($"Access to the path '{key}' is denied: Permission denied") : Local.OpenReadAsync(key, cancellationToken);

        public Task<MediaObject?> StatAsync(string key, CancellationToken cancellationToken = default) => Local.StatAsync(key, cancellationToken);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}
