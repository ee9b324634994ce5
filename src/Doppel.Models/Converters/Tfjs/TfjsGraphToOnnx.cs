using Doppel.Models.Install;
using Doppel.Models.Onnx;
using Doppel.Models.Onnx.Proto;

namespace Doppel.Models.Converters.Tfjs;

/// <summary>
/// Translates the part of a TF.js graph model that the requested outputs need into ONNX. TensorFlow keeps
/// images NHWC; the ONNX graph keeps every 4-D value NCHW (ONNX Runtime's own convolution layout, so no
/// Transpose runs): the input is declared N x C x H x W, per-channel constants are reshaped to [C, 1, 1], and
/// reductions map their axes. Shapes are tracked in TensorFlow's order (-1 unknown, the batch always dynamic).
/// <para>Folds what a frozen Keras graph leaves behind, when the value feeding the fold has no other reader:
/// a Mul/Add/Sub by a per-channel constant after a convolution goes into its weights and bias (batch norm),
/// and Relu/Minimum/Maximum by scalars become one Clip (ReLU6). Everything else is translated op by op; an op
/// outside the list below is a <see cref="ModelInstallException"/> naming it.</para>
/// </summary>
public sealed class TfjsGraphToOnnx
{
    /// <summary>A graph output: the TF node whose (first) output it is, and its name in the ONNX graph.</summary>
    public sealed record Output(string TfNode, string OnnxName);

    public static IReadOnlyList<string> SupportedOps { get; } =
    [
        "Const", "Placeholder", "Identity", "Conv2D", "DepthwiseConv2dNative", "Add", "AddV2", "BiasAdd", "Sub", "Mul",
        "Minimum", "Maximum", "Relu", "Relu6", "Mean", "MatMul", "_FusedMatMul", "Sigmoid", "Softmax",
    ];

    private abstract record Value(int[] Shape)
    {
        public int Rank => Shape.Length;
    }

    /// <summary>A constant (a weights-manifest tensor, or one folded here), in TensorFlow's layout.</summary>
    private sealed record Constant(int[] Shape, float[] Data) : Value(Shape);

    /// <summary>A value of the ONNX graph (4-D ones NCHW).</summary>
    private sealed record Tensor(string Name, int[] Shape) : Value(Shape);

    /// <summary>A convolution not yet written: later per-channel Mul/Add may still fold into it.</summary>
    private sealed record PendingConv(string TfName, Tensor Input, float[] Weight, long[] WeightDims, float[] Bias, long Group,
        long[] Strides, long[] Dilations, long[] Pads, int[] Shape) : Value(Shape);

    /// <summary>clip(Input, Lo, Hi) not yet written: Relu, Minimum and Maximum by scalars compose into one.</summary>
    private sealed record PendingClip(string TfName, Tensor Input, float Lo, float Hi, int[] Shape) : Value(Shape);

    private readonly TfjsGraphModel _model;
    private readonly OnnxGraphBuilder _graph;
    private readonly string _inputName;
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _readers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _outputs = new(StringComparer.Ordinal);
    private int _placeholders;
    private int _constants;

    private TfjsGraphToOnnx(TfjsGraphModel model, string graphName, string inputName)
    {
        _model = model;
        _inputName = inputName;
        _graph = new OnnxGraphBuilder(graphName).Producer("doppel tfjs graph converter");
    }

    /// <summary>The ONNX model computing <paramref name="outputs"/> from the graph's one Placeholder, named
    /// <paramref name="inputName"/> in ONNX (N x C x H x W when the Placeholder is an NHWC image).</summary>
    public static ModelProto Convert(TfjsGraphModel model, string graphName, string inputName, IReadOnlyList<Output> outputs)
    {
        if (outputs.Count == 0)
            throw new ArgumentException("Name at least one output.", nameof(outputs));
        return new TfjsGraphToOnnx(model, graphName, inputName).Build(outputs);
    }

    private ModelProto Build(IReadOnlyList<Output> outputs)
    {
        CountReaders(outputs.Select(o => o.TfNode));
        // All at once, before any is translated: an output is read from outside, so nothing folds it away.
        _outputs.UnionWith(outputs.Select(o => NodeName(o.TfNode)));
        foreach (var output in outputs)
        {
            var value = Materialise(Evaluate(output.TfNode));
            _graph.Op("Identity", output.OnnxName, [value.Name]);
            _graph.AddOutput(output.OnnxName, OnnxShape(value.Shape));
        }
        if (_placeholders != 1)
            throw new ModelInstallException($"{_model.Path}: the outputs depend on {_placeholders} inputs; the converter takes graphs with exactly one.");
        return _graph.Build();
    }

