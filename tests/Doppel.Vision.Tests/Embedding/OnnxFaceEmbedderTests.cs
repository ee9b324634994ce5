using Doppel.Vision.Decoding;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Tests.Support;

namespace Doppel.Vision.Tests.Embedding;

public sealed class OnnxFaceEmbedderTests : IDisposable
{
    private readonly List<DecodedImage> _images = [];
    private readonly List<FaceCrop> _faces = [];

    public OnnxFaceEmbedderTests()
    {
        using var detector = new BlazeFaceDetector();
        var decoder = new ImageDecoder();
        foreach (var (name, index) in new[] { ("Aaron_Peirsol", 1), ("Aaron_Peirsol", 2), ("Aaron_Sorkin", 1), ("Aaron_Sorkin", 2), ("Abdel_Nasser_Assidi", 1) })
        {
            var image = decoder.Decode(Lfw.ImagePath(name, index));
            _images.Add(image);
            var face = detector.Detect(image.Image!).MaxBy(f => f.Box.Area)!;
            _faces.Add(new FaceCrop(image.Image!, face.Landmarks!));
        }
    }

    public void Dispose() => _images.ForEach(i => i.Dispose());

    private static float Cos(float[] a, float[] b) => Verification.Cosine(a, b);

    [Fact]
    public void VectorsAreUnitLengthAndSeparateThePeople()
    {
        using var embedder = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29);
        var batch = embedder.EmbedWithNorms(_faces);
        batch.Vectors.Length.ShouldBe(5);
        foreach (var v in batch.Vectors)
        {
            v.Length.ShouldBe(128);
            MathF.Sqrt(v.Sum(x => x * x)).ShouldBe(1f, 1e-4f);
        }
        batch.RawNorms.ShouldAllBe(n => n > 0.1f);
        // Same person above the calibrated threshold, different people below it.
        var t = embedder.DefaultThreshold;
        Cos(batch.Vectors[0], batch.Vectors[1]).ShouldBeGreaterThan(t);
        Cos(batch.Vectors[2], batch.Vectors[3]).ShouldBeGreaterThan(t);
        Cos(batch.Vectors[0], batch.Vectors[2]).ShouldBeLessThan(t);
        Cos(batch.Vectors[1], batch.Vectors[4]).ShouldBeLessThan(t);
    }

    [Fact]
    public void BatchSizeDoesNotChangeTheVectors()
    {
        using var one = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, new EmbedderOptions { BatchSize = 1 });
        using var many = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, new EmbedderOptions { BatchSize = 16 });
        var a = one.Embed(_faces);
        var b = many.Embed(_faces);
        for (int i = 0; i < a.Length; i++)
            Cos(a[i], b[i]).ShouldBeGreaterThan(0.99999f);
    }

    [Fact]
    public void FlipAndJittersGiveNearbyReproducibleVectors()
    {
        using var plain = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, new EmbedderOptions { FlipTta = false });
        using var flip = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, new EmbedderOptions { FlipTta = true });
        using var jitter = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, new EmbedderOptions { FlipTta = false, Jitters = 5 });
        var p = plain.Embed(_faces);
        var f = flip.Embed(_faces);
        var j1 = jitter.Embed(_faces);
        var j2 = jitter.Embed(_faces);
        for (int i = 0; i < p.Length; i++)
        {
            Cos(p[i], f[i]).ShouldBeInRange(0.8f, 0.99999f);
            Cos(p[i], j1[i]).ShouldBeInRange(0.8f, 0.99999f);
            j1[i].ShouldBe(j2[i]);
        }
    }

    [Fact]
    public void EnsembleCosineIsTheWeightedMeanOfMemberCosines()
    {
        var a = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29);
        var b = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, new EmbedderOptions { FlipTta = true });
        var va = a.Embed(_faces);
        var vb = b.Embed(_faces);
        using var ensemble = new EnsembleEmbedder([(a, 1f), (b, 3f)]);
        ensemble.Dimension.ShouldBe(256);
        var ve = ensemble.Embed(_faces);
        Cos(ve[0], ve[2]).ShouldBe(0.25f * Cos(va[0], va[2]) + 0.75f * Cos(vb[0], vb[2]), 1e-4f);
        Cos(ve[0], ve[1]).ShouldBe(0.25f * Cos(va[0], va[1]) + 0.75f * Cos(vb[0], vb[1]), 1e-4f);
    }

    [Fact]
    public void ASpecThatDisagreesWithTheModelIsRejected()
    {
        Should.Throw<ArgumentException>(() => new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29 with { Dimension = 512 }));
    }

    [Fact]
    public void NoFacesGiveNoVectors()
    {
        using var embedder = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29);
        embedder.Embed([]).ShouldBeEmpty();
    }
}
