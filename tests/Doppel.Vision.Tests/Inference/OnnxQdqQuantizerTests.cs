using Doppel.Models;
using Doppel.Models.Onnx;
using Doppel.Models.Onnx.Proto;
using Doppel.Testing;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Inference;
using Doppel.Vision.Tests.Support;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace Doppel.Vision.Tests.Inference;

public sealed class OnnxQdqQuantizerTests
{
    /// <summary>conv(3→16, 3x3) → relu → conv(16→16) + skip → relu → maxpool → conv(16→8, 1x1): the
    /// shapes of dlib's residual blocks, small enough to check every output value.</summary>
    private static ModelProto SmallResidualNet()
    {
        var random = new Random(7);
        float[] Values(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
        var g = new OnnxGraphBuilder("qdq_test");
        g.AddInput("input", "N", 3, 16, 16);
        var w1 = g.AddInitializer("w1", Values(16 * 3 * 9, 0.3f), 16, 3, 3, 3);
        var b1 = g.AddInitializer("b1", Values(16, 0.1f), 16);
        var c1 = g.Op("Conv", ["input", w1, b1], OnnxAttribute.Ints("kernel_shape", 3, 3), OnnxAttribute.Ints("pads", 1, 1, 1, 1));
        var r1 = g.Op("Relu", [c1]);
        var w2 = g.AddInitializer("w2", Values(16 * 16 * 9, 0.1f), 16, 16, 3, 3);
        var b2 = g.AddInitializer("b2", Values(16, 0.1f), 16);
        var c2 = g.Op("Conv", [r1, w2, b2], OnnxAttribute.Ints("kernel_shape", 3, 3), OnnxAttribute.Ints("pads", 1, 1, 1, 1));
        var sum = g.Op("Add", [c2, r1]);
        var r2 = g.Op("Relu", [sum]);
        var pooled = g.Op("MaxPool", [r2], OnnxAttribute.Ints("kernel_shape", 2, 2), OnnxAttribute.Ints("strides", 2, 2));
        var w3 = g.AddInitializer("w3", Values(8 * 16, 0.3f), 8, 16, 1, 1);
        var b3 = g.AddInitializer("b3", Values(8, 0.1f), 8);
        g.Op("Conv", "output", [pooled, w3, b3], OnnxAttribute.Ints("kernel_shape", 1, 1));
        g.AddOutput("output", "N", 8, 8, 8);
        return g.Build();
    }

    private static float[] Input(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 3 * 16 * 16).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray();
    }