    /// <summary>How many nodes needed for the outputs read each node (a fold is only sound for a value read once).</summary>
    private void CountReaders(IEnumerable<string> outputs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(outputs.Select(NodeName));
        while (stack.Count > 0)
        {
            var name = stack.Pop();
            if (!seen.Add(name))
                continue;
            foreach (var input in _model.Node(name).Inputs)
            {
                var source = NodeName(input);
                _readers[source] = _readers.GetValueOrDefault(source) + 1;
                stack.Push(source);
            }
        }
    }

    private bool ReadOnce(string tfName) => _readers.GetValueOrDefault(tfName) == 1 && !_outputs.Contains(tfName);

    /// <summary>"name" and "name:0" are the node's first output; other outputs are not needed by the ops supported here.</summary>
    private string NodeName(string input)
    {
        var colon = input.LastIndexOf(':');
        if (colon < 0)
            return input;
        if (input[(colon + 1)..] != "0")
            throw new ModelInstallException($"{_model.Path}: '{input}' reads a second output of a node; only single-output ops are supported.");
        return input[..colon];
    }

    private Value Evaluate(string input)
    {
        var name = NodeName(input);
        if (_values.TryGetValue(name, out var known))
            return known;
        var node = _model.Node(name);
        var value = Translate(node);
        _values[name] = value;
        return value;
    }

    private Value Translate(TfjsGraphNode node)
    {
        switch (node.Op)
        {
            case "Const":
                var tensor = _model.Weights.TryGetValue(node.Name, out var t) ? t
                    : throw new ModelInstallException($"{_model.Path}: Const '{node.Name}' has no tensor in the weights manifest.");
                return new Constant(tensor.Shape, tensor.Values);
            case "Placeholder":
                return Placeholder(node);
            case "Identity":
                return Evaluate(node.Inputs[0]);
            case "Conv2D":
            case "DepthwiseConv2dNative":
                return Convolution(node);
            case "Add" or "AddV2" or "BiasAdd" or "Sub" or "Mul" or "Minimum" or "Maximum":
                return Binary(node);
            case "Relu":
                return Clip(node, Evaluate(node.Inputs[0]), 0f, float.PositiveInfinity);
            case "Relu6":
                return Clip(node, Evaluate(node.Inputs[0]), 0f, 6f);
            case "Mean":
                return Mean(node);
            case "MatMul" or "_FusedMatMul":
                return MatMul(node);
            case "Sigmoid":
                var x = Materialise(Evaluate(node.Inputs[0]));
                return new Tensor(_graph.Op("Sigmoid", [x.Name]), x.Shape);
            case "Softmax":
                var logits = Materialise(Evaluate(node.Inputs[0]));
                // TF's softmax runs over the last axis: channels, which ONNX holds at axis 1 of a 4-D value.
                return new Tensor(_graph.Op("Softmax", [logits.Name], OnnxAttribute.Int("axis", logits.Rank == 4 ? 1 : -1)), logits.Shape);
            default:
                throw new ModelInstallException(
                    $"{_model.Path}: node '{node.Name}' uses op {node.Op}, which the TF.js graph converter does not translate (it knows {string.Join(", ", SupportedOps)}).");
        }
    }

    private Tensor Placeholder(TfjsGraphNode node)
    {
        if (++_placeholders > 1)
            throw new ModelInstallException($"{_model.Path}: the outputs depend on more than one input; the converter takes graphs with exactly one.");
        var shape = node.Shape("shape") ?? throw new ModelInstallException($"{_model.Path}: input '{node.Name}' declares no shape.");
        if (shape.Length == 0)
            throw new ModelInstallException($"{_model.Path}: input '{node.Name}' has no rank; the converter needs it.");
        shape[0] = -1; // the batch is always dynamic
        if (shape.Length == 4 && (shape[1] <= 0 || shape[2] <= 0 || shape[3] <= 0))
            throw new ModelInstallException($"{_model.Path}: input '{node.Name}' is [{string.Join(", ", shape)}]; the converter needs a fixed image size and channel count.");
        _graph.AddInput(_inputName, OnnxShape(shape));
        return new Tensor(_inputName, shape);
    }

