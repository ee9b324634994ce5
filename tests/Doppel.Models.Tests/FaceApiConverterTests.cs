using Doppel.Models.Catalog;
using Doppel.Models.Converters.FaceApi;
using Doppel.Models.Install;

namespace Doppel.Models.Tests;

public class FaceApiConverterTests
{
    /// <summary>The converted graph gives the descriptor face-api's own TF.js code gives (tfjs 4.22 CPU backend).</summary>
    [Fact]
    public void ConvertedRecogniserReproducesFaceApiDescriptor()
    {
        var model = InstalledModels.OnnxBytes(ModelNames.DlibResNet29);
        var input = FaceApiReference.Normalise(FaceApiReference.Pattern());

        var embedding = OrtRun.Run(model, FaceRecognitionGraph.InputName, input, 1, 3, 150, 150).Single();

        embedding.Name.ShouldBe(FaceRecognitionGraph.OutputName);
        embedding.Shape.ShouldBe([1L, 128L]);
        var reference = FaceApiReference.Descriptor();
        reference.Length.ShouldBe(128);
        var diff = OnnxGraphEditsTests.MaxAbsDiff(embedding.Data, reference);
        TestContext.Current.SendDiagnosticMessage($"max |onnx - face-api| = {diff:E2}");
        diff.ShouldBeLessThan(1e-5f); // measured 3.0e-7
    }

    [Fact]
    public void BatchOfFourGivesTheSameRowsAsFourSingleRuns()
    {
        var model = InstalledModels.OnnxBytes(ModelNames.DlibResNet29);
        const int plane = 3 * 150 * 150;
        var batch = new float[4 * plane];
        for (var i = 0; i < 4; i++)
            FaceApiReference.Normalise(FaceApiReference.Pattern(shift: i * 17)).CopyTo(batch, i * plane);

        var together = OrtRun.Run(model, "input", batch, 4, 3, 150, 150).Single();
        together.Shape.ShouldBe([4L, 128L]);
        for (var i = 0; i < 4; i++)
        {
            var alone = OrtRun.Run(model, "input", batch[(i * plane)..((i + 1) * plane)], 1, 3, 150, 150).Single();
            OnnxGraphEditsTests.MaxAbsDiff(together.Data.AsSpan(i * 128, 128), alone.Data).ShouldBeLessThan(1e-5f);
        }
        // Different inputs must give different descriptors (a constant graph would pass the row check).
        OnnxGraphEditsTests.MaxAbsDiff(together.Data.AsSpan(0, 128), together.Data.AsSpan(128, 128)).ShouldBeGreaterThan(1e-2f);
    }

    [Fact]
    public void InstalledRecogniserMatchesItsPinnedChecksum()
    {
        var spec = ModelCatalog.Get(ModelNames.DlibResNet29);
        var directory = InstalledModels.Require(spec.Name);
        spec.Files.Select(f => f.FileName).ShouldBe([ModelNames.OnnxFile, ModelNames.Int8OnnxFile]);
        foreach (var file in spec.Files)
            file.Checksum.ComputeFor(Path.Combine(directory, file.FileName)).ShouldBe(file.Checksum, file.FileName);
    }

    /// <summary>
    /// The built-in calibration ranges name the tensors of the graph the converter builds: every
    /// convolution's input and every Relu's output has one, so the 8-bit graph quantises all of them
    /// (a renamed node in the converter would silently leave layers in float).
    /// </summary>
    [Fact]
    public void CalibrationRangesCoverEveryConvolutionOfTheRecogniser()
    {
        var ranges = CalibrationRanges.Load(ModelNames.DlibResNet29);
        var model = Onnx.OnnxGraphEdits.Load(InstalledModels.OnnxBytes(ModelNames.DlibResNet29));
        var convInputs = model.Graph.Node.Where(n => n.OpType == "Conv").Select(n => n.Input[0]).ToList();
        convInputs.Count.ShouldBe(29);
        convInputs.ShouldAllBe(name => ranges.ContainsKey(name));
        ranges.Values.ShouldAllBe(r => r.Min <= r.Max);

        var quantised = Onnx.OnnxQdqQuantizer.Quantize(model, ranges);
        quantised.Graph.Node.Count(n => n.OpType == "DequantizeLinear" && n.Input[0].EndsWith("/int8", StringComparison.Ordinal)).ShouldBe(29);
        // The quantiser, given the same ranges, still writes the pinned bytes (a change to it for other models must not move dlib's).
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Onnx.OnnxGraphEdits.ToBytes(quantised)))
            .ShouldBe(ModelCatalog.Get(ModelNames.DlibResNet29).Int8OnnxFile!.Checksum.Hex);
        Should.Throw<InvalidOperationException>(() => CalibrationRanges.Load("no-such-model"));
    }

    /// <summary>
    /// The weights reader dequantises as TF.js does: the manifest holds 117 tensors, 109 of them
    /// uint8-quantised, and fc is the 256x128 projection.
    /// </summary>
    [Fact]
    public void TfjsManifestIsReadCompletely()
    {
        var options = InstalledModels.RealCacheOptions();
        var spec = ModelCatalog.Get(ModelNames.DlibResNet29);
        var npm = (NpmSource)spec.Sources.Single();
        var tarball = Path.Combine(options.DownloadCache, "npm", "vladmandic-face-api-1.7.15.tgz");
        InstalledModels.Require(spec.Name); // fills the download cache
        var directory = Doppel.Testing.RepoPaths.NewTempDir();
        IReadOnlyDictionary<string, TfjsTensor> weights;
        try
        {
            var files = NpmPackageFetcher.Extract(tarball, npm, directory);
            weights = TfjsWeights.Read(files[npm.Entries[0]]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        weights.Count.ShouldBe(117);
        weights["fc"].Shape.ShouldBe([256, 128]);
        weights["conv32_down/conv/filters"].Shape.ShouldBe([7, 7, 3, 32]);
        // uint8 quantisation: every value lies in [min, min + 255 * scale] of its manifest entry.
        var first = weights["conv32_down/conv/filters"].Values;
        first.Min().ShouldBeGreaterThanOrEqualTo(-0.0710188f);
        first.Max().ShouldBeLessThanOrEqualTo(-0.0710188f + 255 * 0.000526065f + 1e-6f);
    }
}
