using Doppel.Models.Onnx;
using Doppel.Models.Onnx.Proto;

namespace Doppel.Models.Conversion;

/// <summary>
/// One conversion of a TFLite subgraph into ONNX nodes. Every TFLite activation tensor maps to an
/// ONNX value; 4-D activations are held in NCHW (<see cref="OnnxValue.Nchw"/>), everything else
/// keeps TFLite's layout. Constants become initializers only where an op reads them, already
/// rearranged for the NCHW layout of the activation they meet.
/// </summary>
internal sealed class TfliteGraphTranslator
{
    private readonly record struct OnnxValue(string Name, bool Nchw);

    private static readonly int[] NhwcToNchw = [0, 3, 1, 2];
    private static readonly int[] NchwToNhwc = [0, 2, 3, 1];

    private readonly TfliteModel _model;
    private readonly TfliteSubGraph _graph;
    private readonly TfliteToOnnxOptions _options;
    private readonly OnnxGraphBuilder _builder;
    private readonly Dictionary<int, OnnxValue> _values = [];
    private readonly Dictionary<int, float[]> _foldedConstants = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<float, string> _scalars = [];

    public TfliteGraphTranslator(TfliteModel model, TfliteToOnnxOptions options)
    {
        if (model.SubGraphs.Count == 0)
            throw new InvalidDataException("The TFLite model has no subgraph.");
        _model = model;
        _graph = model.SubGraphs[0];
        _options = options;
        _builder = new OnnxGraphBuilder(options.GraphName).Producer("doppel-tflite");
    }

    public ModelProto Translate()
    {
        if (_graph.Inputs.Count != 1 || _graph.Outputs.Count != 1)
            throw new NotSupportedException(
                $"Only single-input, single-output TFLite models are converted; this one has {_graph.Inputs.Count} inputs and {_graph.Outputs.Count} outputs.");
        // The output name is reserved first so no TFLite tensor of the same name can take it.
        _names.Add(_options.OutputName);
        DeclareInput(_graph.Inputs[0]);
        for (var i = 0; i < _graph.Operators.Count; i++)
            Translate(i, _graph.Operators[i]);
        DeclareOutput(_graph.Outputs[0]);
        return _builder.Build();
    }

    private void DeclareInput(int index)
    {
        var tensor = _graph.Tensors[index];
        if (tensor.Type != TfliteTensorType.Float32)
            throw new NotSupportedException($"Input '{tensor.Name}' is {tensor.Type}; only float32 models are converted (no quantised activations).");
        var shape = tensor.Shape;
        var batch = _options.BatchDimension;
        if (!_names.Add(_options.InputName))
            throw new ArgumentException($"The ONNX input and output names are both '{_options.InputName}'.");
        switch (shape.Count)
        {
            case 4:
                _builder.AddInput(_options.InputName, batch, shape[3], shape[1], shape[2]);
                _values[index] = new OnnxValue(_options.InputName, Nchw: true);
                break;
            case 2:
                _builder.AddInput(_options.InputName, batch, shape[1]);
                _values[index] = new OnnxValue(_options.InputName, Nchw: false);
                break;
            default:
                throw new NotSupportedException($"Input '{tensor.Name}' has rank {shape.Count}; only NHWC images and [batch, features] inputs are converted.");
        }
    }

    private void DeclareOutput(int index)
    {
        var tensor = _graph.Tensors[index];
        var value = _values.TryGetValue(index, out var v)
            ? v
            : throw new InvalidDataException($"The model output '{tensor.Name}' is not computed by any operator.");
        var shape = tensor.Shape;
        OnnxDim[] dims = value.Nchw
            ? [_options.BatchDimension, shape[3], shape[1], shape[2]]
            : [_options.BatchDimension, .. shape.Skip(1).Select(d => (OnnxDim)d)];
        _builder.Op("Identity", _options.OutputName, [value.Name]);
        _builder.AddOutput(_options.OutputName, dims);
    }

