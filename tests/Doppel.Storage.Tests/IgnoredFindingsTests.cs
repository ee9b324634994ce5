namespace Doppel.Storage.Tests;

public class IgnoredFindingsTests
{
    [Fact]
    public void NotDuplicateVerdictSurvivesAMoveAndHidesThePairInLaterRuns()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        var a = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 1).Media.Id;
        var b = catalog.RegisterMedia("/p/b.jpg", TempCatalog.Hash("b"), 1).Media.Id;
        var c = catalog.RegisterMedia("/p/c.jpg", TempCatalog.Hash("c"), 1).Media.Id;
        var firstSet = catalog.CreateDedupSet(null);
        catalog.AddFindings(firstSet, [new NewFinding(a, b, null, null, 0.95f, "{}"), new NewFinding(a, c, null, null, 0.94f, "{}")]);
        var ab = catalog.GetFindings(firstSet)[0];

        catalog.SetFindingStatus(ab.Id, FindingStatus.NotDuplicate, decidedBy: "alice");

        var ignored = catalog.ListIgnoredPairs().Single();
        (ignored.Reason, ignored.CreatedBy).ShouldBe(("marked not duplicate", "alice"));
        catalog.IsIgnored(TempCatalog.Hash("b"), TempCatalog.Hash("a")).ShouldBeTrue();

        // b is moved; a later run finds the same two pictures again.
        catalog.RegisterMedia("/archive/b-renamed.jpg", TempCatalog.Hash("b"), 1, pathExists: p => p != "/p/b.jpg").Change.ShouldBe(MediaChange.Moved);
        var secondSet = catalog.CreateDedupSet(null);
        catalog.AddFindings(secondSet, [new NewFinding(b, a, null, null, 0.951f, "{}"), new NewFinding(c, a, null, null, 0.94f, "{}")]);

        catalog.GetFindings(secondSet).Count.ShouldBe(2);
        var shown = catalog.GetFindings(secondSet, skipIgnored: true).Single();
        (shown.MediaA, shown.MediaB).ShouldBe((a, c));
    }

    [Fact]
    public void ConfirmedVerdictIgnoresNothing()
    {
        using var temp = new TempCatalog();
        using var catalog = temp.Open();
        var a = catalog.RegisterMedia("/p/a.jpg", TempCatalog.Hash("a"), 1).Media.Id;
        var b = catalog.RegisterMedia("/p/b.jpg", TempCatalog.Hash("b"), 1).Media.Id;
        var set = catalog.CreateDedupSet(null);
        catalog.AddFindings(set, [new NewFinding(a, b, null, null, 0.95f, "{}")]);
        catalog.SetFindingStatus(catalog.GetFindings(set)[0].Id, FindingStatus.Confirmed);
        catalog.ListIgnoredPairs().ShouldBeEmpty();
        catalog.GetFindings(set, skipIgnored: true).Count.ShouldBe(1);
    }

    [Fact]
    public void DefaultCatalogPathFollowsTheEnvironment()
    {
        var previous = Environment.GetEnvironmentVariable("DOPPEL_CATALOG");
        try
        {
            Environment.SetEnvironmentVariable("DOPPEL_CATALOG", "/srv/doppel/catalog.db");
            Doppel.Storage.Sqlite.SqliteCatalog.DefaultPath.ShouldBe("/srv/doppel/catalog.db");
            Environment.SetEnvironmentVariable("DOPPEL_CATALOG", null);
            Doppel.Storage.Sqlite.SqliteCatalog.DefaultPath.ShouldEndWith(Path.Combine(".local", "share", "doppel", "catalog.db"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOPPEL_CATALOG", previous);
        }
    }
}