    private Value Convolution(TfjsGraphNode node)
    {
        var depthwise = node.Op == "DepthwiseConv2dNative";
        var x = Materialise(Evaluate(node.Inputs[0]));
        if (x.Rank != 4)
            throw Unsupported(node, $"its input has rank {x.Rank}, not 4");
        if (node.String("data_format", "NHWC") != "NHWC")
            throw Unsupported(node, $"data_format {node.String("data_format", "")}");
        if (Evaluate(node.Inputs[1]) is not Constant { Shape: [var kh, var kw, var ci, var co] } filter)
            throw Unsupported(node, "its filter is not a constant of rank 4");
        if (ci != x.Shape[3])
            throw Unsupported(node, $"its filter takes {ci} channels but the input has {x.Shape[3]}");

        var strides = Spatial(node, "strides");
        var dilations = Spatial(node, "dilations");
        var (pads, outH) = Padding(node, x.Shape[1], kh, strides[0], dilations[0], 0);
        var (padsW, outW) = Padding(node, x.Shape[2], kw, strides[1], dilations[1], 1);
        long[] onnxPads = [pads.Begin, padsW.Begin, pads.End, padsW.End];

        // HWIO -> OIHW; depthwise HW(C)(M) -> (C*M) 1 H W with group C: output channel c*M + m, as TensorFlow orders them.
        int outChannels = depthwise ? ci * co : co;
        int inPerGroup = depthwise ? 1 : ci;
        var weight = new float[outChannels * inPerGroup * kh * kw];
        for (var y = 0; y < kh; y++)
            for (var xx = 0; xx < kw; xx++)
                for (var i = 0; i < ci; i++)
                    for (var o = 0; o < co; o++)
                    {
                        var v = filter.Data[((y * kw + xx) * ci + i) * co + o];
                        var (oc, ic) = depthwise ? (i * co + o, 0) : (o, i);
                        weight[((oc * inPerGroup + ic) * kh + y) * kw + xx] = v;
                    }
        return new PendingConv(node.Name, x, weight, [outChannels, inPerGroup, kh, kw], new float[outChannels], depthwise ? ci : 1,
            strides, dilations, onnxPads, [-1, outH, outW, outChannels]);
    }

    private long[] Spatial(TfjsGraphNode node, string attribute)
    {
        var values = node.Ints(attribute);
        if (values.Length == 0)
            return [1, 1];
        if (values is not [1, var h, var w, 1])
            throw Unsupported(node, $"{attribute} [{string.Join(", ", values)}] (only H and W may differ from 1)");
        return [h, w];
    }

    /// <summary>TensorFlow's padding for one spatial axis: SAME puts the odd pixel at the end (ONNX SAME_UPPER, written
    /// out as explicit pads), VALID none, EXPLICIT what <c>explicit_paddings</c> says (NHWC pairs).</summary>
    private ((long Begin, long End) Pads, int Out) Padding(TfjsGraphNode node, int size, int kernel, long stride, long dilation, int axis)
    {
        if (size <= 0)
            throw Unsupported(node, "its input's spatial size is not known (the converter needs a fixed image size)");
        var effective = (kernel - 1) * dilation + 1;
        var padding = node.String("padding", "VALID");
        (long Begin, long End) pads;
        switch (padding)
        {
            case "SAME":
                var outSame = (size + stride - 1) / stride;
                var total = Math.Max((outSame - 1) * stride + effective - size, 0);
                pads = (total / 2, total - total / 2);
                break;
            case "VALID":
                pads = (0, 0);
                break;
            case "EXPLICIT":
                var explicitPads = node.Ints("explicit_paddings");
                if (explicitPads.Length != 8)
                    throw Unsupported(node, $"explicit_paddings of {explicitPads.Length} values");
                pads = (explicitPads[2 + 2 * axis], explicitPads[3 + 2 * axis]);
                break;
            default:
                throw Unsupported(node, $"padding {padding}");
        }
        var output = (size + pads.Begin + pads.End - effective) / stride + 1;
        if (output <= 0)
            throw Unsupported(node, $"an output of {output} pixels along axis {axis}");
        return (pads, checked((int)output));
    }

