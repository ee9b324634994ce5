using Doppel.Application.Findings;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;

namespace Doppel.Application.Tests;

/// <summary>A reviewer's verdict on a finding: "not the same person" goes on the ignore list by content hash, with the
/// verdict, in one unit of work; "confirmed" ignores nothing.</summary>
public class ReviewFindingHandlerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Hash(string content) => ContentHash.OfBytes(System.Text.Encoding.UTF8.GetBytes(content));

    /// <summary>Two registered images and a set holding their one finding.</summary>
    private static async Task<(ITenantStores Stores, Finding Finding)> Seed(IDoppelDatabase db)
    {
        var s = db.For(TenantId.Default);
        var media = await s.Media.RegisterAsync(
            [new MediaEntry(new MediaKey(MediaSources.File, "/p/a.jpg"), Hash("a"), 1), new MediaEntry(new MediaKey(MediaSources.File, "/p/b.jpg"), Hash("b"), 1)], Ct);
        var set = await s.Dedup.CreateSetAsync(null, DedupSet.DefaultGroup, null, Ct);
        await s.Dedup.AddFindingsAsync(set.Id, [new NewFinding(media[0].Media.Id, media[1].Media.Id, null, null, 0.95f, "{}")], Ct);
        return (s, (await s.Dedup.GetFindingsAsync(set.Id, null, Ct)).Single());
    }

    [Fact]
    public async Task NotDuplicateIgnoresThePairByContentHashWithTheVerdict()
    {
        await using var db = SqliteDatabase.Open(Path.Combine(RepoPaths.NewTempDir("doppel-review"), "c.db"));
        var (s, finding) = await Seed(db);

        await new ReviewFindingHandler(s).HandleAsync(new ReviewFindingCommand(finding.Id, FindingStatus.NotDuplicate, DecidedBy: "alice"), DedupSet.DefaultGroup, Ct);

        (await s.Dedup.GetFindingAsync(finding.Id, Ct))!.Status.ShouldBe(FindingStatus.NotDuplicate);
        var ignored = (await s.IgnoredPairs.ListAsync(Ct)).Single();
        (ignored.Reason, ignored.CreatedBy).ShouldBe(("marked not duplicate", "alice"));
        (await s.IgnoredPairs.ContainsAsync(Hash("b"), Hash("a"), Ct)).ShouldBeTrue();
        (await s.Dedup.GetFindingsAsync(finding.SetId, new FindingQuery { SkipIgnored = true }, Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ConfirmedIgnoresNothing()
    {
        await using var db = SqliteDatabase.Open(Path.Combine(RepoPaths.NewTempDir("doppel-review"), "c.db"));
        var (s, finding) = await Seed(db);

        await new ReviewFindingHandler(s).HandleAsync(new ReviewFindingCommand(finding.Id, FindingStatus.Confirmed), DedupSet.DefaultGroup, Ct);

        (await s.Dedup.GetFindingAsync(finding.Id, Ct))!.Status.ShouldBe(FindingStatus.Confirmed);
        (await s.IgnoredPairs.ListAsync(Ct)).ShouldBeEmpty();
        (await s.Dedup.GetFindingsAsync(finding.SetId, new FindingQuery { SkipIgnored = true }, Ct)).Count.ShouldBe(1);
    }
}