    private static float[] Run(InferenceSession session, float[] input)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, 16, 16]);
        using var outputs = session.Run(new RunOptions(), ["input"], [value], ["output"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    [Fact]
    public void Quantised_graph_computes_what_the_float_graph_computes_and_runs_on_integer_kernels()
    {
        var model = SmallResidualNet();
        using var collector = new OnnxRangeCollector(model);
        for (int i = 0; i < 32; i++)
            collector.Observe(Input(i), [1, 3, 16, 16]);
        collector.Ranges.Keys.ShouldContain("input");

        var quantised = OnnxQdqQuantizer.Quantize(model, collector.Ranges);
        quantised.Graph.Initializer.ShouldNotContain(t => t.Name == "w2", "float weights are replaced, not kept");
        quantised.Graph.Node.Count(n => n.OpType == "QuantizeLinear").ShouldBeGreaterThanOrEqualTo(4);

        var optimised = Path.Combine(RepoPaths.NewTempDir(), "optimised.onnx");
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = optimised };
        using var int8 = new InferenceSession(quantised.ToByteArray(), options);
        using var fp32 = new InferenceSession(model.ToByteArray());

        // Inputs the calibration did not see, inside its range.
        for (int seed = 100; seed < 104; seed++)
        {
            var expected = Run(fp32, Input(seed));
            var actual = Run(int8, Input(seed));
            var scale = expected.Max(MathF.Abs);
            actual.Zip(expected).Max(p => MathF.Abs(p.First - p.Second)).ShouldBeLessThan(0.03f * scale);
            Verification.Cosine(actual, expected).ShouldBeGreaterThan(0.999f);
        }

        // ONNX Runtime fused the Q/DQ pairs: the two inner convolutions run as QLinearConv (their Relus
        // folded in), the residual Add as QLinearAdd, the max pool on uint8 directly; only the last
        // Conv, whose output is the graph's float output, stays a float Conv on dequantised input.
        var ops = OnnxGraphEdits.Load(optimised).Graph.Node.Select(n => n.OpType).ToList();
        var listed = string.Join(",", ops);
        ops.Count(o => o == "QLinearConv").ShouldBe(2, listed);
        ops.Count(o => o == "Conv").ShouldBe(1, listed);
        ops.ShouldContain("QLinearAdd", listed);
        ops.ShouldNotContain("Relu", listed);
        ops.IndexOf("MaxPool").ShouldBeLessThan(ops.LastIndexOf("DequantizeLinear"), listed);
    }

    /// <summary>conv(3→16, 3x3/2) → ReLU6 → depthwise conv(16, 3x3, group 16) → ReLU6 → pointwise conv(16→8)
    /// → ReLU6 → mean: a MobileNet v1 block, the shape of faceres.</summary>
    private static ModelProto SmallMobileNet()
    {
        var random = new Random(11);
        float[] Values(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
        var g = new OnnxGraphBuilder("qdq_mobilenet");
        g.AddInput("input", "N", 3, 16, 16);
        var low = g.AddInitializer("six/low", [0f]);
        var high = g.AddInitializer("six/high", [6f]);
        var c1 = g.Op("Conv", ["input", g.AddInitializer("w1", Values(16 * 3 * 9, 1f), 16, 3, 3, 3), g.AddInitializer("b1", Values(16, 0.5f), 16)],
            OnnxAttribute.Ints("kernel_shape", 3, 3), OnnxAttribute.Ints("strides", 2, 2), OnnxAttribute.Ints("pads", 1, 1, 1, 1));
        var r1 = g.Op("Clip", [c1, low, high]);
        var c2 = g.Op("Conv", [r1, g.AddInitializer("w2", Values(16 * 9, 0.6f), 16, 1, 3, 3), g.AddInitializer("b2", Values(16, 0.5f), 16)],
            OnnxAttribute.Ints("kernel_shape", 3, 3), OnnxAttribute.Ints("pads", 1, 1, 1, 1), OnnxAttribute.Int("group", 16));
        var r2 = g.Op("Clip", [c2, low, high]);
        var c3 = g.Op("Conv", [r2, g.AddInitializer("w3", Values(8 * 16, 0.5f), 8, 16, 1, 1), g.AddInitializer("b3", Values(8, 0.5f), 8)],
            OnnxAttribute.Ints("kernel_shape", 1, 1));
        var r3 = g.Op("Clip", [c3, low, high]);
        g.Op("ReduceMean", "output", [r3], OnnxAttribute.Ints("axes", 2, 3), OnnxAttribute.Int("keepdims", 0));
        g.AddOutput("output", "N", 8);
        return g.Build();
    }

    /// <summary>ReLU6 as Clip(0, 6): the Q goes after the Clip only, with parameters whose range lies inside [0, 6] even
    /// when calibration saw the clip saturate, so ONNX Runtime drops every Clip and runs all three convolutions, the
    /// depthwise one (per-channel int8 weights along its 16 output channels) included, as QLinearConv; the mean stays float.</summary>
    [Fact]
    public void Relu6_clips_fold_into_their_quantisation_and_depthwise_convolutions_run_on_integer_kernels()
    {
        var model = SmallMobileNet();
        using var collector = new OnnxRangeCollector(model);
        for (int i = 0; i < 32; i++)
            collector.Observe(Input(i).Select(v => v * 4).ToArray(), [1, 3, 16, 16]);
        model.Graph.Node.Where(n => n.OpType == "Clip").Select(n => collector.Ranges[n.Output[0]].Max)
            .ShouldContain(6f, "the test needs a saturated ReLU6");

        var quantised = OnnxQdqQuantizer.Quantize(model, collector.Ranges);
        quantised.Graph.Node.Count(n => n.OpType == "DequantizeLinear" && n.Input[0].EndsWith("/int8", StringComparison.Ordinal)).ShouldBe(3);
        var depthwise = quantised.Graph.Initializer.Single(t => t.Name == "w2/scale");
        depthwise.Dims.ShouldBe([16L]);

        var optimised = Path.Combine(RepoPaths.NewTempDir(), "optimised.onnx");
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = optimised };
        using var int8 = new InferenceSession(quantised.ToByteArray(), options);
        using var fp32 = new InferenceSession(model.ToByteArray());
        var ops = OnnxGraphEdits.Load(optimised).Graph.Node.Select(n => n.OpType).ToList();
        var listed = string.Join(",", ops);
        ops.Count(o => o == "QLinearConv").ShouldBe(3, listed);
        ops.ShouldNotContain("Clip", listed);
        ops.ShouldNotContain("Conv", listed);
        ops.ShouldContain("ReduceMean", listed);

        for (int seed = 100; seed < 104; seed++)
        {
            var input = Input(seed).Select(v => v * 4).ToArray();
            Verification.Cosine(Run(int8, input), Run(fp32, input)).ShouldBeGreaterThan(0.999f);
        }
    }

    [Fact]
    public void Clip_parameters_stay_inside_the_clip_so_it_can_be_dropped()
    {
        var (scale, zero) = OnnxQdqQuantizer.WithinClip(new TensorRange(0f, 6f), 0f, 6f);
        zero.ShouldBe((byte)0);
        (scale * 255).ShouldBeLessThanOrEqualTo(6f);
        scale.ShouldBe(6f / 255f, 1e-6f);
        // A calibrated range inside the clip is kept; one beyond it is cut to the clip.
        OnnxQdqQuantizer.WithinClip(new TensorRange(0f, 3f), 0f, 6f).ShouldBe(OnnxQdqQuantizer.FromRange(new TensorRange(0f, 3f)));
        var (wide, wideZero) = OnnxQdqQuantizer.WithinClip(new TensorRange(-2f, 9f), -1f, 6f);
        (wide * (0 - wideZero)).ShouldBeGreaterThanOrEqualTo(-1f);
        (wide * (255 - wideZero)).ShouldBeLessThanOrEqualTo(6f);
        // A clip that excludes zero cannot be dropped (zero stays exact): plain parameters.
        OnnxQdqQuantizer.WithinClip(new TensorRange(1f, 6f), 1f, 6f).ShouldBe(OnnxQdqQuantizer.FromRange(new TensorRange(1f, 6f)));
    }

    /// <summary>A channel whose weights are nearly zero but whose bias is not (a dead filter): at
    /// input-scale × its own weight scale the bias would overflow int32, so its scale is raised and the
    /// channel still outputs its bias.</summary>
    [Fact]
    public void Dead_filter_keeps_its_bias()
    {
        var g = new OnnxGraphBuilder("dead_filter");
        g.AddInput("input", "N", 3, 16, 16);
        var weights = new float[2 * 3];
        weights[0] = 0.5f; weights[1] = -0.25f; weights[2] = 0.75f;   // channel 0: a normal filter
        weights[3] = 1e-9f; weights[4] = -1e-9f; weights[5] = 1e-9f;  // channel 1: dead
        var w = g.AddInitializer("w", weights, 2, 3, 1, 1);
        var b = g.AddInitializer("b", [0.1f, 5f], 2);
        var conv = g.Op("Conv", ["input", w, b], OnnxAttribute.Ints("kernel_shape", 1, 1));
        var relu = g.Op("Relu", [conv]);
        g.Op("MaxPool", "output", [relu], OnnxAttribute.Ints("kernel_shape", 2, 2), OnnxAttribute.Ints("strides", 2, 2));
        g.AddOutput("output", "N", 2, 8, 8);
        var model = g.Build();
        using var collector = new OnnxRangeCollector(model);
        for (int i = 0; i < 8; i++)
            collector.Observe(Input(i), [1, 3, 16, 16]);

        using var int8 = new InferenceSession(OnnxQdqQuantizer.Quantize(model, collector.Ranges).ToByteArray());
        using var value = OrtValue.CreateTensorValueFromMemory(Input(50), [1, 3, 16, 16]);
        using var outputs = int8.Run(new RunOptions(), ["input"], [value], ["output"]);
        var dead = outputs[0].GetTensorDataAsSpan<float>()[64..].ToArray();
        dead.ShouldAllBe(v => MathF.Abs(v - 5f) < 0.05f);
    }

    [Fact]
    public void Activation_parameters_cover_the_range_and_keep_zero_exact()
    {
        var (scale, zero) = OnnxQdqQuantizer.FromRange(new TensorRange(-1f, 3f));
        scale.ShouldBe(4f / 255f, 1e-7f);
        zero.ShouldBe((byte)64);
        // A range that excludes zero is widened to include it (zero padding must stay exact).
        OnnxQdqQuantizer.FromRange(new TensorRange(2f, 4f)).ZeroPoint.ShouldBe((byte)0);
        OnnxQdqQuantizer.FromRange(new TensorRange(0f, 0f)).ShouldBe((1f, (byte)0));
    }

    /// <summary>The installed 8-bit dlib graph (calibrated on WIDER faces, not LFW) gives nearly the float
    /// vectors on real LFW faces. Measured on 400 faces: cosine mean 0.9997, min 0.9993.</summary>
    [Fact]
    public void Int8_dlib_vectors_stay_within_cosine_0_998_of_the_float_ones_on_LFW()
    {
        InstalledModels.RequireDefaults();
        using var detector = DetectorRegistry.Create(DetectorRegistry.Default);
        using var fp32 = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, new EmbedderOptions { Precision = ModelPrecision.Float32 });
        using var int8 = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, new EmbedderOptions { Precision = ModelPrecision.Int8 });
        fp32.ModelFileName.ShouldBe(ModelNames.OnnxFile);
        int8.ModelFileName.ShouldBe(ModelNames.Int8OnnxFile);

        var images = Lfw.AllImages().Where((_, i) => i % 100 == 0).Select(p => DetectionApTestData.Read(p)).ToList();
        try
        {
            var crops = images.Select(image => new FaceCrop(image, detector.Detect(image).First().Landmarks!)).ToList();
            var a = fp32.Embed(crops);
            var b = int8.Embed(crops);
            var cosines = a.Zip(b, (x, y) => Verification.Cosine(x, y)).ToList();
            cosines.Count.ShouldBe(50);
            cosines.Average().ShouldBeGreaterThan(0.999f);
            cosines.Min().ShouldBeGreaterThan(0.998f);
        }
        finally
        {
            images.ForEach(i => i.Dispose());
        }
    }
}
