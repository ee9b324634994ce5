using Doppel.Jobs.Dedup;
using Doppel.Storage;
using Doppel.Storage.Sqlite;
using Doppel.Testing;
using Doppel.Vision;

namespace Doppel.Jobs.Tests;

/// <summary>
/// A reviewer's "not the same person" holds for groups, not only for pairs: two images on the ignore
/// list never end up in one duplicate group through a third image that matches both.
/// </summary>
public class IgnoredPairGroupingTests
{
    /// <summary>One face per file, its vector chosen by file name: c matches a and b (0.94), a and b match each other less (0.77).</summary>
    internal sealed class ScriptedAnalyzer(IReadOnlyDictionary<string, float[]> vectorOf) : IImageAnalyzer
    {
        public string DetectorName => "scripted";
        public string EmbeddingModel => "scripted-model";
        public string EmbeddingModelVersion => "1";
        public IFaceEmbedder Embedder { get; } = new UnusedEmbedder();
        public float DefaultThreshold => 0.7f;
        public Doppel.Vision.Embedding.RecognitionProfile Profile => Doppel.Vision.Embedding.RecognitionProfiles.Unmeasured(EmbeddingModel, DefaultThreshold);
        public int Analysed { get; private set; }

        public void Load()
        {
        }

        public IEnumerable<ImageAnalysis> Analyze(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
        {
            foreach (var path in paths)
            {
                Analysed++;
                var landmarks = new FaceLandmarks(new(30, 40), new(70, 40), new(50, 60), new(50, 80));
                yield return new ImageAnalysis(path, ImageStatus.Ok, null, "jpeg", 100, 100,
                [
                    new FaceAnalysis(new DetectedFace(new BoxF(10, 10, 80, 80), 0.99f, landmarks),
                        new Dictionary<string, float[]> { [EmbeddingModel] = vectorOf[Path.GetFileName(path)] }, 0.5f),
                ]);
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Every stored face has a vector of the scripted model: nothing is ever re-embedded.</summary>
    private sealed class UnusedEmbedder : IFaceEmbedder
    {
        public string Name => "scripted-model";
        public int Dimension => 3;
        public float DefaultThreshold => 0.7f;
        public float[][] Embed(IReadOnlyList<FaceCrop> faces) => throw new InvalidOperationException("No face should need re-embedding.");
        public void Dispose()
        {
        }
    }

    internal static float[] At(double degrees) => [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180), 0f];

    [Fact]
    public void TwoImagesMarkedDifferentAreNeverGroupedThroughAThird()
    {
        var dir = RepoPaths.NewTempDir("doppel-ignore-groups");
        foreach (var name in new[] { "a.jpg", "b.jpg", "c.jpg" })
            File.WriteAllText(Path.Combine(dir, name), "bytes of " + name);
        var analyzer = new ScriptedAnalyzer(new Dictionary<string, float[]> { ["a.jpg"] = At(20), ["b.jpg"] = At(-20), ["c.jpg"] = At(0) });
        var db = Path.Combine(dir, "catalog.db");

        DedupOutcome Run()
        {
            using var catalog = SqliteCatalog.Open(db);
            return new DedupJob(catalog, analyzer).Run(new DedupJobOptions { Roots = [dir] });
        }

        var first = Run();
        var id = first.Images.ToDictionary(i => i.File.RelativePath, i => i.Media.Id);
        first.Pairs.Count.ShouldBe(3);
        first.Groups.ShouldHaveSingleItem().Order().ShouldBe(new[] { id["a.jpg"], id["b.jpg"], id["c.jpg"] }.Order());

        // The reviewer: a and b are two people.
        using (var catalog = SqliteCatalog.Open(db))
            catalog.IgnorePair(catalog.GetMedia(id["a.jpg"])!.ContentHash, catalog.GetMedia(id["b.jpg"])!.ContentHash, "twins", "reviewer");

        var second = Run();
        second.Pairs.Select(p => (p.MediaA, p.MediaB)).Order().ShouldBe(new[] { (id["a.jpg"], id["c.jpg"]), (id["b.jpg"], id["c.jpg"]) }.Order());
        foreach (var group in second.Groups)
            (group.Contains(id["a.jpg"]) && group.Contains(id["b.jpg"])).ShouldBeFalse($"a and b share group [{string.Join(", ", group)}]");
        // c goes with one of them (the first of two equal scores, by ids), the other stands alone.
        second.Groups.ShouldHaveSingleItem().Order().ShouldBe(new[] { id["a.jpg"], id["c.jpg"] }.Order());
    }
}
