using Doppel.Models.Onnx.Proto;
using Google.Protobuf;
using DataType = Doppel.Models.Onnx.Proto.TensorProto.Types.DataType;

namespace Doppel.Models.Onnx;

/// <summary>
/// Fluent helper that assembles an ONNX <see cref="ModelProto"/> from initializers, nodes and
/// declared inputs/outputs, for converters that write a graph from another format's weights.
/// Names must be unique: a duplicate initializer or node output is a bug in the converter and
/// throws at once rather than producing a graph ONNX Runtime rejects later.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>Default opset: 17 is supported by ONNX Runtime 1.31 and covers every op our converters emit.</summary>
    public const long DefaultOpset = 17;

    /// <summary>IR version 8 is the one that goes with opset 17.</summary>
    public const long DefaultIrVersion = 8;

    private readonly GraphProto _graph;
    private readonly HashSet<string> _valueNames = new(StringComparer.Ordinal);
    private long _opset = DefaultOpset;
    private long _irVersion = DefaultIrVersion;
    private string _producer = "doppel";
    private int _autoNameCounter;

    public OnnxGraphBuilder(string graphName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        _graph = new GraphProto { Name = graphName };
    }

    public OnnxGraphBuilder Opset(long version)
    {
        if (version < 7)
            throw new ArgumentOutOfRangeException(nameof(version), version, "Opsets before 7 are not supported.");
        _opset = version;
        return this;
    }

    public OnnxGraphBuilder IrVersion(long version)
    {
        if (version < 3)
            throw new ArgumentOutOfRangeException(nameof(version), version, "IR versions before 3 are not supported.");
        _irVersion = version;
        return this;
    }

    public OnnxGraphBuilder Producer(string name)
    {
        _producer = name;
        return this;
    }

    /// <summary>Adds a FLOAT initializer; returns its name for use as a node input.</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        Claim(name);
        _graph.Initializer.Add(OnnxTensors.Float(name, values, dims));
        return name;
    }

    /// <summary>Adds an INT64 initializer (shapes, axes, pads); returns its name.</summary>
    public string AddInt64Initializer(string name, ReadOnlySpan<long> values, params long[] dims)
    {
        Claim(name);
        _graph.Initializer.Add(OnnxTensors.Int64(name, values, dims));
        return name;
    }

    /// <summary>Adds a ready-made initializer of any element type (e.g. from <see cref="OnnxTensors"/>); returns its name.</summary>
    public string AddInitializer(TensorProto tensor)
    {
        Claim(tensor.Name);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>True when an input, initializer or node output already has this name.</summary>
    public bool HasValue(string name) => _valueNames.Contains(name);

    public OnnxGraphBuilder AddInput(string name, params OnnxDim[] shape) => AddInput(name, DataType.Float, shape);

    public OnnxGraphBuilder AddInput(string name, DataType elementType, params OnnxDim[] shape)
    {
        Claim(name);
        _graph.Input.Add(ValueInfo(name, elementType, shape));
        return this;
    }

    /// <summary>Declares a graph output; the value must be produced by some node (checked in <see cref="Build"/>).</summary>
    public OnnxGraphBuilder AddOutput(string name, params OnnxDim[] shape) => AddOutput(name, DataType.Float, shape);

    public OnnxGraphBuilder AddOutput(string name, DataType elementType, params OnnxDim[] shape)
    {
        _graph.Output.Add(ValueInfo(name, elementType, shape));
        return this;
    }

    /// <summary>Adds a node with explicit output names.</summary>
    public OnnxGraphBuilder AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params AttributeProto[] attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        if (outputs.Count == 0)
            throw new ArgumentException($"Node {opType} needs at least one output.", nameof(outputs));
        foreach (var output in outputs)
            Claim(output);
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return this;
    }

    /// <summary>Adds a single-output node and returns its (generated) output name: <c>var y = b.Op("Relu", [x]);</c></summary>
    public string Op(string opType, IReadOnlyList<string> inputs, params AttributeProto[] attributes)
    {
        var output = $"{opType.ToLowerInvariant()}_{_autoNameCounter++}";
        while (_valueNames.Contains(output))
            output = $"{opType.ToLowerInvariant()}_{_autoNameCounter++}";
        AddNode(opType, inputs, [output], attributes);
        return output;
    }

    /// <summary>Adds a single-output node whose output has the given name (e.g. a graph output).</summary>
    public string Op(string opType, string outputName, IReadOnlyList<string> inputs, params AttributeProto[] attributes)
    {
        AddNode(opType, inputs, [outputName], attributes);
        return outputName;
    }

    /// <summary>The finished model. Every node input and graph output must name a known value.</summary>
    public ModelProto Build()
    {
        foreach (var node in _graph.Node)
            foreach (var input in node.Input)
                if (input.Length > 0 && !_valueNames.Contains(input))
                    throw new InvalidOperationException($"Node {node.Name} ({node.OpType}) reads '{input}', which no input, initializer or node defines.");
        foreach (var output in _graph.Output)
            if (!_valueNames.Contains(output.Name))
                throw new InvalidOperationException($"Graph output '{output.Name}' is not produced by any node.");
        if (_graph.Output.Count == 0)
            throw new InvalidOperationException("The graph declares no outputs.");

        var model = new ModelProto
        {
            IrVersion = _irVersion,
            ProducerName = _producer,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = _opset });
        return model;
    }

    public byte[] ToBytes() => Build().ToByteArray();

    internal static ValueInfoProto ValueInfo(string name, DataType elementType, IReadOnlyList<OnnxDim> shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var dim in shape)
            tensorShape.Dim.Add(ToProto(dim));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = tensorShape } },
        };
    }

    internal static TensorShapeProto.Types.Dimension ToProto(OnnxDim dim) =>
        dim.IsSymbolic
            ? new TensorShapeProto.Types.Dimension { DimParam = dim.Symbol }
            : new TensorShapeProto.Types.Dimension { DimValue = dim.Value!.Value };

    private void Claim(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_valueNames.Add(name))
            throw new ArgumentException($"The graph already has a value named '{name}'.", nameof(name));
    }
}
