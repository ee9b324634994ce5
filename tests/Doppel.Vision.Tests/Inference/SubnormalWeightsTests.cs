using Doppel.Models;
using Doppel.Testing;
using Doppel.Vision.Decoding;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Inference;
using Doppel.Vision.Tests.Support;
using Microsoft.ML.OnnxRuntime;

namespace Doppel.Vision.Tests.Inference;

public sealed class SubnormalWeightsTests
{
    [Fact]
    public void FlushingFacepluginsSubnormalWeightsLeavesItsVectorsUnchanged()
    {
        InstalledModels.Require(ModelNames.FacepluginFeature512, ModelNames.BlazeFaceBack);
        var spec = EmbedderSpec.FromCatalog(ModelNames.FacepluginFeature512);
        var path = spec.ResolveModelPath();
        var flushedGraph = SubnormalWeights.Flush(path, out int flushed);
        // The count in the graph as installed (pinned sha256): a changed file or scan shows here.
        flushed.ShouldBe(8938);
        flushedGraph.ShouldNotBeNull();

        // Real aligned faces, through both graphs with the same runtime settings.
        var faces = AlignedFaceTensor(spec, Lfw.AllImages().Where((_, i) => i % 400 == 0).ToList(), out int count);
        using var shipped = OnnxSessionFactory.Create(path);
        using var edited = OnnxSessionFactory.Create(flushedGraph!);
        var expected = Run(shipped, faces, count);
        var actual = Run(edited, faces, count);
        actual.Length.ShouldBe(count * spec.Dimension);
        for (int f = 0; f < count; f++)
        {
            var a = actual.AsSpan(f * spec.Dimension, spec.Dimension).ToArray();
            var e = expected.AsSpan(f * spec.Dimension, spec.Dimension).ToArray();
            Verification.Cosine(a, e).ShouldBeGreaterThan(0.999999f);
            a.Zip(e).Max(p => MathF.Abs(p.First - p.Second)).ShouldBeLessThan(1e-4f * e.Max(MathF.Abs));
        }
    }

    [Fact]
    public void AGraphWithoutSubnormalWeightsIsLeftAlone()
    {
        InstalledModels.Require(ModelNames.DlibResNet29);
        SubnormalWeights.Flush(EmbedderSpec.DlibResNet29.ResolveModelPath(), out int flushed).ShouldBeNull();
        flushed.ShouldBe(0);
    }

    private static float[] AlignedFaceTensor(EmbedderSpec spec, List<string> paths, out int count)
    {
        var decoder = new ImageDecoder();
        using var detector = new BlazeFaceDetector();
        int per = 3 * spec.InputWidth * spec.InputHeight;
        var tensor = new float[paths.Count * per];
        count = 0;
        foreach (var path in paths)
        {
            using var image = decoder.Decode(path);
            var face = detector.Detect(image.Image!)[0];
            using var crop = Doppel.Vision.Alignment.FaceAligner.Align(image.Image!, face.Landmarks!, spec.Template);
            WritePlanarRgb(crop, spec, tensor.AsSpan(count++ * per, per));
        }
        return tensor;
    }

    /// <summary>The spec's normalisation, NCHW RGB (faceplugin's layout), written plainly.</summary>
    private static void WritePlanarRgb(OpenCvSharp.Mat bgr, EmbedderSpec spec, Span<float> into)
    {
        spec.Layout.ShouldBe(Doppel.Models.Catalog.TensorLayout.Nchw);
        spec.Channels.ShouldBe(Doppel.Models.Catalog.ChannelOrder.Rgb);
        int plane = spec.InputWidth * spec.InputHeight;
        for (int y = 0; y < spec.InputHeight; y++)
            for (int x = 0; x < spec.InputWidth; x++)
            {
                var px = bgr.At<OpenCvSharp.Vec3b>(y, x);
                byte[] rgb = [px.Item2, px.Item1, px.Item0];
                for (int c = 0; c < 3; c++)
                    into[c * plane + y * spec.InputWidth + x] = (rgb[c] - spec.Mean[c]) / spec.Std[c];
            }
    }

    private static float[] Run(InferenceSession session, float[] tensor, int count)
    {
        var input = session.InputMetadata.Single();
        var dims = input.Value.Dimensions;
        using var value = OrtValue.CreateTensorValueFromMemory(tensor, [count, dims[1], dims[2], dims[3]]);
        using var options = new RunOptions();
        using var outputs = session.Run(options, [input.Key], [value], [session.OutputMetadata.Keys.First()]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