    private Value Binary(TfjsGraphNode node)
    {
        if (node.Inputs.Count != 2)
            throw Unsupported(node, $"{node.Inputs.Count} inputs");
        var a = Evaluate(node.Inputs[0]);
        var b = Evaluate(node.Inputs[1]);
        var op = node.Op switch { "AddV2" or "BiasAdd" => "Add", "Minimum" => "Min", "Maximum" => "Max", var o => o };

        if (a is Constant ca && b is Constant cb)
            return FoldConstants(node, op, ca, cb);

        // Keep the constant on the right where the op commutes, so the folds below see one shape.
        if (a is Constant && op is "Add" or "Mul" or "Min" or "Max")
            (a, b) = (b, a);

        if (b is Constant c && a is not Constant)
        {
            if (c.Data.Length == 1 && c.Rank <= a.Rank && op is "Min" or "Max")
                return op == "Min"
                    ? Clip(node, a, float.NegativeInfinity, c.Data[0])
                    : Clip(node, a, c.Data[0], float.PositiveInfinity);
            if (a is PendingConv conv && ReadOnce(conv.TfName) && op is "Mul" or "Add" or "Sub" && PerChannel(c, a) is { } perChannel)
                return FoldIntoConv(node, conv, op, perChannel);
        }

        if (a is not Constant && b is not Constant && a.Rank != b.Rank && Math.Max(a.Rank, b.Rank) == 4)
            throw Unsupported(node, $"operands of rank {a.Rank} and {b.Rank} (an image value broadcasts only against one of its own rank)");
        var left = Operand(a, b);
        var right = Operand(b, a);
        return new Tensor(_graph.Op(op, [left.Name, right.Name]), Broadcast(node, a.Shape, b.Shape));
    }

    /// <summary>A constant's values per output channel of <paramref name="other"/> (a scalar repeated), or null
    /// when it is not a per-channel constant (rank 0, [C], or [1, ..., 1, C] against a value with C channels last).</summary>
    private static float[]? PerChannel(Constant c, Value other)
    {
        if (other.Rank == 0)
            return null;
        var channels = other.Shape[^1];
        if (c.Data.Length == 1 && other.Rank >= 1 && channels > 0)
            return [.. Enumerable.Repeat(c.Data[0], channels)];
        if (c.Rank >= 1 && c.Shape[^1] == channels && c.Data.Length == channels && c.Rank <= other.Rank)
            return c.Data;
        return null;
    }

    private PendingConv FoldIntoConv(TfjsGraphNode node, PendingConv conv, string op, float[] perChannel)
    {
        var outChannels = (int)conv.WeightDims[0];
        if (perChannel.Length != outChannels)
            throw Unsupported(node, $"a per-channel constant of {perChannel.Length} values after a convolution of {outChannels} channels");
        var weight = (float[])conv.Weight.Clone();
        var bias = (float[])conv.Bias.Clone();
        var perFilter = weight.Length / outChannels;
        for (var o = 0; o < outChannels; o++)
        {
            switch (op)
            {
                case "Mul":
                    for (var k = 0; k < perFilter; k++)
                        weight[o * perFilter + k] *= perChannel[o];
                    bias[o] *= perChannel[o];
                    break;
                case "Add":
                    bias[o] += perChannel[o];
                    break;
                default:
                    bias[o] -= perChannel[o];
                    break;
            }
        }
        return conv with { TfName = node.Name, Weight = weight, Bias = bias };
    }

    /// <summary>clip(x, lo, hi) = min(max(x, lo), hi), composed with an earlier clip when that one is read only here:
    /// max(clip(x, l, h), b) = clip(x, max(l, b), max(h, b)) and min(clip(x, l, h), a) = clip(x, min(l, a), min(h, a)).</summary>
    private PendingClip Clip(TfjsGraphNode node, Value x, float lo, float hi)
    {
        if (x is PendingClip earlier && ReadOnce(earlier.TfName))
        {
            var (l, h) = (earlier.Lo, earlier.Hi);
            (l, h) = (Math.Max(l, lo), Math.Max(h, lo));
            (l, h) = (Math.Min(l, hi), Math.Min(h, hi));
            return earlier with { TfName = node.Name, Lo = l, Hi = h };
        }
        var input = Materialise(x);
        return new PendingClip(node.Name, input, lo, hi, input.Shape);
    }

    private Constant FoldConstants(TfjsGraphNode node, string op, Constant a, Constant b)
    {
        if (a.Data.Length != b.Data.Length && a.Data.Length != 1 && b.Data.Length != 1)
            throw Unsupported(node, "two constants of different shapes (only equal shapes or a scalar fold)");
        var n = Math.Max(a.Data.Length, b.Data.Length);
        var result = new float[n];
        for (var i = 0; i < n; i++)
        {
            float x = a.Data[a.Data.Length == 1 ? 0 : i], y = b.Data[b.Data.Length == 1 ? 0 : i];
            result[i] = op switch { "Add" => x + y, "Sub" => x - y, "Mul" => x * y, "Min" => Math.Min(x, y), _ => Math.Max(x, y) };
        }
        return new Constant(a.Data.Length >= b.Data.Length ? a.Shape : b.Shape, result);
    }