    private void Translate(int position, TfliteOperator op)
    {
        switch (op.Code)
        {
            case TfliteBuiltinOperator.CONV_2D:
                Conv(op, (TfliteConv2DOptions)RequireOptions(op, position));
                break;
            case TfliteBuiltinOperator.DEPTHWISE_CONV_2D:
                DepthwiseConv(op, (TfliteDepthwiseConv2DOptions)RequireOptions(op, position));
                break;
            case TfliteBuiltinOperator.ADD:
                Binary(op, "Add");
                break;
            case TfliteBuiltinOperator.SUB:
                Binary(op, "Sub");
                break;
            case TfliteBuiltinOperator.MUL:
                Binary(op, "Mul");
                break;
            case TfliteBuiltinOperator.DIV:
                Binary(op, "Div");
                break;
            case TfliteBuiltinOperator.RELU:
                Unary(op, TfliteActivation.Relu);
                break;
            case TfliteBuiltinOperator.RELU6:
                Unary(op, TfliteActivation.Relu6);
                break;
            case TfliteBuiltinOperator.RELU_N1_TO_1:
                Unary(op, TfliteActivation.ReluN1To1);
                break;
            case TfliteBuiltinOperator.TANH:
                Unary(op, TfliteActivation.Tanh);
                break;
            case TfliteBuiltinOperator.ABS:
                Unary(op, "Abs");
                break;
            case TfliteBuiltinOperator.LOGISTIC:
                Unary(op, "Sigmoid");
                break;
            case TfliteBuiltinOperator.RESHAPE:
                Reshape(op);
                break;
            case TfliteBuiltinOperator.DEQUANTIZE:
                FoldDequantize(op, position);
                break;
            default:
                throw new NotSupportedException(
                    $"TFLite operator {op.Code}{(op.CustomCode is null ? "" : $" ('{op.CustomCode}')")} (operator #{position}, " +
                    $"output '{OutputTensor(op).Name}') is not supported by the TFLite to ONNX converter. Supported: CONV_2D, " +
                    "DEPTHWISE_CONV_2D, ADD, SUB, MUL, DIV, RELU, RELU6, RELU_N1_TO_1, TANH, ABS, LOGISTIC, RESHAPE, DEQUANTIZE of constants.");
        }
    }

    private TfliteOptions RequireOptions(TfliteOperator op, int position) =>
        op.Options ?? throw new InvalidDataException($"TFLite operator #{position} ({op.Code}) has no builtin options.");

    // ---- Convolutions -------------------------------------------------------------------------

    private void Conv(TfliteOperator op, TfliteConv2DOptions o)
    {
        var (x, input) = RequireImage(op, 0);
        var weightTensor = _graph.Tensors[op.Inputs[1]];
        var w = ConstantFloats(op.Inputs[1]);   // OHWI
        var (outC, kh, kw, inC) = Dims4(weightTensor);
        if (inC != input.Shape[3])
            throw new NotSupportedException($"CONV_2D '{OutputTensor(op).Name}' has {inC} weight input channels for a {input.Shape[3]}-channel input (grouped convolution).");
        var weights = AddInitializer(weightTensor.Name, TfliteLayout.Permute4(w, weightTensor.Shape, NhwcToNchw), outC, inC, kh, kw);
        ConvNode(op, x, input, weights, outC, kh, kw, o.StrideH, o.StrideW, o.DilationH, o.DilationW, o.Padding, group: 1, o.Activation);
    }

