using Doppel.Application.Dedup;
using Doppel.Application.Findings;
using Doppel.Application.Persons;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Matching.Persons;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Microsoft.Data.Sqlite;

namespace Doppel.Application.Tests;

/// <summary>
/// The dedup use case through its handler on a real SQLite file and real files in a folder, with a scripted
/// pipeline: catalog growth (an unchanged re-run stores a set, not a copy of its findings), reviews in one unit
/// of work, the ignore list as a cannot-link in groups, and resuming.
/// </summary>
public class DedupSetHandlerTests : IDisposable
{
    private readonly string _dir = RepoPaths.NewTempDir("doppel-app-dedup");
    private readonly ScriptedAnalyzer _analyzer = new(new Dictionary<string, float[]>
    {
        ["a.jpg"] = ScriptedAnalyzer.At(20), ["b.jpg"] = ScriptedAnalyzer.At(-20), ["c.jpg"] = ScriptedAnalyzer.At(0), ["d.jpg"] = ScriptedAnalyzer.At(90),
        ["e.jpg"] = ScriptedAnalyzer.At(95), ["c2.jpg"] = ScriptedAnalyzer.At(1),
    });

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Photos => Path.Combine(_dir, "photos");

    private string DbPath => Path.Combine(_dir, "catalog.db");

    private void Write(params string[] names)
    {
        Directory.CreateDirectory(Photos);
        foreach (var name in names)
            File.WriteAllText(Path.Combine(Photos, name), "bytes of " + name);
    }

    private async Task<DedupOutcome> Dedup()
    {
        await using var db = SqliteDatabase.Open(DbPath);
        return await new DedupSetHandler(db, TenantId.Default, LocalFolderMediaStore.Instance, _analyzer)
            .HandleAsync(new DedupSetCommand { Roots = [Photos] }, Ct);
    }

