using System.Runtime.InteropServices;
using Doppel.Models.Onnx;
using Doppel.Models.Onnx.Proto;
using Google.Protobuf;
using DataType = Doppel.Models.Onnx.Proto.TensorProto.Types.DataType;

namespace Doppel.Vision.Inference;

/// <summary>
/// Float weights below 1.2e-38 (subnormals) make every x86 multiply that touches them take a slow
/// microcode path. faceplugin's recogniser ships 8,938 of them and ran 3x slower for it
/// (docs/benchmarks.md). Their products with any activation are themselves below float
/// resolution next to the sums they join, so setting them to zero leaves the outputs unchanged.
/// </summary>
public static class SubnormalWeights
{
    /// <summary>The graph with every subnormal FLOAT initialiser value set to zero, as ONNX bytes,
    /// or null when it has none (run the file as it is).</summary>
    public static byte[]? Flush(string modelPath, out int flushed)
    {
        var model = OnnxGraphEdits.Load(modelPath);
        flushed = Flush(model);
        return flushed == 0 ? null : OnnxGraphEdits.ToBytes(model);
    }

    /// <summary>Zeroes subnormal FLOAT initialiser values in place; returns how many.</summary>
    public static int Flush(ModelProto model)
    {
        int flushed = 0;
        var initializers = model.Graph.Initializer;
        for (int t = 0; t < initializers.Count; t++)
        {
            var tensor = initializers[t];
            if (tensor.DataType != (int)DataType.Float)
                continue;
            // Scan the stored bytes first: most tensors have no subnormal and are left untouched.
            bool any = tensor.RawData.IsEmpty
                ? tensor.FloatData.Any(float.IsSubnormal)
                : HasSubnormal(MemoryMarshal.Cast<byte, float>(tensor.RawData.Span));
            if (!any)
                continue;
            var values = OnnxTensors.ReadFloats(tensor);
            for (int i = 0; i < values.Length; i++)
                if (float.IsSubnormal(values[i]))
                {
                    values[i] = 0;
                    flushed++;
                }
            tensor.FloatData.Clear();
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        return flushed;
    }

    private static bool HasSubnormal(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
            if (float.IsSubnormal(v))
                return true;
        return false;
    }
}