    private void DepthwiseConv(TfliteOperator op, TfliteDepthwiseConv2DOptions o)
    {
        var (x, input) = RequireImage(op, 0);
        var weightTensor = _graph.Tensors[op.Inputs[1]];
        var w = ConstantFloats(op.Inputs[1]);   // [1, H, W, C·multiplier]
        var (one, kh, kw, outC) = Dims4(weightTensor);
        var inC = input.Shape[3];
        if (one != 1 || outC % inC != 0)
            throw new InvalidDataException($"DEPTHWISE_CONV_2D '{OutputTensor(op).Name}' has weights [{string.Join(",", weightTensor.Shape)}] for {inC} input channels.");
        // ONNX grouped conv with one group per input channel: weight [C·m, 1, H, W]; output channel
        // c·m + k comes from input channel c in both layouts, so only the axes move.
        var weights = AddInitializer(weightTensor.Name, TfliteLayout.Permute4(w, weightTensor.Shape, [3, 0, 1, 2]), outC, 1, kh, kw);
        ConvNode(op, x, input, weights, outC, kh, kw, o.StrideH, o.StrideW, o.DilationH, o.DilationW, o.Padding, group: inC, o.Activation);
    }

    private void ConvNode(
        TfliteOperator op, string x, TfliteTensor input, string weights, int outC, int kh, int kw,
        int strideH, int strideW, int dilationH, int dilationW, TflitePadding padding, int group, TfliteActivation activation)
    {
        List<string> inputs = [x, weights];
        if (op.Inputs.Count > 2 && op.Inputs[2] >= 0)
        {
            var biasTensor = _graph.Tensors[op.Inputs[2]];
            var bias = ConstantFloats(op.Inputs[2]);
            if (bias.Length != outC)
                throw new InvalidDataException($"Bias '{biasTensor.Name}' has {bias.Length} values for {outC} output channels.");
            inputs.Add(AddInitializer(biasTensor.Name, bias, outC));
        }
        var (top, bottom) = TfliteLayout.Pads(padding, input.Shape[1], kh, strideH, dilationH);
        var (left, right) = TfliteLayout.Pads(padding, input.Shape[2], kw, strideW, dilationW);
        Emit(op, "Conv", inputs, activation, nchw: true,
            OnnxAttribute.Ints("kernel_shape", kh, kw),
            OnnxAttribute.Ints("strides", strideH, strideW),
            OnnxAttribute.Ints("dilations", dilationH, dilationW),
            OnnxAttribute.Ints("pads", top, left, bottom, right),
            OnnxAttribute.Int("group", group));
    }

    // ---- Element-wise -------------------------------------------------------------------------

    private void Binary(TfliteOperator op, string onnxOp)
    {
        var a = op.Inputs[0];
        var b = op.Inputs[1];
        var aIsValue = _values.TryGetValue(a, out var aValue);
        var bIsValue = _values.TryGetValue(b, out var bValue);
        if (!aIsValue && !bIsValue)
            throw new NotSupportedException($"{op.Code} '{OutputTensor(op).Name}' combines two constants; constant folding is not supported.");
        if (aIsValue && bIsValue && aValue.Nchw != bValue.Nchw)
            throw new NotSupportedException($"{op.Code} '{OutputTensor(op).Name}' mixes a 4-D image tensor with a tensor of another rank.");
        var nchw = (aIsValue && aValue.Nchw) || (bIsValue && bValue.Nchw);
        var left = aIsValue ? aValue.Name : ConstantOperand(a, nchw);
        var right = bIsValue ? bValue.Name : ConstantOperand(b, nchw);
        var activation = op.Options is TfliteActivationOptions o ? o.Activation : TfliteActivation.None;
        Emit(op, onnxOp, [left, right], activation, nchw);
    }

    /// <summary>A constant that broadcasts against an NCHW activation is brought to rank 4 in NHWC
    /// (leading 1s, as TF broadcasting would) and then transposed like the activation.</summary>
    private string ConstantOperand(int index, bool nchw)
    {
        var tensor = _graph.Tensors[index];
        var values = ConstantFloats(index);
        var shape = tensor.Shape.ToArray();
        if (!nchw)
            return AddInitializer(tensor.Name, values, [.. shape.Select(d => (long)d)]);
        if (shape.Length > 4)
            throw new NotSupportedException($"Constant '{tensor.Name}' of rank {shape.Length} cannot broadcast against a 4-D image tensor.");
        var nhwc = Enumerable.Repeat(1, 4 - shape.Length).Concat(shape).ToArray();
        var permuted = TfliteLayout.Permute4(values, nhwc, NhwcToNchw);
        return AddInitializer(tensor.Name, permuted, nhwc[0], nhwc[3], nhwc[1], nhwc[2]);
    }

