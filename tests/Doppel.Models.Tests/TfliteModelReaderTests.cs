using Doppel.Models.Conversion;

namespace Doppel.Models.Tests;

public class TfliteModelReaderTests
{
    [Fact]
    public void ReadsMobileFaceNetStructure()
    {
        var model = TfliteModelReader.ReadFile(TfliteMobileFaceNetSource.RequireTflite());
        model.Version.ShouldBe(3u);
        model.Description.ShouldBe("TOCO Converted.");
        model.OperatorCodes.Select(c => c.BuiltinCode).ShouldBe(
        [
            TfliteBuiltinOperator.ADD, TfliteBuiltinOperator.CONV_2D, TfliteBuiltinOperator.DEPTHWISE_CONV_2D, TfliteBuiltinOperator.MUL,
            TfliteBuiltinOperator.RELU, TfliteBuiltinOperator.RESHAPE, TfliteBuiltinOperator.SUB, TfliteBuiltinOperator.ABS,
        ]);
        model.Buffers.Count.ShouldBe(370);
        var graph = model.SubGraphs.ShouldHaveSingleItem();
        graph.Operators.Count.ShouldBe(230);
        var counts = graph.Operators.GroupBy(o => o.Code).ToDictionary(g => g.Key, g => g.Count());
        counts[TfliteBuiltinOperator.CONV_2D].ShouldBe(35);
        counts[TfliteBuiltinOperator.DEPTHWISE_CONV_2D].ShouldBe(17);
        counts[TfliteBuiltinOperator.ADD].ShouldBe(45);
        counts[TfliteBuiltinOperator.ABS].ShouldBe(33);   // one PReLU = RELU, ABS, SUB, MUL, ADD
        counts[TfliteBuiltinOperator.RESHAPE].ShouldBe(1);

        var input = graph.Tensors[graph.Inputs.ShouldHaveSingleItem()];
        input.Name.ShouldBe("input");
        input.Shape.ShouldBe([2, 112, 112, 3]);
        input.Type.ShouldBe(TfliteTensorType.Float32);
        var output = graph.Tensors[graph.Outputs.ShouldHaveSingleItem()];
        output.Name.ShouldBe("embeddings");
        output.Shape.ShouldBe([2, 192]);

        var first = graph.Operators[0];
        first.Code.ShouldBe(TfliteBuiltinOperator.CONV_2D);
        first.Options.ShouldBe(new TfliteConv2DOptions(TflitePadding.Same, 2, 2, TfliteActivation.None, 1, 1));
        var weights = graph.Tensors[first.Inputs[1]];
        weights.Shape.ShouldBe([64, 3, 3, 3]);   // OHWI
        model.Buffers[(int)weights.Buffer].Data.Length.ShouldBe(64 * 3 * 3 * 3 * 4);
        var last = graph.Operators[^2];
        last.Options.ShouldBeOfType<TfliteConv2DOptions>().Padding.ShouldBe(TflitePadding.Same);
        graph.Operators.OfType<TfliteOperator>().Select(o => o.Options).OfType<TfliteDepthwiseConv2DOptions>()
            .Count(o => o.Padding == TflitePadding.Valid).ShouldBe(1);   // the 7x7 global depthwise conv
    }

    [Fact]
    public void RejectsAFileWithoutTheTfliteIdentifier()
    {
        var error = Should.Throw<InvalidDataException>(() => TfliteModelReader.Read("not a model at all"u8.ToArray()));
        error.Message.ShouldContain("TFL3");
    }

    [Fact]
    public void RejectsATruncatedModelWithACorruptionError()
    {
        var bytes = File.ReadAllBytes(TfliteMobileFaceNetSource.RequireTflite());
        // The root table and vtables sit at the end of a TOCO file, past the weights.
        var error = Should.Throw<InvalidDataException>(() => TfliteModelReader.Read(bytes[..(bytes.Length / 2)]));
        error.Message.ShouldContain("Not a valid TFLite FlatBuffers file");
    }
}
