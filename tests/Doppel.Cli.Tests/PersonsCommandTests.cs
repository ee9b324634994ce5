using Doppel.Storage;

namespace Doppel.Cli.Tests;

/// <summary>A reviewer's decisions on persons through the CLI: names, merges, splits, pins and
/// not-duplicate pairs all survive <c>recluster</c>, a re-run of <c>dedup</c> and <c>recognize</c>.</summary>
public class PersonsCommandTests
{
    private static readonly string[] FivePeople = ["Jennifer_Lopez", "Paul_Wolfowitz", "Ricardo_Lagos", "Tang_Jiaxuan", "Zhu_Rongji"];

    [Fact]
    public void NamesMergesSplitsPinsAndIgnoredPairsSurviveReclusterAndDedup()
    {
        var dir = LfwCorpus.Identities("doppel-persons", FivePeople, 6);
        Ok(dir, "dedup", "photos", "--db", "c.db");
        Ok(dir, "recognize", "--db", "c.db");

        long lopez, wolfowitz, lagos, tang;
        long[] mergedFaces, splitFaces;
        long pinnedFace;
        using (var catalog = Open(dir))
        {
            lopez = PersonOf(catalog, "Jennifer_Lopez");
            wolfowitz = PersonOf(catalog, "Paul_Wolfowitz");
            lagos = PersonOf(catalog, "Ricardo_Lagos");
            tang = PersonOf(catalog, "Tang_Jiaxuan");
            new[] { lopez, wolfowitz, lagos, tang }.Distinct().Count().ShouldBe(4);
            mergedFaces = catalog.ListFaces().Where(f => f.PersonId == wolfowitz || f.PersonId == lagos).Select(f => f.Id).ToArray();
            splitFaces = catalog.ListFaces().Where(f => f.PersonId == tang).Select(f => f.Id).Take(2).ToArray();
            pinnedFace = catalog.ListFaces().First(f => Identity(catalog, f) == "Zhu_Rongji").Id;
        }

        Ok(dir, "persons", "rename", lopez.ToString(), "Jennifer", "--db", "c.db");
        Ok(dir, "persons", "merge", wolfowitz.ToString(), lagos.ToString(), "--db", "c.db").ShouldContain($"Person {lagos} merged into {wolfowitz}");
        var split = Ok(dir, "persons", "split", tang.ToString(), "--faces", string.Join(",", splitFaces), "--name", "Tang-2", "--db", "c.db");
        split.ShouldContain("2 faces split off");
        Ok(dir, "persons", "pin", pinnedFace.ToString(), lopez.ToString(), "--db", "c.db");
        var findings = Ok(dir, "findings", "list", "--db", "c.db", "--format", "csv").Trim().Split('\n');
        findings.Length.ShouldBeGreaterThan(1);
        var ignored = findings[1].Split(',');
        Ok(dir, "findings", "not-duplicate", ignored[0], "--db", "c.db");

        long splitPerson;
        using (var catalog = Open(dir))
        {
            splitPerson = catalog.ListPersons().Single(p => p.Name == "Tang-2").Id;
            Ok(dir, "persons", "show", splitPerson.ToString(), "--db", "c.db").ShouldContain($"{splitFaces[0]}  ");
        }

        Ok(dir, "recluster", "--db", "c.db");
        Ok(dir, "dedup", "photos", "--db", "c.db").ShouldContain("processed this run: 0");
        Ok(dir, "recognize", "--db", "c.db");
        Ok(dir, "recluster", "--db", "c.db");

        using (var catalog = Open(dir))
        {
            catalog.GetPerson(lopez)!.Name.ShouldBe("Jennifer");
            catalog.GetPerson(lagos).ShouldBeNull();
            foreach (var face in mergedFaces)
                catalog.GetFace(face)!.PersonId.ShouldBe(wolfowitz, $"merged face {face}");
            catalog.GetPerson(splitPerson)!.Name.ShouldBe("Tang-2");
            foreach (var face in splitFaces)
                catalog.GetFace(face)!.PersonId.ShouldBe(splitPerson, $"split face {face}");
            catalog.GetFace(pinnedFace)!.PersonId.ShouldBe(lopez);
            catalog.ListPersonDecisions().Select(d => (d.Kind, d.PersonId, d.OtherPersonId))
                .ShouldBe([(PersonDecisionKind.Merge, wolfowitz, lagos), (PersonDecisionKind.Split, splitPerson, tang)]);
        }
        var after = Ok(dir, "findings", "list", "--db", "c.db", "--format", "csv").Trim().Split('\n');
        after.Length.ShouldBe(findings.Length - 1);
        after.ShouldNotContain(r => r.Contains(ignored[1] + "," + ignored[2]));
        var list = Ok(dir, "persons", "list", "--db", "c.db");
        list.ShouldContain("Jennifer");
        list.ShouldContain("Tang-2");
    }

    [Fact]
    public void BadMergesAndSplitsAreOneLineErrors()
    {
        var dir = LfwCorpus.Identities("doppel-persons-errors", FivePeople.Take(2).ToArray(), 4);
        Ok(dir, "run", "--all", "photos", "--db", "c.db");
        long first, other;
        long[] foreignFace;
        using (var catalog = Open(dir))
        {
            var persons = catalog.ListFaces().Where(f => f.PersonId != null).GroupBy(f => f.PersonId!.Value).ToList();
            persons.Count.ShouldBeGreaterThanOrEqualTo(2);
            (first, other) = (persons[0].Key, persons[1].Key);
            foreignFace = [persons[1].First().Id];
        }

        Fails(dir, "persons", "merge", first.ToString(), first.ToString(), "--db", "c.db").ShouldContain("into itself");
        Fails(dir, "persons", "merge", first.ToString(), "9999", "--db", "c.db").ShouldContain("Person id 9999");
        Fails(dir, "persons", "split", first.ToString(), "--faces", foreignFace[0].ToString(), "--db", "c.db").ShouldContain($"it is in person {other}");
        Fails(dir, "persons", "split", first.ToString(), "--faces", "1,x", "--db", "c.db").ShouldContain("'x' in --faces is not a face id");
        Fails(dir, "persons", "merge", "1", "2", "--db", "none.db").ShouldContain("No catalog at none.db");
        using var after = Open(dir);
        after.ListPersonDecisions().ShouldBeEmpty();
    }

    private static CatalogProbe Open(string dir) => CatalogProbe.Open(Path.Combine(dir, "c.db"));

    private static string Identity(CatalogProbe catalog, FaceRecord face) => LfwCorpus.IdentityOf(catalog.GetMedia(face.MediaId)!.Path);

    /// <summary>The person holding most of an identity's faces.</summary>
    private static long PersonOf(CatalogProbe catalog, string identity) => catalog.ListFaces()
        .Where(f => f.PersonId != null && Identity(catalog, f) == identity)
        .GroupBy(f => f.PersonId!.Value).MaxBy(g => g.Count())!.Key;

    private static string Ok(string dir, params string[] args)
    {
        var result = DoppelProcess.Run(dir, args);
        result.ExitCode.ShouldBe(0, $"doppel {string.Join(' ', args)}: {result.Error}");
        return result.Output;
    }

    private static string Fails(string dir, params string[] args)
    {
        var result = DoppelProcess.Run(dir, args);
        result.ExitCode.ShouldBe(1, $"doppel {string.Join(' ', args)} should fail");
        result.Error.ShouldStartWith("error: ");
        result.Error.Trim().Split('\n').Length.ShouldBe(1, result.Error);
        return result.Error;
    }
}
