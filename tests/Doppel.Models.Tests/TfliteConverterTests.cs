using Doppel.Models.Conversion;
using Google.Protobuf;

namespace Doppel.Models.Tests;

public class TfliteConverterTests
{
    /// <summary>input [1,7,6,3] → fp16 conv 3x3/2 SAME + RELU6 → int8 per-channel depthwise ×2 SAME
    /// → PReLU as TOCO writes it (relu(x) + α·(x − |x|)) → SUB with a constant on the left →
    /// RESHAPE of a 4x3 map to [1, 96].</summary>
    private static TfliteModel MixedModel()
    {
        var m = new TfliteSyntheticModel();
        var input = m.Input(1, 7, 6, 3);
        var w16 = m.Float16("conv/w16", TfliteSyntheticModel.Values(4 * 3 * 3 * 3, 1), 4, 3, 3, 3);
        var w = m.Op(TfliteBuiltinOperator.DEQUANTIZE, null, [w16], "conv/w", 4, 3, 3, 3);
        var conv = m.Op(TfliteBuiltinOperator.CONV_2D,
            new TfliteConv2DOptions(TflitePadding.Same, 2, 2, TfliteActivation.Relu6, 1, 1),
            [input, w, m.Float32("conv/b", TfliteSyntheticModel.Values(4, 2), 4)], "conv", 1, 4, 3, 4);

        var quantization = new TfliteQuantization([0.01f, 0.02f, 0.03f, 0.04f, 0.05f, 0.06f, 0.07f, 0.08f], [0, 1, 2, 3, -1, -2, -3, 0], 3, [], []);
        var q = TfliteSyntheticModel.Values(9 * 8, 3).Select(v => (sbyte)(v * 100)).ToArray();
        var dw = m.Op(TfliteBuiltinOperator.DEPTHWISE_CONV_2D,
            new TfliteDepthwiseConv2DOptions(TflitePadding.Same, 1, 1, 2, TfliteActivation.None, 1, 1),
            [conv, m.Int8("dw/w", q, quantization, 1, 3, 3, 8), m.Float32("dw/b", TfliteSyntheticModel.Values(8, 4), 8)], "dw", 1, 4, 3, 8);

        var relu = m.Op(TfliteBuiltinOperator.RELU, null, [dw], "prelu/relu", 1, 4, 3, 8);
        var abs = m.Op(TfliteBuiltinOperator.ABS, null, [dw], "prelu/abs", 1, 4, 3, 8);
        var sub = m.Op(TfliteBuiltinOperator.SUB, new TfliteActivationOptions(TfliteActivation.None), [dw, abs], "prelu/sub", 1, 4, 3, 8);
        var mul = m.Op(TfliteBuiltinOperator.MUL, new TfliteActivationOptions(TfliteActivation.None),
            [m.Float32("prelu/alpha", TfliteSyntheticModel.Values(8, 5), 8), sub], "prelu/mul", 1, 4, 3, 8);
        var prelu = m.Op(TfliteBuiltinOperator.ADD, new TfliteActivationOptions(TfliteActivation.None), [relu, mul], "prelu", 1, 4, 3, 8);
        var shifted = m.Op(TfliteBuiltinOperator.SUB, new TfliteActivationOptions(TfliteActivation.None),
            [m.Float32("shift", TfliteSyntheticModel.Values(8, 6), 1, 1, 1, 8), prelu], "shifted", 1, 4, 3, 8);
        var flat = m.Op(TfliteBuiltinOperator.RESHAPE, new TfliteReshapeOptions([1, 96]), [shifted], "flat", 1, 96);
        return m.Build(flat);
    }

    [Fact]
    public void MixedModelMatchesTheReferenceAtEveryBatchSize()
    {
        var model = MixedModel();
        var onnx = TfliteToOnnxConverter.Convert(model, new TfliteToOnnxOptions { OutputName = "features" }).ToByteArray();
        const int batch = 3, pixels = 3 * 7 * 6;
        var nchw = OrtRun.Deterministic(batch * pixels, seed: 21);
        var actual = OrtRun.Run(onnx, "input", nchw, batch, 3, 7, 6).Single();
        actual.Name.ShouldBe("features");
        actual.Shape.ShouldBe([3L, 96L]);

        var reference = new TfliteReferenceInterpreter(model);
        for (var b = 0; b < batch; b++)
        {
            var expected = reference.Run(TfliteMobileFaceNetTests.NchwToNhwc(nchw[(b * pixels)..((b + 1) * pixels)], 1, 3, 7, 6));
            var row = actual.Data.AsSpan(b * 96, 96).ToArray();
            expected.Max(Math.Abs).ShouldBeGreaterThan(0.1f);   // not a degenerate all-zero check
            expected.Zip(row).Max(p => Math.Abs(p.First - p.Second)).ShouldBeLessThan(1e-5f);
        }
    }

