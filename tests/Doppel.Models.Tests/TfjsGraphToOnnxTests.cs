using System.Text.Json;
using Doppel.Models.Converters.Tfjs;
using Doppel.Testing;
using Google.Protobuf;

namespace Doppel.Models.Tests;

/// <summary>
/// <see cref="TfjsGraphToOnnx"/> on small synthetic graph models, against a direct NHWC convolution written here
/// from TensorFlow's definition: the paddings faceres does not use (VALID, EXPLICIT, SAME with an odd remainder on
/// one axis only, dilation), and the batch-norm fold both taken (the convolution read once) and refused (read twice).
/// </summary>
public class TfjsGraphToOnnxTests
{
    private const int H = 6, W = 5, Ci = 2, Co = 3, K = 3;

    [Theory]
    [InlineData("SAME", 2, 1, false)]
    [InlineData("SAME", 1, 1, false)]
    [InlineData("VALID", 2, 1, false)]
    [InlineData("VALID", 1, 2, false)]
    [InlineData("EXPLICIT", 2, 1, false)]
    [InlineData("SAME", 2, 1, true)]
    public void ConvolutionThenBatchNormMatchesTensorFlowsDefinition(string padding, int stride, int dilation, bool convIsAlsoAnOutput)
    {
        var filter = OrtRun.Deterministic(K * K * Ci * Co, 7);
        var scale = OrtRun.Deterministic(Co, 11);
        var shift = OrtRun.Deterministic(Co, 13);
        long[] explicitPads = [0, 0, 2, 0, 1, 1, 0, 0]; // NHWC pairs: 2 rows above, none below, one column each side
        var json = WriteModel(padding, stride, dilation, explicitPads, filter, scale, shift);
        List<TfjsGraphToOnnx.Output> outputs = [new("bn", "bn")];
        if (convIsAlsoAnOutput)
            outputs.Add(new("conv", "conv"));
        var model = TfjsGraphToOnnx.Convert(TfjsGraphModel.Load(json), "synthetic", "input", outputs);
        model.Graph.Node.Count(n => n.OpType == "Conv").ShouldBe(1);
        // Folded: Conv then the output's Identity; read twice: the Mul and Sub stay.
        model.Graph.Node.Count(n => n.OpType is "Mul" or "Sub").ShouldBe(convIsAlsoAnOutput ? 2 : 0);

        var x = OrtRun.Deterministic(2 * H * W * Ci, 3); // two images, NHWC
        var (pads, outH, outW) = Geometry(padding, stride, dilation, explicitPads);
        var expected = Convolve(x, filter, stride, dilation, pads, outH, outW);
        var results = OrtRun.Run(model.ToByteArray(), "input", ToNchw(x, 2, H, W, Ci), 2, Ci, H, W).ToDictionary(r => r.Name);

        results["bn"].Shape.ShouldBe([2L, Co, outH, outW]);
        var bn = expected.Select((v, i) => v * scale[i % Co] - shift[i % Co]).ToArray();
        OnnxGraphEditsTests.MaxAbsDiff(results["bn"].Data, ToNchw(bn, 2, outH, outW, Co)).ShouldBeLessThan(1e-5f);
        if (convIsAlsoAnOutput)
            OnnxGraphEditsTests.MaxAbsDiff(results["conv"].Data, ToNchw(expected, 2, outH, outW, Co)).ShouldBeLessThan(1e-5f);
    }

    /// <summary>Relu, Minimum(6), Maximum(0) become one Clip; a mean over H and W with keep_dims stays an image value
    /// (NCHW [N, C, 1, 1]), so the softmax after it runs over ONNX's channel axis, as TensorFlow's over its last.</summary>
    [Fact]
    public void Relu6ChainIsOneClipAndTheMeanAndSoftmaxFollowTheChannelAxis()
    {
        var dir = RepoPaths.NewTempDir();
        using (var bin = new BinaryWriter(File.Create(Path.Combine(dir, "w.bin"))))
        {
            bin.Write(6f);
            bin.Write(0f);
            bin.Write(1);
            bin.Write(2);
        }
        var model = new
        {
            format = "graph-model",
            modelTopology = new
            {
                node = new object[]
                {
                    new { name = "x", op = "Placeholder", attr = new { shape = new { shape = new { dim = new[] { "-1", "3", "4", "5" }.Select(d => new { size = d }) } } } },
                    new { name = "six", op = "Const" },
                    new { name = "zero", op = "Const" },
                    new { name = "axes", op = "Const" },
                    new { name = "relu", op = "Relu", input = new[] { "x" } },
                    new { name = "min", op = "Minimum", input = new[] { "relu", "six" } },
                    new { name = "max", op = "Maximum", input = new[] { "min", "zero" } },
                    new { name = "mean", op = "Mean", input = new[] { "max", "axes" }, attr = new { keep_dims = new { b = true } } },
                    new { name = "soft", op = "Softmax", input = new[] { "mean" } },
                },
            },
            weightsManifest = new[]
            {
                new
                {
                    paths = new[] { "w.bin" },
                    weights = new object[]
                    {
                        new { name = "six", shape = Array.Empty<int>(), dtype = "float32" },
                        new { name = "zero", shape = Array.Empty<int>(), dtype = "float32" },
                        new { name = "axes", shape = new[] { 2 }, dtype = "int32" },
                    },
                },
            },
        };
        var json = Path.Combine(dir, "model.json");
        File.WriteAllText(json, JsonSerializer.Serialize(model));
        var onnx = TfjsGraphToOnnx.Convert(TfjsGraphModel.Load(json), "chain", "input", [new("soft", "soft")]);
        onnx.Graph.Node.Select(n => n.OpType).ShouldBe(["Clip", "ReduceMean", "Softmax", "Identity"]);

        const int h = 3, w = 4, c = 5;
        var x = OrtRun.Deterministic(h * w * c, 5).Select(v => v * 10).ToArray(); // NHWC, spans below 0 and above 6
        var mean = new double[c];
        for (var i = 0; i < x.Length; i++)
            mean[i % c] += Math.Clamp(x[i], 0f, 6f) / (h * w);
        var exp = mean.Select(Math.Exp).ToArray();
        var expected = exp.Select(e => (float)(e / exp.Sum())).ToArray();

        var result = OrtRun.Run(onnx.ToByteArray(), "input", ToNchw(x, 1, h, w, c), 1, c, h, w).Single();
        result.Shape.ShouldBe([1L, c, 1, 1]);
        OnnxGraphEditsTests.MaxAbsDiff(result.Data, expected).ShouldBeLessThan(1e-6f);
    }

