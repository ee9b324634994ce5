using Doppel.Models.Onnx;
using Doppel.Models.Onnx.Proto;

namespace Doppel.Vision.Detection;

/// <summary>
/// Rewrites the shipped BlazeFace back-256 graph (Keras → ONNX, NHWC input, batch 1) into one that
/// computes the same outputs faster on CPU and takes a batch. Done in memory when the detector
/// loads (a few milliseconds), so the installed file stays the one whose sha256 the catalogue pins.
/// <list type="bullet">
/// <item>Channels 24 → 32 with zero weights and biases. ONNX Runtime's blocked (NCHWc) kernels need
/// channel counts that are multiples of the SIMD block (16 with AVX-512); at 24 every residual Add,
/// Relu and MaxPool of the two biggest stages ran in plain NCHW with layout conversions around them.
/// The extra channels stay exactly zero through Conv, Add, Relu and MaxPool, and the layers that read
/// them have zero weights for them, so the outputs are unchanged.</item>
/// <item>Input NCHW <c>[N,3,256,256]</c> instead of NHWC: the leading Transpose goes, the caller
/// writes planes directly.</item>
/// <item>The zero-channel padding blocks (<c>Concat(x, ConstantOfShape([1,C,H,W]))</c>, fixed at
/// batch 1) become identity 1x1 convolutions; the output Reshapes copy the batch.</item>
/// </list>
/// </summary>
internal static class BlazeFaceGraph
{
    public const string InputName = "input:0";
    private const int NarrowChannels = 24;
    private const int PaddedChannels = 32;

    /// <summary>The prepared graph as ONNX bytes; throws <see cref="InvalidDataException"/> when the
    /// file is not the BlazeFace back-256 graph these edits were written for.</summary>
    public static byte[] Prepare(string shippedModelPath)
    {
        var model = OnnxGraphEdits.Load(shippedModelPath);
        try
        {
            Prepare(model);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or KeyNotFoundException)
        {
            throw new InvalidDataException($"{shippedModelPath} is not the BlazeFace back-256 graph Doppel knows how to prepare: {e.Message}", e);
        }
        return OnnxGraphEdits.ToBytes(model);
    }

    private static void Prepare(ModelProto model)
    {
        var graph = model.Graph;
        Require(graph.Input.Count == 1 && graph.Input[0].Name == InputName, $"one input named {InputName}");
        DropInputTranspose(graph);
        Require(PadNarrowChannels(graph) == 48, "48 convolution weights with 24 channels");
        Require(ReplaceZeroConcats(graph) == 2, "two zero-channel Concat blocks");
        OnnxGraphEdits.SetInputShape(model, InputName, "N", 3, 256, 256);
        foreach (var output in graph.Output.ToList())
        {
            var dims = output.Type.TensorType.Shape.Dim;
            OnnxGraphEdits.SetOutputShape(model, output.Name, "N", dims[1].DimValue, dims[2].DimValue);
        }
        OnnxGraphEdits.ClearIntermediateShapes(model);
        Require(OnnxGraphEdits.MakeReshapeBatchDynamic(model) == 4, "four batch-1 output Reshapes");
    }

    /// <summary>The graph opens with Transpose(NHWC → NCHW) of the input; its readers take the input itself.</summary>
    private static void DropInputTranspose(GraphProto graph)
    {
        var transpose = graph.Node.SingleOrDefault(n => n.OpType == "Transpose" && n.Input.Count == 1 && n.Input[0] == InputName);
        Require(transpose is not null && transpose.Attribute.Single(a => a.Name == "perm").Ints.SequenceEqual([0L, 3, 1, 2]),
            "a Transpose [0,3,1,2] of the input");
        foreach (var node in graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == transpose!.Output[0])
                    node.Input[i] = InputName;
        graph.Node.Remove(transpose);
    }

    /// <summary>Every Conv producing or consuming 24 channels gets zero rows/columns up to 32; the
    /// depthwise ones get group 32. Returns how many weight axes were widened.</summary>
    private static int PadNarrowChannels(GraphProto graph)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        void Widen(string name, int axis)
        {
            var widened = WidenAxis(initializers[name], axis, PaddedChannels);
            graph.Initializer[graph.Initializer.IndexOf(initializers[name])] = widened;
            initializers[name] = widened;
        }