    private long Count(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task AnUnchangedRerunStoresASetButNoFindingAgain()
    {
        Write("a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg");
        var first = await Dedup();
        first.Pairs.Count.ShouldBe(4); // a-c, b-c, a-b, d-e
        Count("SELECT COUNT(*) FROM findings").ShouldBe(4);

        for (int run = 0; run < 3; run++)
        {
            var again = await Dedup();
            again.ProcessedThisRun.ShouldBe(0);
            again.Pairs.Count.ShouldBe(4);
        }
        _analyzer.Analysed.ShouldBe(5);
        Count("SELECT COUNT(*) FROM findings").ShouldBe(4);           // history as sets, not copies
        Count("SELECT COUNT(*) FROM dedup_sets").ShouldBe(4);
        Count("SELECT COUNT(*) FROM dedup_sets WHERE findings_set_id IS NOT NULL").ShouldBe(3);

        // A reviewer's "not the same person" does not make the next run copy the rest either.
        await using (var db = SqliteDatabase.Open(DbPath))
        {
            var stores = db.For(TenantId.Default);
            var ab = (await new ListFindingsHandler(stores).HandleAsync(DedupSet.DefaultGroup, null, Ct))
                .Single(f => f.A.Path.EndsWith("a.jpg", StringComparison.Ordinal) && f.B.Path.EndsWith("b.jpg", StringComparison.Ordinal));
            await new ReviewFindingHandler(stores).HandleAsync(new ReviewFindingCommand(ab.Finding.Id, FindingStatus.NotDuplicate, "twins", "rev"), DedupSet.DefaultGroup, Ct);
        }
        var reviewed = await Dedup();
        reviewed.Pairs.Count.ShouldBe(3);
        Count("SELECT COUNT(*) FROM findings").ShouldBe(4);
        await using (var db = SqliteDatabase.Open(DbPath))
            (await new ListFindingsHandler(db.For(TenantId.Default)).HandleAsync(DedupSet.DefaultGroup, null, Ct)).Count.ShouldBe(3);

        // A new image that changes the findings gives the new set rows of its own.
        File.WriteAllText(Path.Combine(Photos, "c2.jpg"), "other bytes");
        var changed = await Dedup();
        changed.ProcessedThisRun.ShouldBe(1);
        changed.Pairs.Count.ShouldBe(6); // c2 matches a, b and c
        Count("SELECT COUNT(*) FROM findings").ShouldBe(4 + changed.Pairs.Count);
    }

    [Fact]
    public async Task ImagesMarkedDifferentNeverShareAGroupThroughAThird()
    {
        Write("a.jpg", "b.jpg", "c.jpg");
        var first = await Dedup();
        var id = first.Images.ToDictionary(i => i.File.RelativePath, i => i.Media.Id);
        first.Pairs.Count.ShouldBe(3); // c matches a and b (0.94), a and b each other less (0.77)
        first.Groups.ShouldHaveSingleItem().Order().ShouldBe(new[] { id["a.jpg"], id["b.jpg"], id["c.jpg"] }.Order());

        await using (var db = SqliteDatabase.Open(DbPath))
        {
            var stores = db.For(TenantId.Default);
            var ab = (await stores.Dedup.GetFindingsAsync(first.DedupSetId, null, Ct)).Single(f => f.MediaA == id["a.jpg"] && f.MediaB == id["b.jpg"]);
            await new ReviewFindingHandler(stores).HandleAsync(new ReviewFindingCommand(ab.Id, FindingStatus.NotDuplicate), DedupSet.DefaultGroup, Ct);
            // Status and ignore entry were written together.
            (await stores.Dedup.GetFindingAsync(ab.Id, Ct))!.Status.ShouldBe(FindingStatus.NotDuplicate);
            (await stores.IgnoredPairs.ListAsync(Ct)).ShouldHaveSingleItem().Reason.ShouldBe("marked not duplicate");
        }

        var second = await Dedup();
        second.Pairs.Select(p => (p.MediaA, p.MediaB)).Order().ShouldBe(new[] { (id["a.jpg"], id["c.jpg"]), (id["b.jpg"], id["c.jpg"]) }.Order());
        foreach (var group in second.Groups)
            (group.Contains(id["a.jpg"]) && group.Contains(id["b.jpg"])).ShouldBeFalse($"a and b share group [{string.Join(", ", group)}]");
        // c goes with one of them (the first of two equal scores, by ids), the other stands alone.
        second.Groups.ShouldHaveSingleItem().Order().ShouldBe(new[] { id["a.jpg"], id["c.jpg"] }.Order());
    }

    [Fact]
    public async Task AReviewOfAFindingNotInTheLatestSetIsRefusedAndWritesNothing()
    {
        Write("a.jpg", "c.jpg");
        var first = await Dedup();
        await using var db = SqliteDatabase.Open(DbPath);
        var stores = db.For(TenantId.Default);
        var error = await Should.ThrowAsync<RecordNotFoundException>(() =>
            new ReviewFindingHandler(stores).HandleAsync(new ReviewFindingCommand(999, FindingStatus.NotDuplicate), DedupSet.DefaultGroup, Ct));
        error.Message.ShouldContain("No finding 999");
        (await stores.IgnoredPairs.ListAsync(Ct)).ShouldBeEmpty();
        first.Pairs.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task AMovedFileKeepsItsRecordAndACopyIsAFileOfItsOwn()
    {
        Write("a.jpg", "c.jpg");
        var first = await Dedup();
        var idOfA = first.Images.Single(i => i.File.RelativePath == "a.jpg").Media.Id;
        File.Move(Path.Combine(Photos, "a.jpg"), Path.Combine(Photos, "renamed-a.jpg"));
        File.Copy(Path.Combine(Photos, "c.jpg"), Path.Combine(Photos, "copy-of-c.jpg"));

        var second = await Dedup();
        second.Images.Single(i => i.File.RelativePath == "renamed-a.jpg").Media.Id.ShouldBe(idOfA);
        second.ProcessedThisRun.ShouldBe(1); // only the copy: the moved file keeps its faces
        second.Images.Count.ShouldBe(3);
    }

    [Fact]
    public async Task ASecondDedupWhileTheLeaseIsHeldFailsNamingTheHolder()
    {
        Write("a.jpg");
        await using var db = SqliteDatabase.Open(DbPath);
        await using var held = await HeldLease.AcquireAsync(db, "ingest", "someone else's dedup", cancellationToken: Ct);
        var error = await Should.ThrowAsync<CatalogLockedException>(() =>
            new DedupSetHandler(db, TenantId.Default, LocalFolderMediaStore.Instance, _analyzer).HandleAsync(new DedupSetCommand { Roots = [Photos] }, Ct));
        error.Message.ShouldContain("someone else's dedup");
        error.Message.ShouldContain(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
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

    [Fact]
    public async Task MinQualityTakesLowQualityFacesOutOfMatchingFromStoredValues()
    {
        // c sits between a and b and matches both; its face scores 0.1, below the 0.3 floor.
        var analyzer = new ScriptedAnalyzer(new Dictionary<string, float[]>
        {
            ["a.jpg"] = ScriptedAnalyzer.At(20), ["b.jpg"] = ScriptedAnalyzer.At(-20), ["c.jpg"] = ScriptedAnalyzer.At(0),
        }, new Dictionary<string, float> { ["c.jpg"] = 0.1f });
        Write("a.jpg", "b.jpg", "c.jpg");
        async Task<DedupOutcome> Run(float? minQuality)
        {
            await using var db = SqliteDatabase.Open(DbPath);
            return await new DedupSetHandler(db, TenantId.Default, LocalFolderMediaStore.Instance, analyzer)
                .HandleAsync(new DedupSetCommand { Roots = [Photos], MinQuality = minQuality }, Ct);
        }

        var gated = await Run(0.3f);
        var c = gated.Images.Single(i => i.Media.Path.EndsWith("c.jpg", StringComparison.Ordinal)).Media.Id;
        gated.Pairs.Count.ShouldBe(1);                              // a-b only
        gated.Pairs.ShouldAllBe(p => p.MediaA != c && p.MediaB != c);
        gated.LowQuality.Keys.ShouldBe([c]);
        gated.LowQuality[c].ShouldBe(0.1f, 1e-6f);
        gated.MinQuality.ShouldBe(0.3f);
        gated.Faces.Count.ShouldBe(3);                              // c's face is stored, only not matched

        // Another floor on the same catalog is decided from the stored qualities: nothing is analysed again.
        var open = await Run(null);
        analyzer.Analysed.ShouldBe(3);
        open.Pairs.Count.ShouldBe(3);
        open.LowQuality.ShouldBeEmpty();
        (await Run(0.05f)).Pairs.Count.ShouldBe(3);

        // Recognise with the same floor: c takes no part, a and b (cosine 0.77) found a person of two.
        await using var db = SqliteDatabase.Open(DbPath);
        var persons = await new RecognizeHandler(db, TenantId.Default) { MinQuality = 0.3f }
            .HandleAsync(analyzer.EmbeddingModel, new PersonOptions(MaxDistance: 0.3f, MinFaces: 2), recluster: false, Ct);
        persons.LowQuality.ShouldBe(1);
        persons.Faces.ShouldBe(2);
        persons.Assigned.ShouldBe(2);
        var faceOfC = (await db.For(TenantId.Default).Faces.ListOfMediaAsync([c], Ct)).Single();
        faceOfC.PersonId.ShouldBeNull();
    }
}
