using System.Runtime.InteropServices;
using Doppel.Models.Onnx.Proto;
using Google.Protobuf;
using DataType = Doppel.Models.Onnx.Proto.TensorProto.Types.DataType;

namespace Doppel.Models.Onnx;

/// <summary>
/// TensorProto construction and reading. Values are stored as little-endian <c>raw_data</c>, the
/// compact form ONNX Runtime reads fastest; reading also accepts the typed repeated fields.
/// </summary>
public static class OnnxTensors
{
    public static TensorProto Float(string name, ReadOnlySpan<float> values, params long[] dims) => Of(name, DataType.Float, values, dims);

    public static TensorProto Int64(string name, ReadOnlySpan<long> values, params long[] dims) => Of(name, DataType.Int64, values, dims);

    public static TensorProto UInt8(string name, ReadOnlySpan<byte> values, params long[] dims) => Of(name, DataType.Uint8, values, dims);

    public static TensorProto Int8(string name, ReadOnlySpan<sbyte> values, params long[] dims) => Of(name, DataType.Int8, values, dims);

    public static TensorProto Int32(string name, ReadOnlySpan<int> values, params long[] dims) => Of(name, DataType.Int32, values, dims);

    private static TensorProto Of<T>(string name, DataType type, ReadOnlySpan<T> values, long[] dims) where T : unmanaged
    {
        CheckCount(name, values.Length, dims);
        return Make(name, type, MemoryMarshal.AsBytes(values), dims);
    }

    /// <summary>The float values of a FLOAT tensor, from raw_data or float_data.</summary>
    public static float[] ReadFloats(TensorProto tensor)
    {
        if (tensor.DataType != (int)DataType.Float)
            throw new InvalidDataException($"Tensor '{tensor.Name}' is {(DataType)tensor.DataType}, not FLOAT.");
        if (!tensor.RawData.IsEmpty)
            return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        return [.. tensor.FloatData];
    }

    /// <summary>The int64 values of an INT64 tensor, from raw_data or int64_data.</summary>
    public static long[] ReadInt64s(TensorProto tensor)
    {
        if (tensor.DataType != (int)DataType.Int64)
            throw new InvalidDataException($"Tensor '{tensor.Name}' is {(DataType)tensor.DataType}, not INT64.");
        if (!tensor.RawData.IsEmpty)
            return MemoryMarshal.Cast<byte, long>(tensor.RawData.Span).ToArray();
        return [.. tensor.Int64Data];
    }

    /// <summary>Replaces an INT64 tensor's values in place, keeping its name and dims.</summary>
    public static void WriteInt64s(TensorProto tensor, ReadOnlySpan<long> values)
    {
        CheckCount(tensor.Name, values.Length, [.. tensor.Dims]);
        tensor.Int64Data.Clear();
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
    }

    private static TensorProto Make(string name, DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported.");
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static void CheckCount(string name, int count, long[] dims)
    {
        long expected = 1;
        foreach (var d in dims)
        {
            if (d < 0)
                throw new ArgumentException($"Tensor '{name}' has a negative dimension {d}.", nameof(dims));
            expected *= d;
        }
        if (expected != count)
            throw new ArgumentException($"Tensor '{name}' has {count} values but dims [{string.Join(",", dims)}] need {expected}.", nameof(dims));
    }
}