        int widenedAxes = 0;
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv"))
        {
            var weights = initializers[conv.Input[1]];
            bool hasBias = conv.Input.Count > 2;
            var group = conv.Attribute.FirstOrDefault(a => a.Name == "group");
            if (group is { I: NarrowChannels })
            {
                // Depthwise: one filter per channel, weights [24,1,k,k].
                group.I = PaddedChannels;
                Widen(conv.Input[1], 0);
                if (hasBias) Widen(conv.Input[2], 0);
                widenedAxes++;
                continue;
            }
            if (group is { I: not 1 })
                continue;
            if (weights.Dims[1] == NarrowChannels)
            {
                Widen(conv.Input[1], 1);
                widenedAxes++;
            }
            if (weights.Dims[0] == NarrowChannels)
            {
                Widen(conv.Input[1], 0);
                if (hasBias) Widen(conv.Input[2], 0);
                widenedAxes++;
            }
        }
        return widenedAxes;
    }

    /// <summary>Concat(x, ConstantOfShape([1,C,H,W]) of zeros) on axis 1 → a 1x1 Conv whose weights
    /// copy x's channels and add zero ones up to the same total. Unlike Concat or Pad, a Conv runs in
    /// the blocked layout, so the residual Add and Relu after it fuse into it and no layout
    /// conversion is needed around it (7 % of the graph's time). 1·x plus exact zeros is x: same
    /// values. Works for any batch and for x already widened to 32 channels.</summary>
    private static int ReplaceZeroConcats(GraphProto graph)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        int replaced = 0;
        foreach (var zeros in graph.Node.Where(n => n.OpType == "ConstantOfShape").ToList())
        {
            Require(zeros.Attribute.All(a => a.T is null || OnnxTensors.ReadFloats(a.T).All(v => v == 0)), "ConstantOfShape of zeros");
            var shape = OnnxTensors.ReadInt64s(initializers[zeros.Input[0]]);
            var concat = graph.Node.Single(n => n.OpType == "Concat" && n.Input.Count == 2 && n.Input[1] == zeros.Output[0]);
            Require(concat.Attribute.Single(a => a.Name == "axis").I == 1 && shape.Length == 4, "a channel Concat");
            long total = 2 * shape[1]; // each block doubles the channels: x has as many as the zeros
            long inputChannels = shape[1] == NarrowChannels ? PaddedChannels : shape[1];
            var identity = new float[total * inputChannels];
            for (long c = 0; c < inputChannels; c++)
                identity[c * inputChannels + c] = 1;
            var weightsName = zeros.Output[0] + "/identity";
            graph.Initializer.Add(OnnxTensors.Float(weightsName, identity, total, inputChannels, 1, 1));
            var conv = new NodeProto { OpType = "Conv", Name = concat.Output[0] + "/as_conv" };
            conv.Input.Add(concat.Input[0]);
            conv.Input.Add(weightsName);
            conv.Output.Add(concat.Output[0]);
            graph.Node[graph.Node.IndexOf(concat)] = conv;
            graph.Node.Remove(zeros);
            replaced++;
        }
        return replaced;
    }

    /// <summary>A copy of a FLOAT tensor with axis <paramref name="axis"/> grown to <paramref name="size"/>, new entries zero.</summary>
    private static TensorProto WidenAxis(TensorProto tensor, int axis, int size)
    {
        var dims = tensor.Dims.ToArray();
        var values = OnnxTensors.ReadFloats(tensor);
        long outer = dims.Take(axis).Aggregate(1L, (a, b) => a * b);
        long inner = dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        var widened = new float[outer * size * inner];
        for (long o = 0; o < outer; o++)
            Array.Copy(values, o * dims[axis] * inner, widened, o * size * inner, dims[axis] * inner);
        dims[axis] = size;
        return OnnxTensors.Float(tensor.Name, widened, dims);
    }

    private static void Require(bool condition, string expected)
    {
        if (!condition)
            throw new InvalidOperationException($"expected {expected}");
    }
}