    /// <summary>A value as an ONNX input of an element-wise op against <paramref name="other"/>: a constant against a
    /// 4-D (NCHW) value is laid out to broadcast the way it did against NHWC.</summary>
    private Tensor Operand(Value value, Value other)
    {
        if (value is not Constant c)
            return Materialise(value);
        if (other.Rank != 4 || c.Rank == 0 || c.Data.Length == 1)
            return Initialiser(c.Data, [.. c.Shape.Select(d => (long)d)], c.Shape);
        if (c.Rank == 1)
            return Initialiser(c.Data, [c.Shape[0], 1, 1], c.Shape);
        if (c.Rank == 4)
            return Initialiser(ToNchw(c.Data, c.Shape), [c.Shape[0], c.Shape[3], c.Shape[1], c.Shape[2]], c.Shape);
        throw new ModelInstallException($"{_model.Path}: a constant of rank {c.Rank} against an image value is not supported.");
    }

    private Tensor Initialiser(float[] data, long[] dims, int[] tfShape) =>
        new(_graph.AddInitializer($"const_{_constants++}", data, dims), tfShape);

    /// <summary>A 4-D NHWC constant in NCHW order (the TFLite translator's permutation, shared).</summary>
    private static float[] ToNchw(float[] nhwc, int[] shape) => Doppel.Models.Conversion.TfliteLayout.Permute4(nhwc, shape, [0, 3, 1, 2]);

