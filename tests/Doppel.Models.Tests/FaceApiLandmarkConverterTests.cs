using Doppel.Models.Catalog;
using Doppel.Models.Converters.FaceApi;

namespace Doppel.Models.Tests;

public class FaceApiLandmarkConverterTests
{
    /// <summary>The converted graph gives the 136 values face-api's own TF.js code gives (tfjs 4.22 CPU backend),
    /// which also pins the TF 'same' padding (odd pixel at the bottom/right) of the stride-2 convolutions.</summary>
    [Fact]
    public void ConvertedLandmarkNetReproducesFaceApi()
    {
        var model = InstalledModels.OnnxBytes(ModelNames.FaceApiLandmark68);
        var input = FaceApiReference.Normalise(FaceApiReference.Pattern(size: FaceLandmark68Graph.InputSize));

        var output = OrtRun.Run(model, FaceLandmark68Graph.InputName, input, 1, 3, 112, 112).Single();

        output.Name.ShouldBe(FaceLandmark68Graph.OutputName);
        output.Shape.ShouldBe([1L, 136L]);
        var reference = FaceApiReference.Landmarks();
        reference.Length.ShouldBe(136);
        var diff = OnnxGraphEditsTests.MaxAbsDiff(output.Data, reference);
        TestContext.Current.SendDiagnosticMessage($"max |onnx - face-api| = {diff:E2}");
        diff.ShouldBeLessThan(1e-5f);
    }

    [Fact]
    public void BatchOfThreeGivesTheSameRowsAsThreeSingleRuns()
    {
        var model = InstalledModels.OnnxBytes(ModelNames.FaceApiLandmark68);
        const int plane = 3 * 112 * 112;
        var batch = new float[3 * plane];
        for (var i = 0; i < 3; i++)
            FaceApiReference.Normalise(FaceApiReference.Pattern(shift: i * 29, size: 112)).CopyTo(batch, i * plane);

        var together = OrtRun.Run(model, "input", batch, 3, 3, 112, 112).Single();
        together.Shape.ShouldBe([3L, 136L]);
        for (var i = 0; i < 3; i++)
        {
            var alone = OrtRun.Run(model, "input", batch[(i * plane)..((i + 1) * plane)], 1, 3, 112, 112).Single();
            OnnxGraphEditsTests.MaxAbsDiff(together.Data.AsSpan(i * 136, 136), alone.Data).ShouldBeLessThan(1e-5f);
        }
        OnnxGraphEditsTests.MaxAbsDiff(together.Data.AsSpan(0, 136), together.Data.AsSpan(136, 136)).ShouldBeGreaterThan(1e-3f);
    }

    [Fact]
    public void InstalledLandmarkNetMatchesItsPinnedChecksum()
    {
        var spec = ModelCatalog.Get(ModelNames.FaceApiLandmark68);
        var directory = InstalledModels.Require(spec.Name);
        var file = spec.OnnxFile!;
        file.Checksum.ComputeFor(Path.Combine(directory, file.FileName)).ShouldBe(file.Checksum);
    }
}