    private void Unary(TfliteOperator op, string onnxOp)
    {
        var x = RequireValue(op, 0);
        Emit(op, onnxOp, [x.Name], TfliteActivation.None, x.Nchw);
    }

    private void Unary(TfliteOperator op, TfliteActivation activation)
    {
        var x = RequireValue(op, 0);
        var name = NewName(OutputTensor(op).Name);
        _values[op.Outputs[0]] = new OnnxValue(ApplyActivation(x.Name, activation, name), x.Nchw);
    }

    // ---- Shapes -------------------------------------------------------------------------------

    private void Reshape(TfliteOperator op)
    {
        var x = RequireValue(op, 0);
        var input = _graph.Tensors[op.Inputs[0]];
        var output = OutputTensor(op);
        long[] target = op.Inputs.Count > 1 && op.Inputs[1] >= 0 && IsConstant(op.Inputs[1])
            ? TfliteConstants.ReadIntegers(_model, _graph.Tensors[op.Inputs[1]])
            : op.Options is TfliteReshapeOptions { NewShape.Count: > 0 } o
                ? [.. o.NewShape.Select(d => (long)d)]
                : [.. output.Shape.Select(d => (long)d)];
        // The batch becomes dynamic: 0 tells ONNX Reshape to copy the input's first dimension.
        if (target.Length > 0 && input.Shape.Count > 0 && target[0] == input.Shape[0])
            target[0] = 0;
        else if (target.Length > 0 && target[0] != -1)
            throw new NotSupportedException($"RESHAPE '{output.Name}' to [{string.Join(",", target)}] changes the batch dimension of [{string.Join(",", input.Shape)}].");

        // TFLite reshapes NHWC data; an NCHW value with more than one pixel must go back to NHWC
        // first so the elements are read in the same order.
        var source = x.Name;
        if (x.Nchw && input.Shape[1] * input.Shape[2] > 1)
            source = _builder.Op("Transpose", NewName(input.Name + "/nhwc"), [source], OnnxAttribute.Ints("perm", [.. NchwToNhwc.Select(p => (long)p)]));
        var shape = _builder.AddInt64Initializer(NewName(output.Name + "/shape"), target, target.Length);
        if (target.Length == 4)
        {
            var reshaped = _builder.Op("Reshape", NewName(output.Name + "/nhwc"), [source, shape]);
            var nchw = _builder.Op("Transpose", NewName(output.Name), [reshaped], OnnxAttribute.Ints("perm", [.. NhwcToNchw.Select(p => (long)p)]));
            _values[op.Outputs[0]] = new OnnxValue(nchw, Nchw: true);
        }
        else
        {
            _values[op.Outputs[0]] = new OnnxValue(_builder.Op("Reshape", NewName(output.Name), [source, shape]), Nchw: false);
        }
    }

    /// <summary>Float16 or int8 models store weights behind DEQUANTIZE ops; with a constant input the
    /// result is itself a constant, computed here once.</summary>
    private void FoldDequantize(TfliteOperator op, int position)
    {
        if (!IsConstant(op.Inputs[0]))
            throw new NotSupportedException(
                $"DEQUANTIZE (operator #{position}) of the activation '{_graph.Tensors[op.Inputs[0]].Name}': quantised activations are not supported, only quantised weights.");
        _foldedConstants[op.Outputs[0]] = ConstantFloats(op.Inputs[0]);
    }

    // ---- Helpers ------------------------------------------------------------------------------

