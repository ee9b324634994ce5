using System.Text;
using System.Text.Json;
using Doppel.Models.Converters.FaceApi;
using Doppel.Models.Install;

namespace Doppel.Models.Converters.Tfjs;

/// <summary>One node of a TF.js graph model's GraphDef: its op, its data inputs (control inputs <c>^x</c>
/// dropped) and its attributes as TensorFlow's JSON writes them (<c>{"list": {"i": ["1", "2"]}}</c>, <c>{"s": base64}</c>, ...).</summary>
public sealed class TfjsGraphNode(string name, string op, IReadOnlyList<string> inputs, IReadOnlyDictionary<string, JsonElement> attributes)
{
    public string Name { get; } = name;
    public string Op { get; } = op;
    public IReadOnlyList<string> Inputs { get; } = inputs;

    public bool Has(string attribute) => attributes.ContainsKey(attribute);

    /// <summary>A string attribute (stored base64), or <paramref name="fallback"/> when absent.</summary>
    public string String(string attribute, string fallback) =>
        attributes.TryGetValue(attribute, out var a) && a.TryGetProperty("s", out var s) ? Decode(s) : fallback;

    public bool Bool(string attribute, bool fallback) =>
        attributes.TryGetValue(attribute, out var a) && a.TryGetProperty("b", out var b) ? b.GetBoolean() : fallback;

    /// <summary>An int list attribute; an absent attribute or an empty list is <c>[]</c>.</summary>
    public long[] Ints(string attribute) =>
        attributes.TryGetValue(attribute, out var a) && a.TryGetProperty("list", out var list) && list.TryGetProperty("i", out var i)
            ? [.. i.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? long.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : v.GetInt64())]
            : [];

    public string[] Strings(string attribute) =>
        attributes.TryGetValue(attribute, out var a) && a.TryGetProperty("list", out var list) && list.TryGetProperty("s", out var s)
            ? [.. s.EnumerateArray().Select(Decode)]
            : [];

    /// <summary>The static dims of a Placeholder's <c>shape</c> attribute (-1 = unknown), or null when it has none.</summary>
    public int[]? Shape(string attribute) =>
        attributes.TryGetValue(attribute, out var a) && a.TryGetProperty("shape", out var shape)
            ? shape.TryGetProperty("dim", out var dims)
                ? [.. dims.EnumerateArray().Select(d => d.TryGetProperty("size", out var size) ? int.Parse(size.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : -1)]
                : []
            : null;

    private static string Decode(JsonElement base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64.GetString()!));
}

/// <summary>
/// A TF.js graph model (<c>"format": "graph-model"</c>): the frozen GraphDef of <c>modelTopology.node</c>
/// and the tensors of its <c>weightsManifest</c>, which hold every Const node's value (by node name) in
/// shards beside the JSON file; float16-quantised weights are widened to float32 as TF.js does.
/// </summary>
public sealed class TfjsGraphModel
{
    private readonly Dictionary<string, TfjsGraphNode> _byName;

    private TfjsGraphModel(string path, IReadOnlyList<TfjsGraphNode> nodes, IReadOnlyDictionary<string, TfjsTensor> weights)
    {
        Path = path;
        Nodes = nodes;
        Weights = weights;
        _byName = new Dictionary<string, TfjsGraphNode>(StringComparer.Ordinal);
        foreach (var node in nodes)
            if (!_byName.TryAdd(node.Name, node))
                throw new ModelInstallException($"{path}: node '{node.Name}' appears twice in the graph.");
    }

    public string Path { get; }
    public IReadOnlyList<TfjsGraphNode> Nodes { get; }
    public IReadOnlyDictionary<string, TfjsTensor> Weights { get; }

    public TfjsGraphNode Node(string name) =>
        _byName.TryGetValue(name, out var node) ? node : throw new ModelInstallException($"{Path}: the graph has no node '{name}'.");

    /// <summary>Reads <paramref name="modelJson"/> and the weight shards its manifest names (in the same folder).</summary>
    public static TfjsGraphModel Load(string modelJson)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(modelJson));
        }
        catch (JsonException e)
        {
            throw new ModelInstallException($"{modelJson}: not a JSON file ({e.Message}).", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (!root.TryGetProperty("format", out var format) || format.GetString() != "graph-model")
                throw new ModelInstallException($"{modelJson}: not a TF.js graph model (its \"format\" is not \"graph-model\").");
            if (!root.TryGetProperty("modelTopology", out var topology) || !topology.TryGetProperty("node", out var nodeArray)
                || !root.TryGetProperty("weightsManifest", out var manifest))
                throw new ModelInstallException($"{modelJson}: a graph model needs modelTopology.node and weightsManifest.");

            var nodes = new List<TfjsGraphNode>();
            foreach (var n in nodeArray.EnumerateArray())
            {
                var inputs = n.TryGetProperty("input", out var i)
                    ? i.EnumerateArray().Select(v => v.GetString()!).Where(v => !v.StartsWith('^')).ToList()
                    : [];
                var attributes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                if (n.TryGetProperty("attr", out var attr))
                    foreach (var a in attr.EnumerateObject())
                        attributes[a.Name] = a.Value.Clone();
                nodes.Add(new TfjsGraphNode(n.GetProperty("name").GetString()!, n.GetProperty("op").GetString()!, inputs, attributes));
            }
            IReadOnlyDictionary<string, TfjsTensor> weights;
            try
            {
                weights = TfjsWeights.Read(manifest, modelJson);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or KeyNotFoundException)
            {
                throw new ModelInstallException($"{modelJson}: its weights could not be read: {e.Message}", e);
            }
            return new TfjsGraphModel(modelJson, nodes, weights);
        }
    }
}
