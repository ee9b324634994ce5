using System.Buffers.Binary;
using Doppel.Models.Conversion;

namespace Doppel.Models.Tests;

/// <summary>
/// Builds small <see cref="TfliteModel"/>s in memory (no FlatBuffers file needed), to exercise
/// converter paths the MobileFaceNet file does not: float16 and int8 weights, depth multipliers,
/// odd sizes with stride 2, fused RELU6, a constant on the left of SUB.
/// </summary>
internal sealed class TfliteSyntheticModel
{
    private readonly List<TfliteTensor> _tensors = [];
    private readonly List<TfliteBuffer> _buffers = [new(ReadOnlyMemory<byte>.Empty)];
    private readonly List<TfliteOperator> _operators = [];
    private int _input = -1;

    public int Input(params int[] shape)
    {
        _input = Activation("input", shape);
        return _input;
    }

    public int Activation(string name, params int[] shape)
    {
        _tensors.Add(new TfliteTensor(name, shape, TfliteTensorType.Float32, 0, null, null));
        return _tensors.Count - 1;
    }

    public int Float32(string name, float[] values, params int[] shape)
    {
        var bytes = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return Constant(name, TfliteTensorType.Float32, bytes, null, shape);
    }

    public int Float16(string name, float[] values, params int[] shape)
    {
        var bytes = new byte[2 * values.Length];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)values[i]);
        return Constant(name, TfliteTensorType.Float16, bytes, null, shape);
    }

    public int Int8(string name, sbyte[] values, TfliteQuantization quantization, params int[] shape) =>
        Constant(name, TfliteTensorType.Int8, [.. values.Select(v => (byte)v)], quantization, shape);

    public int Int32(string name, int[] values, params int[] shape)
    {
        var bytes = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), values[i]);
        return Constant(name, TfliteTensorType.Int32, bytes, null, shape);
    }

    private int Constant(string name, TfliteTensorType type, byte[] bytes, TfliteQuantization? quantization, int[] shape)
    {
        _buffers.Add(new TfliteBuffer(bytes));
        _tensors.Add(new TfliteTensor(name, shape, type, (uint)(_buffers.Count - 1), quantization, null));
        return _tensors.Count - 1;
    }

    public int Op(TfliteBuiltinOperator code, TfliteOptions? options, int[] inputs, string outputName, params int[] outputShape)
    {
        var output = Activation(outputName, outputShape);
        _operators.Add(new TfliteOperator(code, null, inputs, [output], options));
        return output;
    }

    public TfliteModel Build(int output) =>
        new(3, "synthetic", [], [new TfliteSubGraph("main", _tensors.ToArray(), [_input], [output], _operators.ToArray())], _buffers.ToArray());

    /// <summary>Deterministic weights in [-1, 1).</summary>
    public static float[] Values(int count, uint seed) => OrtRun.Deterministic(count, seed);
}
