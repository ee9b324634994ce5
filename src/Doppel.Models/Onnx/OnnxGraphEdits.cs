using Doppel.Models.Onnx.Proto;
using Google.Protobuf;

namespace Doppel.Models.Onnx;

/// <summary>
/// In-place edits of an existing ONNX graph, used at install time to make shipped models run
/// with a dynamic batch or image size in ONNX Runtime (YuNet is exported at a fixed 640x640,
/// faceplugin's recogniser reshapes to a fixed batch of 1).
/// </summary>
public static class OnnxGraphEdits
{
    public static ModelProto Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"ONNX model not found: {path}", path);
        return Load(File.ReadAllBytes(path), path);
    }

    public static ModelProto Load(byte[] bytes, string description = "ONNX bytes")
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{description} is not a valid ONNX model: {e.Message}", e);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new InvalidDataException($"{description} has no graph.");
        return model;
    }

    /// <summary>Replaces the declared shape of graph input <paramref name="inputName"/> (same rank required).</summary>
    public static void SetInputShape(ModelProto model, string inputName, params OnnxDim[] shape) =>
        SetShape(Find(model.Graph.Input, inputName, "input"), shape);

    /// <summary>Replaces the declared shape of graph output <paramref name="outputName"/> (same rank required).</summary>
    public static void SetOutputShape(ModelProto model, string outputName, params OnnxDim[] shape) =>
        SetShape(Find(model.Graph.Output, outputName, "output"), shape);

    /// <summary>
    /// Drops the intermediate shape annotations (<c>value_info</c>). They are hints an exporter
    /// wrote for the fixed export size; once an input becomes dynamic they are stale and ONNX
    /// Runtime would try to merge them with what it infers.
    /// </summary>
    public static void ClearIntermediateShapes(ModelProto model) => model.Graph.ValueInfo.Clear();

    /// <summary>
    /// Rewrites every Reshape whose constant target shape starts with a literal batch of 1 (e.g.
    /// <c>[1,-1]</c>) to start with 0, which in ONNX means "copy this dimension from the input"
    /// (allowzero off), so the batch flows through. Returns how many Reshape nodes were changed.
    /// Only valid where the reshaped tensor's first axis is the batch, which the caller must know.
    /// </summary>
    public static int MakeReshapeBatchDynamic(ModelProto model)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var constants = graph.Node
            .Where(n => n.OpType == "Constant" && n.Attribute.Count == 1 && n.Attribute[0].T is not null)
            .ToDictionary(n => n.Output[0], n => n.Attribute[0].T, StringComparer.Ordinal);
        var consumers = graph.Node
            .SelectMany(n => n.Input.Select(i => (Input: i, Node: n)))
            .ToLookup(x => x.Input, x => x.Node, StringComparer.Ordinal);

        var changed = 0;
        var edited = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reshape in graph.Node.Where(n => n.OpType == "Reshape" && n.Input.Count == 2))
        {
            if (reshape.Attribute.Any(a => a.Name == "allowzero" && a.I != 0))
                continue; // with allowzero, 0 means an empty axis, not "copy"
            var shapeName = reshape.Input[1];
            var tensor = initializers.GetValueOrDefault(shapeName) ?? constants.GetValueOrDefault(shapeName);
            if (tensor is null)
                continue; // computed at run time: already follows the input
            if (edited.Contains(shapeName))
            {
                changed++;
                continue;
            }
            var target = OnnxTensors.ReadInt64s(tensor);
            if (target.Length < 2 || target[0] != 1)
                continue;
            if (consumers[shapeName].Any(n => n.OpType != "Reshape"))
                throw new InvalidOperationException($"Shape constant '{shapeName}' is also read by a non-Reshape node; editing it in place would change that node.");
            target[0] = 0;
            OnnxTensors.WriteInt64s(tensor, target);
            edited.Add(shapeName);
            changed++;
        }
        return changed;
    }

    public static byte[] ToBytes(ModelProto model) => model.ToByteArray();

    private static ValueInfoProto Find(IEnumerable<ValueInfoProto> values, string name, string kind) =>
        values.FirstOrDefault(v => v.Name == name)
        ?? throw new ArgumentException($"The graph has no {kind} named '{name}' (it has: {string.Join(", ", values.Select(v => v.Name))}).", nameof(name));

    private static void SetShape(ValueInfoProto value, IReadOnlyList<OnnxDim> shape)
    {
        var tensorType = value.Type?.TensorType
            ?? throw new InvalidOperationException($"'{value.Name}' is not a tensor.");
        var existing = tensorType.Shape?.Dim.Count;
        if (existing is not null && existing != shape.Count)
            throw new ArgumentException($"'{value.Name}' has rank {existing}; the new shape [{string.Join(",", shape)}] has rank {shape.Count}.", nameof(shape));
        var newShape = new TensorShapeProto();
        foreach (var dim in shape)
            newShape.Dim.Add(OnnxGraphBuilder.ToProto(dim));
        tensorType.Shape = newShape;
    }
}
