using Doppel.Application.Dedup;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Matching;
using Doppel.Models;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;

namespace Doppel.Jobs.Tests;

/// <summary>The main job end to end, through the handler <c>doppel dedup</c> calls (<see cref="DedupSetHandler"/>), on real
/// LFW photos with the default models and a real SQLite catalog.</summary>
public class DedupJobTests
{
    /// <summary>Five people with several photos each, plus a byte-identical copy and a file that is not an image.</summary>
    private static (string Dir, Dictionary<string, string> IdentityOf) MakeCorpus()
    {
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var dir = RepoPaths.NewTempDir("doppel-dedup");
        var identity = new Dictionary<string, string>();
        foreach (var person in new[] { "Colin_Powell", "Tony_Blair", "Aaron_Peirsol", "Abdullah_Gul", "Serena_Williams" })
            foreach (var file in Directory.GetFiles(Path.Combine(lfw, person)).Order(StringComparer.Ordinal).Take(4))
            {
                var name = Path.GetFileName(file);
                File.Copy(file, Path.Combine(dir, name));
                identity[name] = person;
            }
        var blair = Directory.GetFiles(dir, "Tony_Blair_*.jpg").Order(StringComparer.Ordinal).First();
        File.Copy(blair, Path.Combine(dir, "copy_of_blair.jpg"));
        identity["copy_of_blair.jpg"] = "Tony_Blair";
        File.WriteAllText(Path.Combine(dir, "notes.jpg"), "this is not a photo");
        return (dir, identity);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<DedupOutcome> Run(string dir, string db, SearchConfig? search = null)
    {
        await using var database = SqliteDatabase.Open(db);
        using var analyzer = new FacePipelineAnalyzer(FacePipeline.CreateDlib());
        return await new DedupSetHandler(database, TenantId.Default, LocalFolderMediaStore.Instance, analyzer)
            .HandleAsync(new DedupSetCommand { Roots = [dir], Search = (search ?? SearchConfig.Default).CreateSearch() }, Ct);
    }

    private static async Task<List<FaceEmbedding>> StoredVectors(IDoppelDatabase db, string model)
    {
        var vectors = new List<FaceEmbedding>();
        await foreach (var e in db.For(TenantId.Default).Faces.ReadEmbeddingsAsync(model, Ct))
            vectors.Add(e);
        return vectors;
    }

    private static HashSet<(string, string)> PairNames(DedupOutcome outcome)
    {
        var name = outcome.Images.ToDictionary(i => i.Media.Id, i => i.File.RelativePath);
        return outcome.Pairs.Select(p => string.CompareOrdinal(name[p.MediaA], name[p.MediaB]) < 0 ? (name[p.MediaA], name[p.MediaB]) : (name[p.MediaB], name[p.MediaA])).ToHashSet();
    }

    [Fact]
    public async Task FindsSamePersonPairsAndIsIdempotent()
    {
        var (dir, identity) = MakeCorpus();
        var db = Path.Combine(dir, "..", Path.GetFileName(dir) + ".db");
        var first = await Run(dir, db);

        first.Images.Count.ShouldBe(identity.Count + 1);
        first.ProcessedThisRun.ShouldBe(identity.Count + 1);
        first.Images.Single(i => i.File.RelativePath == "notes.jpg").Media.ReasonCode.ShouldBe("unsupported");
        var found = PairNames(first);
        var blair = identity.Keys.Where(k => k.StartsWith("Tony_Blair_")).Order(StringComparer.Ordinal).First();
        found.ShouldContain((blair, "copy_of_blair.jpg"));
        // The byte-identical copy: cosine 1, which the profile normalises to 1 − the face's level in its reference
        // cohort (both copies have the same level) and calibrates to a near-certain match.
        var copy = first.Pairs.MaxBy(p => p.Score);
        first.FaceLevels![copy.FaceB].ShouldBe(first.FaceLevels[copy.FaceA], 1e-5f);
        copy.Score.ShouldBe(1 - first.FaceLevels[copy.FaceA], 1e-3f);
        copy.Probability!.Value.ShouldBeGreaterThan(0.9999);

        var truth = identity.Keys.SelectMany(a => identity.Keys.Where(b => string.CompareOrdinal(a, b) < 0 && identity[a] == identity[b]).Select(b => (a, b))).ToHashSet();
        double precision = found.Count(truth.Contains) / (double)Math.Max(1, found.Count);
        double recall = truth.Count(found.Contains) / (double)truth.Count;
        TestContext.Current.TestOutputHelper?.WriteLine($"pairs {found.Count}, truth {truth.Count}, precision {precision:0.000}, recall {recall:0.000}");
        // Floors from the default dlib-resnet29 at its earlier raw dedup threshold (precision 1.000, recall 0.737).
        precision.ShouldBeGreaterThanOrEqualTo(0.95);
        recall.ShouldBeGreaterThanOrEqualTo(0.65);

        // A second run over the same files does no inference and ends with the same findings.
        var second = await Run(dir, db);
        second.ProcessedThisRun.ShouldBe(0);
        PairNames(second).ShouldBe(found, ignoreOrder: true);

        // The approximate searches are a configuration switch: HNSW, and IVF probing every cell (on 21
        // faces anything less is a lottery), find the same pairs with the same scores.
        var hnsw = await Run(dir, db, new SearchConfig { Method = SearchMethod.Hnsw });
        var ivf = await Run(dir, db, new SearchConfig { Method = SearchMethod.Ivf, Ivf = new IvfOptions { Cells = 4, MaxProbes = 4, ProbeMargin = float.PositiveInfinity } });
        foreach (var other in new[] { hnsw, ivf })
        {
            PairNames(other).ShouldBe(found, ignoreOrder: true);
            other.Pairs.Select(p => p.Score).Order().ShouldBe(first.Pairs.Select(p => p.Score).Order(), tolerance: 1e-5);
        }
    }

    [Fact]
    public async Task AMovedFileKeepsItsFacesAndAnIgnoredPairStaysIgnored()
    {
        var (dir, _) = MakeCorpus();
        var db = Path.Combine(dir, "..", Path.GetFileName(dir) + ".db");
        var first = await Run(dir, db);
        var copyPair = first.Pairs.MaxBy(p => p.Score); // the byte-identical copy

        await using (var database = SqliteDatabase.Open(db))
        {
            var stores = database.For(TenantId.Default);
            var a = (await stores.Media.GetAsync(copyPair.MediaA, Ct))!;
            var b = (await stores.Media.GetAsync(copyPair.MediaB, Ct))!;
            a.ContentHash.ShouldBe(b.ContentHash);
            // A reviewer says these two are not the same enrolment (e.g. a deliberate re-upload).
            await stores.IgnoredPairs.AddAsync(a.ContentHash, b.ContentHash, "reviewed", "test", Ct);
        }
        var powell = Directory.GetFiles(dir, "Colin_Powell_*.jpg").Order(StringComparer.Ordinal).First();
        File.Move(powell, Path.Combine(dir, "renamed_powell.jpg"));

        var second = await Run(dir, db);
        second.ProcessedThisRun.ShouldBe(0); // the moved file kept its faces
        second.Pairs.ShouldNotContain(p => p.MediaA == copyPair.MediaA && p.MediaB == copyPair.MediaB);
        PairNames(second).ShouldContain(p => p.Item1.StartsWith("Colin_Powell_") && p.Item2 == "renamed_powell.jpg");
        second.Images.ShouldNotContain(i => i.File.FullPath == powell);
    }

    [Fact]
    public async Task VectorsOfAnOlderRecipeAreReplacedFromTheStoredLandmarks()
    {
        var (dir, _) = MakeCorpus();
        var db = Path.Combine(dir, "..", Path.GetFileName(dir) + ".db");
        var first = await Run(dir, db);
        string current;
        Dictionary<long, float[]> original;
        await using (var database = SqliteDatabase.Open(db))
        {
            var stored = await StoredVectors(database, ModelNames.DlibResNet29);
            current = stored[0].ModelVersion;
            current.ShouldContain(" dlib-chip-150/blazeface");
            original = stored.Take(3).ToDictionary(e => e.FaceId, e => e.Vector);
            // As an earlier Doppel left them: another version, other numbers (session 1 centred dlib's vectors).
            await database.For(TenantId.Default).Faces.PutEmbeddingsAsync(original
                .Select(kv => new FaceEmbedding(kv.Key, ModelNames.DlibResNet29, "sha256:oldrecipe", kv.Value.Select(v => -v).ToArray())).ToList(), Ct);
        }

        var second = await Run(dir, db);
        second.ProcessedThisRun.ShouldBe(0); // no file is decoded and detected again...
        await using (var database = SqliteDatabase.Open(db))
        {
            var now = (await StoredVectors(database, ModelNames.DlibResNet29)).ToDictionary(e => e.FaceId);
            now.Values.ShouldAllBe(e => e.ModelVersion == current); // ...but the stale vectors are made again
            foreach (var (faceId, vector) in original)
                System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(now[faceId].Vector, vector).ShouldBeGreaterThan(0.9999f);
        }
        PairNames(second).ShouldBe(PairNames(first), ignoreOrder: true);
    }
}
