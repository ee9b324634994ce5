using Doppel.Models.Onnx.Proto;

namespace Doppel.Models.Onnx;

/// <summary>The observed value range of one tensor over a calibration set.</summary>
public readonly record struct TensorRange(float Min, float Max);

/// <summary>
/// Static 8-bit quantisation in ONNX's QDQ form, so ONNX Runtime runs the convolutions with its
/// integer kernels (VNNI where the CPU has it): activations uint8 with a scale and zero point from
/// calibrated ranges, Conv weights int8 symmetric per output channel, biases int32 at
/// input-scale × weight-scale. Every calibrated activation gets a QuantizeLinear/DequantizeLinear
/// pair right after the node that makes it; ONNX Runtime's QDQ fusions then turn
/// DQ → Conv → Q into QLinearConv (grouped and depthwise too), DQ → Add → Q into QLinearAdd, drop a
/// Relu before a Q whose range starts at zero and a Clip (ReLU6) before a Q whose range lies inside the
/// clip's, and keep pooling and padding in uint8. Nodes it cannot fuse run in float on the
/// dequantised values, so the graph stays correct whatever it fuses.
/// </summary>
public static class OnnxQdqQuantizer
{
    /// <summary>Ops whose float outputs get a Q/DQ pair when a range is known.</summary>
    private static readonly HashSet<string> QuantisedOutputs = new(StringComparer.Ordinal)
    {
        "Conv", "Relu", "Clip", "Add", "MaxPool", "AveragePool", "Pad", "Concat",
    };

    /// <summary>Ops that only move values: their output keeps the input's scale and zero point, which
    /// is what ONNX Runtime needs to run them on uint8 data directly.</summary>
    private static readonly HashSet<string> RangePreserving = new(StringComparer.Ordinal) { "MaxPool", "Pad" };

    /// <summary>
    /// The quantised model. <paramref name="ranges"/> holds calibrated ranges by tensor name (graph
    /// input and node outputs); tensors without one stay float. The input model is not changed.
    /// </summary>
    public static ModelProto Quantize(ModelProto model, IReadOnlyDictionary<string, TensorRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ranges);
        var result = model.Clone();
        var graph = result.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var consumers = graph.Node.SelectMany(n => n.Input.Select(i => (Input: i, Node: n)))
            .ToLookup(x => x.Input, x => x.Node, StringComparer.Ordinal);

        // Ranges actually used: a Relu's input is not quantised when the Relu is its only consumer
        // (the Q after the Relu absorbs it); pooling and padding inherit their input's parameters.
        var parameters = new Dictionary<string, (float Scale, byte ZeroPoint)>(StringComparer.Ordinal);
        (float Scale, byte ZeroPoint)? ParametersOf(string tensor) =>
            parameters.TryGetValue(tensor, out var p) ? p : null;

        var nodes = new List<NodeProto>();
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        var added = new List<TensorProto>();

        void AddQdq(string tensor, (float Scale, byte ZeroPoint) p)
        {
            parameters[tensor] = p;
            var scale = OnnxTensors.Float($"{tensor}/q_scale", [p.Scale]);
            var zeroPoint = OnnxTensors.UInt8($"{tensor}/q_zero", [p.ZeroPoint]);
            added.Add(scale);
            added.Add(zeroPoint);
            var quantised = new NodeProto { OpType = "QuantizeLinear", Name = $"{tensor}/Q" };
            quantised.Input.AddRange([tensor, scale.Name, zeroPoint.Name]);
            quantised.Output.Add($"{tensor}/q");
            var dequantised = new NodeProto { OpType = "DequantizeLinear", Name = $"{tensor}/DQ" };
            dequantised.Input.AddRange([$"{tensor}/q", scale.Name, zeroPoint.Name]);
            dequantised.Output.Add($"{tensor}/dq");
            nodes.Add(quantised);
            nodes.Add(dequantised);
            renamed[tensor] = $"{tensor}/dq";
        }