    /// <summary>TensorFlow's padding (top, left) and output size: SAME puts the odd pixel below and right.</summary>
    private static ((int Top, int Left) Pads, int OutH, int OutW) Geometry(string padding, int stride, int dilation, long[] explicitPads)
    {
        var span = (K - 1) * dilation + 1;
        (int Before, int Out) Axis(int size, int axis) => padding switch
        {
            "SAME" => (Math.Max(((size + stride - 1) / stride - 1) * stride + span - size, 0) / 2, (size + stride - 1) / stride),
            "VALID" => (0, (size - span) / stride + 1),
            _ => ((int)explicitPads[2 + 2 * axis], (size + (int)explicitPads[2 + 2 * axis] + (int)explicitPads[3 + 2 * axis] - span) / stride + 1),
        };
        var (top, outH) = Axis(H, 0);
        var (left, outW) = Axis(W, 1);
        return ((top, left), outH, outW);
    }

    private static float[] Convolve(float[] x, float[] filter, int stride, int dilation, (int Top, int Left) pads, int outH, int outW)
    {
        var y = new float[2 * outH * outW * Co];
        for (var n = 0; n < 2; n++)
            for (var oy = 0; oy < outH; oy++)
                for (var ox = 0; ox < outW; ox++)
                    for (var o = 0; o < Co; o++)
                    {
                        double sum = 0;
                        for (var ky = 0; ky < K; ky++)
                            for (var kx = 0; kx < K; kx++)
                            {
                                int iy = oy * stride - pads.Top + ky * dilation, ix = ox * stride - pads.Left + kx * dilation;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                    continue;
                                for (var i = 0; i < Ci; i++)
                                    sum += x[((n * H + iy) * W + ix) * Ci + i] * filter[((ky * K + kx) * Ci + i) * Co + o];
                            }
                        y[((n * outH + oy) * outW + ox) * Co + o] = (float)sum;
                    }
        return y;
    }

    private static float[] ToNchw(float[] nhwc, int n, int h, int w, int c)
    {
        var nchw = new float[nhwc.Length];
        for (var b = 0; b < n; b++)
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                    for (var ch = 0; ch < c; ch++)
                        nchw[((b * c + ch) * h + y) * w + x] = nhwc[((b * h + y) * w + x) * c + ch];
        return nchw;
    }

    /// <summary>x → Conv2D → Mul(scale) → Sub(shift), as a graph model in a temporary folder; returns its JSON's path.</summary>
    private static string WriteModel(string padding, int stride, int dilation, long[] explicitPads, float[] filter, float[] scale, float[] shift)
    {
        var dir = RepoPaths.NewTempDir();
        using (var bin = new BinaryWriter(File.Create(Path.Combine(dir, "w.bin"))))
            foreach (var v in filter.Concat(scale).Concat(shift))
                bin.Write(v);
        static object Ints(params long[] values) => new { list = new { i = values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)) } };
        static object Str(string s) => new { s = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s)) };
        var convAttr = new Dictionary<string, object>
        {
            ["strides"] = Ints(1, stride, stride, 1),
            ["dilations"] = Ints(1, dilation, dilation, 1),
            ["padding"] = Str(padding),
            ["data_format"] = Str("NHWC"),
            ["explicit_paddings"] = padding == "EXPLICIT" ? Ints(explicitPads) : new { list = new { } },
        };
        var model = new
        {
            format = "graph-model",
            modelTopology = new
            {
                node = new object[]
                {
                    new { name = "x", op = "Placeholder", attr = new { shape = new { shape = new { dim = new[] { -1, H, W, Ci }.Select(d => new { size = d.ToString(System.Globalization.CultureInfo.InvariantCulture) }) } } } },
                    new { name = "f", op = "Const" },
                    new { name = "scale", op = "Const" },
                    new { name = "shift", op = "Const" },
                    new { name = "conv", op = "Conv2D", input = new[] { "x", "f" }, attr = convAttr },
                    new { name = "mul", op = "Mul", input = new[] { "conv", "scale" } },
                    new { name = "bn", op = "Sub", input = new[] { "mul:0", "shift" } },
                },
            },
            weightsManifest = new[]
            {
                new
                {
                    paths = new[] { "w.bin" },
                    weights = new object[]
                    {
                        new { name = "f", shape = new[] { K, K, Ci, Co }, dtype = "float32" },
                        new { name = "scale", shape = new[] { Co }, dtype = "float32" },
                        new { name = "shift", shape = new[] { Co }, dtype = "float32" },
                    },
                },
            },
        };
        var path = Path.Combine(dir, "model.json");
        File.WriteAllText(path, JsonSerializer.Serialize(model));
        return path;
    }
}
