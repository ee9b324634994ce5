using Doppel.Models.Onnx;
using Doppel.Models.Onnx.Proto;

namespace Doppel.Models.Tests;

public class OnnxGraphBuilderTests
{
    /// <summary>y = relu(x · W + b) with a symbolic batch, checked against the same sum done by hand.</summary>
    [Fact]
    public void DenseReluGraphRunsInOnnxRuntimeWithAnyBatch()
    {
        float[] weights = [1, -2, 0.5f, 3, 0.25f, -1];   // [3, 2]
        float[] bias = [0.5f, -0.5f];
        var builder = new OnnxGraphBuilder("dense").AddInput("x", "N", 3);
        var w = builder.AddInitializer("w", weights, 3, 2);
        var b = builder.AddInitializer("b", bias, 2);
        var product = builder.Op("MatMul", ["x", w]);
        var sum = builder.Op("Add", [product, b]);
        builder.Op("Relu", "y", [sum]);
        var bytes = builder.AddOutput("y", "N", 2).ToBytes();

        float[] x = [1, 2, 3, -1, 0, 4, 0.5f, 0.5f, 0.5f];
        var y = OrtRun.Run(bytes, "x", x, 3, 3).Single();

        y.Shape.ShouldBe([3L, 2L]);
        for (var row = 0; row < 3; row++)
            for (var col = 0; col < 2; col++)
            {
                var expected = bias[col];
                for (var k = 0; k < 3; k++)
                    expected += x[row * 3 + k] * weights[k * 2 + col];
                y.Data[row * 2 + col].ShouldBe(MathF.Max(0, expected), 1e-6f);
            }
    }

    /// <summary>Ints, int and string attributes reach ONNX Runtime: a strided, padded 2x2 conv and a max-pool.</summary>
    [Fact]
    public void ConvAndPoolAttributesAreHonoured()
    {
        var builder = new OnnxGraphBuilder("conv").AddInput("x", "N", 1, 4, 4);
        var w = builder.AddInitializer("w", [1, 1, 1, 1], 1, 1, 2, 2);
        var conv = builder.Op("Conv", ["x", w],
            OnnxAttribute.Ints("kernel_shape", 2, 2), OnnxAttribute.Ints("strides", 2, 2),
            OnnxAttribute.Ints("pads", 0, 0, 0, 0), OnnxAttribute.Int("group", 1));
        builder.Op("MaxPool", "y", [conv], OnnxAttribute.Ints("kernel_shape", 2, 2), OnnxAttribute.String("auto_pad", "VALID"));
        var bytes = builder.AddOutput("y", "N", 1, 1, 1).ToBytes();

        var x = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        var y = OrtRun.Run(bytes, "x", x, 1, 1, 4, 4).Single();

        // Conv sums of the 2x2 blocks: [10, 18, 42, 50]; max-pool keeps 50.
        y.Data.ShouldBe([50f]);
    }

    /// <summary>Float and floats attributes: LeakyRelu's alpha, and a Constant built from value_floats added to the input.</summary>
    [Fact]
    public void FloatAttributesAreHonoured()
    {
        var builder = new OnnxGraphBuilder("floats").AddInput("x", "N", 3);
        var leaky = builder.Op("LeakyRelu", ["x"], OnnxAttribute.Float("alpha", 0.25f));
        var offsets = builder.Op("Constant", [], OnnxAttribute.Floats("value_floats", 10f, 20f, 30f));
        builder.Op("Add", "y", [leaky, offsets]);
        var bytes = builder.AddOutput("y", "N", 3).ToBytes();

        var y = OrtRun.Run(bytes, "x", [-4f, 0f, 2f, 8f, -8f, 1f], 2, 3).Single();

        y.Data.ShouldBe([9f, 20f, 32f, 18f, 18f, 31f]);
    }

    [Fact]
    public void ReadingAnUndefinedValueIsReportedByName()
    {
        var builder = new OnnxGraphBuilder("broken").AddInput("x", "N", 2);
        builder.Op("Add", "y", ["x", "missing_bias"]);
        builder.AddOutput("y", "N", 2);
        Should.Throw<InvalidOperationException>(() => builder.Build()).Message.ShouldContain("missing_bias");
    }

    [Fact]
    public void DuplicateNamesAreRejected()
    {
        var builder = new OnnxGraphBuilder("dup");
        builder.AddInitializer("w", [1f], 1);
        Should.Throw<ArgumentException>(() => builder.AddInitializer("w", [2f], 1));
    }

    [Fact]
    public void InitializerValueCountMustMatchDims() =>
        Should.Throw<ArgumentException>(() => new OnnxGraphBuilder("g").AddInitializer("w", [1f, 2f, 3f], 2, 2));

    [Fact]
    public void OpsetAndIrVersionRoundTripThroughBytes()
    {
        var builder = new OnnxGraphBuilder("id").Opset(13).IrVersion(7).AddInput("x", "N");
        builder.Op("Identity", "y", ["x"]);
        var model = ModelProto.Parser.ParseFrom(builder.AddOutput("y", "N").ToBytes());

        model.IrVersion.ShouldBe(7);
        model.OpsetImport.Single().Version.ShouldBe(13);
        model.Graph.Input.Single().Type.TensorType.Shape.Dim.Single().DimParam.ShouldBe("N");
    }
}