        bool WantsQdq(string tensor, NodeProto? producer)
        {
            if (graphOutputs.Contains(tensor) || !ranges.ContainsKey(tensor))
                return false;
            if (producer is not null && !QuantisedOutputs.Contains(producer.OpType))
                return false;
            var users = consumers[tensor].ToList();
            // Conv/Add → Relu or Clip: quantise after the activation only (ONNX Runtime folds it into the Q).
            return users.Count > 0 && !users.All(u => u.OpType is "Relu" or "Clip");
        }

        foreach (var input in graph.Input)
            if (!initializers.ContainsKey(input.Name) && WantsQdq(input.Name, null))
                AddQdq(input.Name, FromRange(ranges[input.Name]));

        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
                if (renamed.TryGetValue(node.Input[i], out var dq))
                    node.Input[i] = dq;

            if (node.OpType == "Conv" && ParametersOf(Original(node.Input[0])) is { } inputParameters)
                QuantiseConvWeights(node, inputParameters.Scale, initializers, added, nodes);
            nodes.Add(node);

            foreach (var output in node.Output)
            {
                if (!WantsQdq(output, node))
                    continue;
                var p = RangePreserving.Contains(node.OpType) && ParametersOf(Original(node.Input[0])) is { } same
                    ? same
                    : node.OpType == "Clip"
                        ? WithinClip(ranges[output], ClipBound(node, 1, initializers), ClipBound(node, 2, initializers))
                        : FromRange(ranges[output]);
                AddQdq(output, p);
            }
        }

        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        graph.Initializer.AddRange(added);
        // The float weights now reach their Conv only as int8 copies: drop them.
        var used = nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        var unused = graph.Initializer.Where(t => !used.Contains(t.Name)).ToList();
        foreach (var tensor in unused)
            graph.Initializer.Remove(tensor);
        foreach (var input in graph.Input.Where(i => unused.Any(t => t.Name == i.Name)).ToList())
            graph.Input.Remove(input);
        // Shapes recorded for intermediate values may no longer match names; ONNX Runtime infers them.
        graph.ValueInfo.Clear();
        EnsureOpset(result, 13); // per-axis DequantizeLinear
        return result;

        string Original(string name) => name.EndsWith("/dq", StringComparison.Ordinal) ? name[..^3] : name;
    }

    /// <summary>Conv weights → int8 per output channel (symmetric), bias → int32, each behind a
    /// DequantizeLinear so the node still computes in float until ONNX Runtime fuses it.</summary>
    private static void QuantiseConvWeights(NodeProto conv, float inputScale, Dictionary<string, TensorProto> initializers,
        List<TensorProto> added, List<NodeProto> nodes)
    {
        if (conv.Input.Count < 2 || !initializers.TryGetValue(conv.Input[1], out var weightTensor))
            return;
        var weights = OnnxTensors.ReadFloats(weightTensor);
        var outChannels = (int)weightTensor.Dims[0];
        var perChannel = weights.Length / outChannels;
        var bias = conv.Input.Count > 2 && conv.Input[2].Length > 0 && initializers.TryGetValue(conv.Input[2], out var biasTensor)
            ? OnnxTensors.ReadFloats(biasTensor)
            : null;
        var scales = new float[outChannels];
        var quantised = new sbyte[weights.Length];
        for (int o = 0; o < outChannels; o++)
        {
            float max = 0;
            for (int i = 0; i < perChannel; i++)
                max = MathF.Max(max, MathF.Abs(weights[o * perChannel + i]));
            scales[o] = max > 0 ? max / 127f : 1f;
            // The bias is stored as int32 at input-scale × weight-scale: a channel whose weights are
            // nearly zero but whose bias is not would overflow it, so its weight scale is raised until
            // the bias fits in 2^30 steps (its tiny weights then round to zero, as they nearly are).
            if (bias is not null)
                scales[o] = MathF.Max(scales[o], MathF.Abs(bias[o]) / (inputScale * (1 << 30)));
            for (int i = 0; i < perChannel; i++)
                quantised[o * perChannel + i] = (sbyte)Math.Clamp(MathF.Round(weights[o * perChannel + i] / scales[o]), -127, 127);
        }
        var name = weightTensor.Name;
        added.Add(OnnxTensors.Int8($"{name}/int8", quantised, [.. weightTensor.Dims]));
        added.Add(OnnxTensors.Float($"{name}/scale", scales, outChannels));
        added.Add(OnnxTensors.Int8($"{name}/zero", new sbyte[outChannels], outChannels));
        nodes.Add(Dequantize($"{name}/int8", $"{name}/scale", $"{name}/zero", $"{name}/dq"));
        conv.Input[1] = $"{name}/dq";

        if (bias is not null)
        {
            var biasScales = scales.Select(s => s * inputScale).ToArray();
            var biasQuantised = bias.Select((b, o) => (int)Math.Clamp(Math.Round((double)b / biasScales[o]), int.MinValue + 1, int.MaxValue)).ToArray();
            var b = conv.Input[2];
            added.Add(OnnxTensors.Int32($"{b}/int32", biasQuantised, outChannels));
            added.Add(OnnxTensors.Float($"{b}/scale", biasScales, outChannels));
            added.Add(OnnxTensors.Int32($"{b}/zero", new int[outChannels], outChannels));
            nodes.Add(Dequantize($"{b}/int32", $"{b}/scale", $"{b}/zero", $"{b}/dq"));
            conv.Input[2] = $"{b}/dq";
        }
    }

    private static NodeProto Dequantize(string input, string scale, string zeroPoint, string output)
    {
        var node = new NodeProto { OpType = "DequantizeLinear", Name = output };
        node.Input.AddRange([input, scale, zeroPoint]);
        node.Output.Add(output);
        node.Attribute.Add(OnnxAttribute.Int("axis", 0));
        return node;
    }

    /// <summary>uint8 parameters covering the range and zero exactly (zero padding must stay exact).</summary>
    public static (float Scale, byte ZeroPoint) FromRange(TensorRange range)
    {
        var min = MathF.Min(range.Min, 0f);
        var max = MathF.Max(range.Max, 0f);
        var scale = (max - min) / 255f;
        if (!(scale > 0) || float.IsInfinity(scale))
            return (1f, 0);
        var zeroPoint = (byte)Math.Clamp(MathF.Round(-min / scale), 0, 255);
        return (scale, zeroPoint);
    }

    /// <summary>
    /// Parameters for a Clip's output whose representable range lies inside the clip's bounds, the
    /// condition under which ONNX Runtime's ClipQuantFusion removes the Clip (it compares
    /// scale·(0 − zero point) and scale·(255 − zero point), in float, with the bounds). A ReLU6 output
    /// calibrated at exactly [0, 6] would otherwise round its top to 6.0000005 and keep a float Clip
    /// between every pair of convolutions.
    /// </summary>
    public static (float Scale, byte ZeroPoint) WithinClip(TensorRange range, float low, float high)
    {
        if (!(low <= 0 && high >= 0))
            return FromRange(range); // zero must stay exact, so the Q's range cannot lie inside: the Clip stays
        var (scale, zeroPoint) = FromRange(new TensorRange(MathF.Max(range.Min, low), MathF.Min(range.Max, high)));
        while (scale > 0 && (scale * (255 - zeroPoint) > high || scale * (0 - zeroPoint) < low))
            scale = MathF.BitDecrement(scale);
        return (scale, zeroPoint);
    }

    /// <summary>A Clip's bound (input 1 = min, 2 = max) when it is a constant; unbounded otherwise.</summary>
    private static float ClipBound(NodeProto clip, int input, Dictionary<string, TensorProto> initializers) =>
        clip.Input.Count > input && initializers.TryGetValue(clip.Input[input], out var bound) && OnnxTensors.ReadFloats(bound) is [var value]
            ? value
            : input == 1 ? float.NegativeInfinity : float.PositiveInfinity;

    private static void EnsureOpset(ModelProto model, long minimum)
    {
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (opset is null)
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = minimum });
        else if (opset.Version < minimum)
            opset.Version = minimum;
    }
}
