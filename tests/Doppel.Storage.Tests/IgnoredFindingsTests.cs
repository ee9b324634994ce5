using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

/// <summary>The ignore list is kept by content hash, so a pair a reviewer called "not the same person" stays hidden after
/// either file moves. (That a "not duplicate" verdict puts the pair there, and "confirmed" does not, is the review use
/// case's rule: ReviewFindingHandlerTests.)</summary>
public class IgnoredFindingsTests
{
    [Fact]
    public async Task AnIgnoredPairSurvivesAMoveAndIsHiddenInLaterRuns()
    {
        using var temp = new TempCatalog();
        await using var db = temp.Open();
        var s = Stores(db);
        var media = await s.Media.RegisterAsync([Entry("/p/a.jpg", "a"), Entry("/p/b.jpg", "b"), Entry("/p/c.jpg", "c")], Ct);
        var (a, b, c) = (media[0].Media.Id, media[1].Media.Id, media[2].Media.Id);
        var firstSet = await s.Dedup.CreateSetAsync(null, DedupSet.DefaultGroup, null, Ct);
        await s.Dedup.AddFindingsAsync(firstSet.Id, [new NewFinding(a, b, null, null, 0.95f, "{}"), new NewFinding(a, c, null, null, 0.94f, "{}")], Ct);

        (await s.IgnoredPairs.AddAsync(Hash("a"), Hash("b"), "marked not duplicate", "alice", Ct)).ShouldBeTrue();
        (await s.IgnoredPairs.ContainsAsync(Hash("b"), Hash("a"), Ct)).ShouldBeTrue();

        // b is moved; a later run finds the same two pictures again.
        (await Register(s, Entry("/archive/b-renamed.jpg", "b", movedFrom: "/p/b.jpg"))).Change.ShouldBe(MediaChange.Moved);
        var secondSet = await s.Dedup.CreateSetAsync(null, DedupSet.DefaultGroup, null, Ct);
        await s.Dedup.AddFindingsAsync(secondSet.Id, [new NewFinding(b, a, null, null, 0.951f, "{}"), new NewFinding(c, a, null, null, 0.94f, "{}")], Ct);

        (await s.Dedup.GetFindingsAsync(secondSet.Id, null, Ct)).Count.ShouldBe(2);
        var shown = (await s.Dedup.GetFindingsAsync(secondSet.Id, new FindingQuery { SkipIgnored = true }, Ct)).Single();
        (shown.MediaA, shown.MediaB).ShouldBe((a, c));
    }
}
