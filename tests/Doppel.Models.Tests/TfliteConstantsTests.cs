using Doppel.Models.Conversion;

namespace Doppel.Models.Tests;

public class TfliteConstantsTests
{
    [Fact]
    public void Float16WeightsAreWidened()
    {
        var m = new TfliteSyntheticModel();
        var index = m.Float16("w", [0.5f, -2f, 65504f, 0.000061035156f], 4);
        var model = m.Build(index);
        TfliteConstants.ReadFloats(model, model.SubGraphs[0].Tensors[index]).ShouldBe([0.5f, -2f, 65504f, 0.000061035156f]);
    }

    [Fact]
    public void PerChannelInt8IsDequantisedAlongTheQuantisedDimension()
    {
        var m = new TfliteSyntheticModel();
        // Shape [2, 3], channels along axis 1: scale and zero point change per column.
        var quantization = new TfliteQuantization([0.5f, 2f, 0.1f], [0, 1, -10], 1, [], []);
        var index = m.Int8("w", [2, 3, -10, -4, 1, 10], quantization, 2, 3);
        var model = m.Build(index);
        TfliteConstants.ReadFloats(model, model.SubGraphs[0].Tensors[index])
            .ShouldBe([1f, 4f, 0f, -2f, 0f, 2f], tolerance: 1e-6);
    }

    [Fact]
    public void PerTensorQuantisationUsesOneScale()
    {
        var m = new TfliteSyntheticModel();
        var index = m.Int8("w", [-128, 0, 127], new TfliteQuantization([0.25f], [-128], 0, [], []), 3);
        var model = m.Build(index);
        TfliteConstants.ReadFloats(model, model.SubGraphs[0].Tensors[index]).ShouldBe([0f, 32f, 63.75f]);
    }

    [Fact]
    public void IntegerWeightsWithoutQuantisationAreRefused()
    {
        var m = new TfliteSyntheticModel();
        var index = m.Int32("w", [1, 2], 2);
        var model = m.Build(index);
        Should.Throw<NotSupportedException>(() => TfliteConstants.ReadFloats(model, model.SubGraphs[0].Tensors[index]))
            .Message.ShouldContain("without quantisation");
        TfliteConstants.ReadIntegers(model, model.SubGraphs[0].Tensors[index]).ShouldBe([1L, 2L]);
    }

    [Fact]
    public void ABufferOfTheWrongSizeIsReported()
    {
        var m = new TfliteSyntheticModel();
        var index = m.Float32("w", [1f, 2f, 3f], 4);   // shape says 4 values, buffer holds 3
        var model = m.Build(index);
        Should.Throw<InvalidDataException>(() => TfliteConstants.ReadFloats(model, model.SubGraphs[0].Tensors[index]))
            .Message.ShouldContain("needs 16 bytes but its buffer has 12");
    }
}