    private int[] Broadcast(TfjsGraphNode node, int[] a, int[] b)
    {
        var rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            int x = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1, y = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            shape[i] = x == 1 ? y : y == 1 ? x : x == y || y == -1 ? x : x == -1 ? y
                : throw Unsupported(node, $"operands of shapes [{string.Join(", ", a)}] and [{string.Join(", ", b)}]");
        }
        return shape;
    }

    private Value Mean(TfjsGraphNode node)
    {
        var x = Materialise(Evaluate(node.Inputs[0]));
        if (Evaluate(node.Inputs[1]) is not Constant axesConstant)
            throw Unsupported(node, "its reduction indices are not a constant");
        var axes = axesConstant.Data.Select(a => (int)a < 0 ? (int)a + x.Rank : (int)a).Distinct().Order().ToArray();
        if (axes.Any(a => a < 0 || a >= x.Rank))
            throw Unsupported(node, $"reduction indices [{string.Join(", ", axesConstant.Data)}] for a value of rank {x.Rank}");
        var keep = node.Bool("keep_dims", false);
        if (x.Rank == 4 && !keep && !(axes.Contains(1) && axes.Contains(2)))
            throw Unsupported(node, "a mean over one spatial axis of an image without keep_dims (the NCHW layout would not follow)");
        // NHWC axis -> NCHW axis.
        long[] onnxAxes = x.Rank == 4 ? [.. axes.Select(a => (long)(a switch { 0 => 0, 1 => 2, 2 => 3, _ => 1 })).Order()] : [.. axes.Select(a => (long)a)];
        var shape = keep
            ? x.Shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray()
            : x.Shape.Where((_, i) => !axes.Contains(i)).ToArray();
        return new Tensor(_graph.Op("ReduceMean", [x.Name], OnnxAttribute.Ints("axes", onnxAxes), OnnxAttribute.Int("keepdims", keep ? 1 : 0)), shape);
    }

    private Value MatMul(TfjsGraphNode node)
    {
        var a = Materialise(Evaluate(node.Inputs[0]));
        if (a.Rank != 2)
            throw Unsupported(node, $"an input of rank {a.Rank} (only matrices)");
        if (node.Bool("transpose_a", false))
            throw Unsupported(node, "transpose_a");
        if (Evaluate(node.Inputs[1]) is not Constant { Shape: [var rows, var cols] } kernel)
            throw Unsupported(node, "its second operand is not a constant matrix");
        var (k, m) = node.Bool("transpose_b", false) ? (cols, rows) : (rows, cols);
        if (k != a.Shape[1])
            throw Unsupported(node, $"a {rows}x{cols} kernel against {a.Shape[1]} features");
        var fused = node.Op == "_FusedMatMul" ? node.Strings("fused_ops") : [];
        string? bias = null;
        var activation = fused.Skip(1).ToArray();
        if (fused.Length > 0)
        {
            if (fused[0] != "BiasAdd" || node.Inputs.Count != 3)
                throw Unsupported(node, $"fused ops [{string.Join(", ", fused)}] (BiasAdd, then at most Relu or Relu6)");
            if (Evaluate(node.Inputs[2]) is not Constant { Data.Length: var n } biasConstant || n != m)
                throw Unsupported(node, "its bias is not a constant of one value per output");
            bias = Initialiser(biasConstant.Data, [m], [m]).Name;
        }
        if (activation.Length > 1 || activation is [var act] && act is not ("Relu" or "Relu6"))
            throw Unsupported(node, $"fused ops [{string.Join(", ", fused)}] (BiasAdd, then at most Relu or Relu6)");
        var b = Initialiser(kernel.Data, [rows, cols], kernel.Shape);
        var y = _graph.Op("Gemm", bias is null ? [a.Name, b.Name] : [a.Name, b.Name, bias],
            OnnxAttribute.Int("transB", node.Bool("transpose_b", false) ? 1 : 0));
        var result = new Tensor(y, [a.Shape[0], m]);
        return activation switch
        {
            ["Relu"] => new PendingClip(node.Name, result, 0f, float.PositiveInfinity, result.Shape),
            ["Relu6"] => new PendingClip(node.Name, result, 0f, 6f, result.Shape),
            _ => result,
        };
    }

    /// <summary>Writes a pending fold as ONNX nodes (a constant as an initialiser).</summary>
    private Tensor Materialise(Value value)
    {
        switch (value)
        {
            case Tensor t:
                return t;
            case Constant c:
                return Initialiser(c.Rank == 4 ? ToNchw(c.Data, c.Shape) : c.Data,
                    c.Rank == 4 ? [c.Shape[0], c.Shape[3], c.Shape[1], c.Shape[2]] : [.. c.Shape.Select(d => (long)d)], c.Shape);
            case PendingConv conv:
                var w = _graph.AddInitializer(conv.TfName + "/weight", conv.Weight, conv.WeightDims);
                var b = _graph.AddInitializer(conv.TfName + "/bias", conv.Bias, conv.WeightDims[0]);
                var y = _graph.Op("Conv", [conv.Input.Name, w, b],
                    OnnxAttribute.Ints("kernel_shape", conv.WeightDims[2], conv.WeightDims[3]),
                    OnnxAttribute.Ints("strides", conv.Strides), OnnxAttribute.Ints("dilations", conv.Dilations),
                    OnnxAttribute.Ints("pads", conv.Pads), OnnxAttribute.Int("group", conv.Group));
                return Remember(conv, new Tensor(y, conv.Shape));
            case PendingClip clip:
                if (clip.Lo == 0f && clip.Hi == float.PositiveInfinity)
                    return Remember(clip, new Tensor(_graph.Op("Relu", [clip.Input.Name]), clip.Shape));
                if (clip.Lo > clip.Hi)
                    throw new ModelInstallException($"{_model.Path}: '{clip.TfName}' clips to an empty range [{clip.Lo}, {clip.Hi}].");
                string Bound(float v) => float.IsInfinity(v) ? "" : _graph.AddInitializer($"{clip.TfName}/bound{_constants++}", [v]);
                return Remember(clip, new Tensor(_graph.Op("Clip", [clip.Input.Name, Bound(clip.Lo), Bound(clip.Hi)]), clip.Shape));
            default:
                throw new InvalidOperationException($"Unknown value {value.GetType().Name}.");
        }
    }

    /// <summary>A pending value written once stays written: a second reader gets the same ONNX tensor.</summary>
    private Tensor Remember(Value pending, Tensor written)
    {
        foreach (var key in _values.Where(kv => ReferenceEquals(kv.Value, pending)).Select(kv => kv.Key).ToList())
            _values[key] = written;
        return written;
    }

    private static OnnxDim[] OnnxShape(int[] tfShape)
    {
        int[] dims = tfShape.Length == 4 ? [tfShape[0], tfShape[3], tfShape[1], tfShape[2]] : tfShape;
        return [.. dims.Select((d, i) => i == 0 ? OnnxDim.Symbolic("N") : d < 0 ? OnnxDim.Symbolic($"d{i}") : OnnxDim.Fixed(d))];
    }

    private ModelInstallException Unsupported(TfjsGraphNode node, string what) =>
        new($"{_model.Path}: node '{node.Name}' ({node.Op}) has {what}, which the TF.js graph converter does not translate.");
}
