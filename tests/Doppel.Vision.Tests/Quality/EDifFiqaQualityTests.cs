using Doppel.Models.Onnx;
using Doppel.Vision.Quality;
using OpenCvSharp;

namespace Doppel.Vision.Tests.Quality;

/// <summary>
/// eDifFIQA(T) is not mirrored here, so its wrapper is checked on a stand-in graph with the same
/// interface (NCHW 112x112 in, one value per face out): a 1x1 convolution with chosen channel weights
/// then a global mean, so the output is a known function of the preprocessed pixels. That pins the
/// alignment size, the RGB order, the (v − 127.5)/127.5 scaling, batching and the clamp to [0, 1].
/// </summary>
public class EDifFiqaQualityTests
{
    private static string StandIn(float r, float g, float b, bool fixedBatch = false)
    {
        var graph = new OnnxGraphBuilder("ediffiqa_stand_in");
        OnnxDim batch = fixedBatch ? OnnxDim.Fixed(1) : OnnxDim.Symbolic("N");
        graph.AddInput("input", batch, 3, 112, 112);
        var w = graph.AddInitializer("w", [r, g, b], 1, 3, 1, 1);
        var conv = graph.Op("Conv", ["input", w], OnnxAttribute.Ints("kernel_shape", 1, 1));
        var mean = graph.Op("ReduceMean", [conv], OnnxAttribute.Ints("axes", 2, 3), OnnxAttribute.Int("keepdims", 0));
        graph.Op("Identity", "output", [mean]);
        graph.AddOutput("output", batch, 1);
        var path = Path.Combine(Path.GetTempPath(), $"doppel-ediffiqa-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, graph.ToBytes());
        return path;
    }

    /// <summary>A uniform image (BGR colour) much larger than the face, so the aligned crop is all inside it.</summary>
    private static QualityInput Face(byte blue, byte green, byte red)
    {
        var image = new Mat(400, 400, MatType.CV_8UC3, new Scalar(blue, green, red));
        var landmarks = new FaceLandmarks(new PointF(180, 180), new PointF(220, 180), new PointF(200, 205), new PointF(200, 225));
        return new QualityInput(new FaceCrop(image, landmarks), new DetectedFace(new BoxF(160, 150, 80, 100), 0.99f, landmarks));
    }

    [Fact]
    public void Reads_rgb_scaled_to_plus_minus_one_per_face_in_order()
    {
        var red = Face(0, 0, 255);     // R = +1, G = B = −1 after scaling
        var blue = Face(255, 0, 0);    // B = +1
        var grey = Face(191, 191, 191); // every channel (191 − 127.5)/127.5 = 0.498
        try
        {
            // Output = 0.25·R + 0.5: red face 0.75, blue face 0.25, grey 0.6245.
            using (var quality = new EDifFiqaQuality(StandIn(0.25f, 0, 0)))
            {
                var scores = quality.Assess([red, blue, grey]);
                scores[0].ShouldBe(0.25f * 1 + 0, 1e-4f, "R channel first, 255 → +1 (plus the bias-free conv: 0.25)");
                scores[1].ShouldBe(0f, 1e-4f, "a blue face has R = −1: 0.25·(−1) clamps to 0");
                scores[2].ShouldBe(0.25f * (191 - 127.5f) / 127.5f, 1e-4f);
            }
            using (var quality = new EDifFiqaQuality(StandIn(0, 0, 0.4f)))
            {
                var scores = quality.Assess([red, blue]);
                scores[0].ShouldBe(0f, 1e-4f, "B = −1 for red: clamped to 0");
                scores[1].ShouldBe(0.4f, 1e-4f, "B is the third tensor channel");
            }
        }
        finally
        {
            foreach (var f in new[] { red, blue, grey }) f.Crop.Bgr.Dispose();
        }
    }

    [Fact]
    public void Clamps_to_the_unit_interval_and_feeds_a_fixed_batch_graph_one_face_at_a_time()
    {
        var faces = new[] { Face(0, 255, 0), Face(0, 0, 0), Face(0, 128, 0) };
        try
        {
            // 2·G: green face 2 → 1, black face −2 → 0, mid-green 2·(0.5/127.5) ≈ 0.0078.
            using var quality = new EDifFiqaQuality(StandIn(0, 2, 0, fixedBatch: true));
            var scores = quality.Assess(faces);
            scores.ShouldBe([1f, 0f, 2 * 0.5f / 127.5f], 1e-4);
            quality.Assess([]).ShouldBeEmpty();
        }
        finally
        {
            foreach (var f in faces) f.Crop.Bgr.Dispose();
        }
    }
}