    private void Emit(TfliteOperator op, string onnxOp, IReadOnlyList<string> inputs, TfliteActivation activation, bool nchw, params AttributeProto[] attributes)
    {
        var outputName = OutputTensor(op).Name;
        var raw = _builder.Op(onnxOp, NewName(activation == TfliteActivation.None ? outputName : outputName + "/linear"), inputs, attributes);
        var result = activation == TfliteActivation.None ? raw : ApplyActivation(raw, activation, NewName(outputName));
        _values[op.Outputs[0]] = new OnnxValue(result, nchw);
    }

    private string ApplyActivation(string x, TfliteActivation activation, string name) => activation switch
    {
        TfliteActivation.None => _builder.Op("Identity", name, [x]),
        TfliteActivation.Relu => _builder.Op("Relu", name, [x]),
        TfliteActivation.Relu6 => _builder.Op("Clip", name, [x, Scalar(0f), Scalar(6f)]),
        TfliteActivation.ReluN1To1 => _builder.Op("Clip", name, [x, Scalar(-1f), Scalar(1f)]),
        TfliteActivation.Tanh => _builder.Op("Tanh", name, [x]),
        _ => throw new NotSupportedException($"Fused activation {activation} on '{name}' is not supported."),
    };

    private string Scalar(float value)
    {
        if (!_scalars.TryGetValue(value, out var name))
        {
            name = _builder.AddInitializer(NewName($"scalar/{value.ToString(System.Globalization.CultureInfo.InvariantCulture)}"), [value]);
            _scalars[value] = name;
        }
        return name;
    }

    private (string Name, TfliteTensor Tensor) RequireImage(TfliteOperator op, int slot)
    {
        var value = RequireValue(op, slot);
        var tensor = _graph.Tensors[op.Inputs[slot]];
        if (!value.Nchw || tensor.Shape.Count != 4)
            throw new NotSupportedException($"{op.Code} '{OutputTensor(op).Name}' needs a 4-D NHWC input, got [{string.Join(",", tensor.Shape)}].");
        return (value.Name, tensor);
    }

    private OnnxValue RequireValue(TfliteOperator op, int slot)
    {
        var index = op.Inputs[slot];
        if (_values.TryGetValue(index, out var value))
            return value;
        var tensor = _graph.Tensors[index];
        throw new NotSupportedException(IsConstant(index)
            ? $"{op.Code} '{OutputTensor(op).Name}' reads the constant '{tensor.Name}' as its data input; constant folding is not supported."
            : $"{op.Code} '{OutputTensor(op).Name}' reads '{tensor.Name}' before any operator computes it.");
    }

    private bool IsConstant(int index) =>
        _foldedConstants.ContainsKey(index) || TfliteConstants.HasData(_model, _graph.Tensors[index]);

    private float[] ConstantFloats(int index)
    {
        if (_foldedConstants.TryGetValue(index, out var folded))
            return folded;
        var tensor = _graph.Tensors[index];
        if (!TfliteConstants.HasData(_model, tensor))
            throw new NotSupportedException($"Tensor '{tensor.Name}' is used as a weight but is computed at run time; only constant weights are supported.");
        return TfliteConstants.ReadFloats(_model, tensor);
    }

    private string AddInitializer(string hint, float[] values, params long[] dims) =>
        _builder.AddInitializer(NewName(hint), values, dims);

    private TfliteTensor OutputTensor(TfliteOperator op) => _graph.Tensors[op.Outputs[0]];

    /// <summary>TFLite tensor names are unique in practice but not by contract; ONNX requires it.</summary>
    private string NewName(string hint)
    {
        var name = string.IsNullOrEmpty(hint) ? "t" : hint;
        for (var i = 1; !_names.Add(name); i++)
            name = $"{hint}_{i}";
        return name;
    }

    private static (int, int, int, int) Dims4(TfliteTensor tensor) =>
        tensor.Shape.Count == 4
            ? (tensor.Shape[0], tensor.Shape[1], tensor.Shape[2], tensor.Shape[3])
            : throw new InvalidDataException($"Weight '{tensor.Name}' should be 4-D but is [{string.Join(",", tensor.Shape)}].");
}
