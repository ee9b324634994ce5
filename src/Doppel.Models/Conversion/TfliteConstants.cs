using System.Buffers.Binary;

namespace Doppel.Models.Conversion;

/// <summary>
/// Reads the values of constant tensors (weights, biases, shapes) as float32 or int64, whatever
/// their stored type: float16 is widened, and integer tensors with affine quantisation are
/// dequantised per tensor or per channel, so the ONNX graph only ever holds float32 weights.
/// </summary>
public static class TfliteConstants
{
    public static bool HasData(TfliteModel model, TfliteTensor tensor) => model.Buffers[(int)tensor.Buffer].Data.Length > 0;

    /// <summary>The tensor's values as float32 in its stored (TFLite, row-major) order.</summary>
    public static float[] ReadFloats(TfliteModel model, TfliteTensor tensor)
    {
        var data = model.Buffers[(int)tensor.Buffer].Data.Span;
        var count = ElementCount(tensor);
        var quantization = tensor.Quantization is { IsAffine: true } q ? q : null;
        var values = new float[count];
        switch (tensor.Type)
        {
            case TfliteTensorType.Float32:
                CheckSize(tensor, data, count, 4);
                for (var i = 0; i < count; i++)
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]);
                return values;
            case TfliteTensorType.Float16:
                CheckSize(tensor, data, count, 2);
                for (var i = 0; i < count; i++)
                    values[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(data[(2 * i)..]));
                return values;
            case TfliteTensorType.Int8 or TfliteTensorType.UInt8 or TfliteTensorType.Int16 or TfliteTensorType.Int32
                when quantization is not null:
                var raw = ReadIntegers(tensor, data, count);
                Dequantize(tensor, quantization, raw, values);
                return values;
            default:
                throw new NotSupportedException(
                    $"Constant tensor '{tensor.Name}' has type {tensor.Type}{(quantization is null ? " without quantisation" : "")}; " +
                    "only float32, float16 and affine-quantised int8/uint8/int16/int32 weights can be converted.");
        }
    }

    /// <summary>An integer constant (a shape, axes, paddings) as int64.</summary>
    public static long[] ReadIntegers(TfliteModel model, TfliteTensor tensor)
    {
        var data = model.Buffers[(int)tensor.Buffer].Data.Span;
        return ReadIntegers(tensor, data, ElementCount(tensor));
    }

    private static long[] ReadIntegers(TfliteTensor tensor, ReadOnlySpan<byte> data, int count)
    {
        var values = new long[count];
        switch (tensor.Type)
        {
            case TfliteTensorType.Int8:
                CheckSize(tensor, data, count, 1);
                for (var i = 0; i < count; i++) values[i] = (sbyte)data[i];
                break;
            case TfliteTensorType.UInt8:
                CheckSize(tensor, data, count, 1);
                for (var i = 0; i < count; i++) values[i] = data[i];
                break;
            case TfliteTensorType.Int16:
                CheckSize(tensor, data, count, 2);
                for (var i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt16LittleEndian(data[(2 * i)..]);
                break;
            case TfliteTensorType.Int32:
                CheckSize(tensor, data, count, 4);
                for (var i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(data[(4 * i)..]);
                break;
            case TfliteTensorType.Int64:
                CheckSize(tensor, data, count, 8);
                for (var i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(data[(8 * i)..]);
                break;
            default:
                throw new NotSupportedException($"Constant tensor '{tensor.Name}' has type {tensor.Type}, not an integer type.");
        }
        return values;
    }

    /// <summary>real = scale·(q − zero_point); with several scales, each applies to one slice along
    /// the quantised dimension (per-channel weights).</summary>
    private static void Dequantize(TfliteTensor tensor, TfliteQuantization quantization, long[] raw, float[] values)
    {
        var channels = quantization.Scale.Count;
        if (quantization.ZeroPoint.Count is not 0 && quantization.ZeroPoint.Count != channels)
            throw new InvalidDataException($"Tensor '{tensor.Name}' has {channels} scales but {quantization.ZeroPoint.Count} zero points.");
        if (channels == 1)
        {
            var scale = quantization.Scale[0];
            var zero = quantization.ZeroPoint.Count > 0 ? quantization.ZeroPoint[0] : 0;
            for (var i = 0; i < raw.Length; i++)
                values[i] = scale * (raw[i] - zero);
            return;
        }
        var axis = quantization.QuantizedDimension;
        if (axis < 0 || axis >= tensor.Shape.Count || tensor.Shape[axis] != channels)
            throw new InvalidDataException(
                $"Tensor '{tensor.Name}' [{string.Join(",", tensor.Shape)}] has {channels} scales for quantised dimension {axis}.");
        // Row-major: the channel index of element i is (i / inner) % channels.
        var inner = 1;
        for (var d = axis + 1; d < tensor.Shape.Count; d++)
            inner *= tensor.Shape[d];
        for (var i = 0; i < raw.Length; i++)
        {
            var c = i / inner % channels;
            var zero = quantization.ZeroPoint.Count > 0 ? quantization.ZeroPoint[c] : 0;
            values[i] = quantization.Scale[c] * (raw[i] - zero);
        }
    }

    public static int ElementCount(TfliteTensor tensor)
    {
        long count = 1;
        foreach (var d in tensor.Shape)
        {
            if (d < 0)
                throw new InvalidDataException($"Constant tensor '{tensor.Name}' has an unknown dimension in [{string.Join(",", tensor.Shape)}].");
            count *= d;
        }
        return checked((int)count);
    }

    private static void CheckSize(TfliteTensor tensor, ReadOnlySpan<byte> data, int count, int elementSize)
    {
        if (data.Length != (long)count * elementSize)
            throw new InvalidDataException(
                $"Tensor '{tensor.Name}' [{string.Join(",", tensor.Shape)}] of {tensor.Type} needs {(long)count * elementSize} bytes but its buffer has {data.Length}.");
    }
}