    /// <summary>input [1,9,8,2] → 3x3 VALID conv with dilation 2 and stride (1,2) → the unary ops and
    /// DIV by a per-channel constant → RESHAPE to [1, -1] through a constant shape tensor.</summary>
    [Fact]
    public void ValidDilatedConvAndElementwiseOpsMatchTheReference()
    {
        var m = new TfliteSyntheticModel();
        var input = m.Input(1, 9, 8, 2);
        var conv = m.Op(TfliteBuiltinOperator.CONV_2D,
            new TfliteConv2DOptions(TflitePadding.Valid, 2, 1, TfliteActivation.Tanh, 2, 2),
            [input, m.Float32("w", TfliteSyntheticModel.Values(3 * 3 * 3 * 2, 7), 3, 3, 3, 2), -1], "conv", 1, 5, 2, 3);
        var logistic = m.Op(TfliteBuiltinOperator.LOGISTIC, null, [conv], "logistic", 1, 5, 2, 3);
        var scaled = m.Op(TfliteBuiltinOperator.MUL, new TfliteActivationOptions(TfliteActivation.ReluN1To1),
            [logistic, m.Float32("gain", [3f, -4f, 5f], 3)], "scaled", 1, 5, 2, 3);
        var relu6 = m.Op(TfliteBuiltinOperator.RELU6, null, [scaled], "relu6", 1, 5, 2, 3);
        var clipped = m.Op(TfliteBuiltinOperator.RELU_N1_TO_1, null, [conv], "clipped", 1, 5, 2, 3);
        var tanh = m.Op(TfliteBuiltinOperator.TANH, null, [clipped], "tanh", 1, 5, 2, 3);
        var sum = m.Op(TfliteBuiltinOperator.ADD, new TfliteActivationOptions(TfliteActivation.None), [relu6, tanh], "sum", 1, 5, 2, 3);
        var divided = m.Op(TfliteBuiltinOperator.DIV, new TfliteActivationOptions(TfliteActivation.None),
            [sum, m.Float32("divisor", [0.5f, 2f, -4f], 1, 1, 3)], "divided", 1, 5, 2, 3);
        var flat = m.Op(TfliteBuiltinOperator.RESHAPE, null, [divided, m.Int32("shape", [1, -1], 2)], "flat", 1, 30);
        var model = m.Build(flat);

        var onnx = TfliteToOnnxConverter.Convert(model).ToByteArray();
        var nchw = OrtRun.Deterministic(2 * 9 * 8 * 2, seed: 31);
        var actual = OrtRun.Run(onnx, "input", nchw, 2, 2, 9, 8).Single();
        actual.Shape.ShouldBe([2L, 30L]);
        var reference = new TfliteReferenceInterpreter(model);
        for (var b = 0; b < 2; b++)
        {
            var expected = reference.Run(TfliteMobileFaceNetTests.NchwToNhwc(nchw[(b * 144)..((b + 1) * 144)], 1, 2, 9, 8));
            expected.Max(Math.Abs).ShouldBeGreaterThan(0.1f);
            expected.Zip(actual.Data[(b * 30)..((b + 1) * 30)]).Max(p => Math.Abs(p.First - p.Second)).ShouldBeLessThan(1e-5f);
        }
    }

    [Fact]
    public void UnsupportedOperatorIsNamedInTheError()
    {
        var m = new TfliteSyntheticModel();
        var input = m.Input(1, 4);
        var softmax = m.Op(TfliteBuiltinOperator.SOFTMAX, new TfliteSoftmaxOptions(1f), [input], "probabilities", 1, 4);
        var error = Should.Throw<NotSupportedException>(() => TfliteToOnnxConverter.Convert(m.Build(softmax)));
        error.Message.ShouldContain("SOFTMAX");
        error.Message.ShouldContain("probabilities");
    }

    [Fact]
    public void QuantisedActivationsAreRejectedClearly()
    {
        var m = new TfliteSyntheticModel();
        var input = m.Input(1, 4);
        var dequantized = m.Op(TfliteBuiltinOperator.DEQUANTIZE, null, [input], "x", 1, 4);
        var error = Should.Throw<NotSupportedException>(() => TfliteToOnnxConverter.Convert(m.Build(dequantized)));
        error.Message.ShouldContain("quantised activations");
    }

    [Theory]
    [InlineData(TflitePadding.Same, 112, 3, 2, 1, 0, 1)]   // even input, stride 2: the extra pixel goes after
    [InlineData(TflitePadding.Same, 7, 3, 2, 1, 1, 1)]
    [InlineData(TflitePadding.Same, 56, 3, 1, 1, 1, 1)]
    [InlineData(TflitePadding.Same, 6, 4, 1, 1, 1, 2)]     // even kernel: asymmetric even at stride 1
    [InlineData(TflitePadding.Same, 10, 3, 1, 2, 2, 2)]    // dilation widens the kernel to 5
    [InlineData(TflitePadding.Same, 7, 1, 1, 1, 0, 0)]
    [InlineData(TflitePadding.Valid, 7, 7, 1, 1, 0, 0)]
    public void TfPaddingBecomesExplicitPads(TflitePadding padding, int input, int kernel, int stride, int dilation, long begin, long end) =>
        TfliteLayout.Pads(padding, input, kernel, stride, dilation).ShouldBe((begin, end));

    [Fact]
    public void PermuteMovesAxesAndBack()
    {
        int[] dims = [2, 3, 4, 5];
        var values = Enumerable.Range(0, 120).Select(i => (float)i).ToArray();
        var nchw = TfliteLayout.Permute4(values, dims, [0, 3, 1, 2]);
        // Element (n=1, h=2, w=3, c=4) of the NHWC array sits at (1, 4, 2, 3) in NCHW [2,5,3,4].
        nchw[((1 * 5 + 4) * 3 + 2) * 4 + 3].ShouldBe(values[((1 * 3 + 2) * 4 + 3) * 5 + 4]);
        TfliteLayout.Permute4(nchw, [2, 5, 3, 4], [0, 2, 3, 1]).ShouldBe(values);
    }
}
