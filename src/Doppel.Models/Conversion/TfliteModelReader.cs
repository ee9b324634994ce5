using System.Text;

namespace Doppel.Models.Conversion;

/// <summary>
/// Reads a <c>.tflite</c> file (FlatBuffers, schema version 3) into <see cref="TfliteModel"/>.
/// Field ids below are the declaration order of each table in TFLite's <c>schema.fbs</c>.
/// Constant data is not copied: buffers are slices of the array given to <see cref="Read"/>.
/// </summary>
public static class TfliteModelReader
{
    private const string FileIdentifier = "TFL3";

    public static TfliteModel ReadFile(string path) => Read(File.ReadAllBytes(path));

    public static TfliteModel Read(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length < 8 || Encoding.ASCII.GetString(file, 4, 4) != FileIdentifier)
            throw new InvalidDataException($"Not a TFLite model: the file identifier at bytes 4-7 is not '{FileIdentifier}'.");

        var root = TfliteFlatTable.Root(file);
        var version = root.GetUInt32(0);
        if (version != 3)
            throw new InvalidDataException($"Unsupported TFLite schema version {version}; only version 3 is read.");

        var codes = new TfliteOperatorCode[root.GetVectorLength(1)];
        for (var i = 0; i < codes.Length; i++)
            codes[i] = ReadOperatorCode(root.GetTableElement(1, i));

        var buffers = new TfliteBuffer[root.GetVectorLength(4)];
        for (var i = 0; i < buffers.Length; i++)
            buffers[i] = ReadBuffer(root.GetTableElement(4, i), file);

        var subGraphs = new TfliteSubGraph[root.GetVectorLength(2)];
        for (var i = 0; i < subGraphs.Length; i++)
            subGraphs[i] = ReadSubGraph(root.GetTableElement(2, i), codes, buffers.Length);

        return new TfliteModel(version, root.GetString(3), codes, subGraphs, buffers);
    }

    private static TfliteOperatorCode ReadOperatorCode(TfliteFlatTable table)
    {
        // Schema 3a widened the code to an int and kept the old byte field; writers fill both, old
        // files only the byte, and codes >= 127 only the int. TFLite takes the larger of the two.
        var deprecated = table.GetSByte(0);
        var builtin = table.GetInt32(3);
        return new TfliteOperatorCode((TfliteBuiltinOperator)Math.Max(deprecated, builtin), table.GetString(1), table.GetInt32(2, 1));
    }

    private static TfliteBuffer ReadBuffer(TfliteFlatTable table, byte[] file)
    {
        var data = table.GetVectorBytes(0, 1, out var start);
        if (data.Length > 0)
            return new TfliteBuffer(new ReadOnlyMemory<byte>(file, start, data.Length));
        // Files over 2 GB keep constants after the FlatBuffer and store only offset/size (offset 1 = none).
        var offset = table.GetUInt64(1);
        var size = table.GetUInt64(2);
        if (offset > 1)
        {
            if (offset + size > (ulong)file.Length)
                throw TfliteFlatTable.Corrupt($"buffer at {offset}+{size} outside the file");
            return new TfliteBuffer(new ReadOnlyMemory<byte>(file, (int)offset, (int)size));
        }
        return new TfliteBuffer(ReadOnlyMemory<byte>.Empty);
    }

    private static TfliteSubGraph ReadSubGraph(TfliteFlatTable table, TfliteOperatorCode[] codes, int bufferCount)
    {
        var tensors = new TfliteTensor[table.GetVectorLength(0)];
        for (var i = 0; i < tensors.Length; i++)
        {
            tensors[i] = ReadTensor(table.GetTableElement(0, i));
            if (tensors[i].Buffer >= bufferCount)
                throw TfliteFlatTable.Corrupt($"tensor '{tensors[i].Name}' refers to buffer {tensors[i].Buffer} of {bufferCount}");
        }

        var operators = new TfliteOperator[table.GetVectorLength(3)];
        for (var i = 0; i < operators.Length; i++)
        {
            operators[i] = ReadOperator(table.GetTableElement(3, i), codes);
            foreach (var index in operators[i].Inputs.Concat(operators[i].Outputs))
                if (index < -1 || index >= tensors.Length)
                    throw TfliteFlatTable.Corrupt($"operator {i} ({operators[i].Code}) refers to tensor {index} of {tensors.Length}");
        }

        return new TfliteSubGraph(table.GetString(4), tensors, table.GetInt32Vector(1), table.GetInt32Vector(2), operators);
    }

    private static TfliteTensor ReadTensor(TfliteFlatTable table)
    {
        TfliteQuantization? quantization = null;
        if (table.TryGetTable(4, out var q))
            quantization = new TfliteQuantization(
                Scale: q.GetFloatVector(2), ZeroPoint: q.GetInt64Vector(3), QuantizedDimension: q.GetInt32(6),
                Min: q.GetFloatVector(0), Max: q.GetFloatVector(1));
        return new TfliteTensor(
            Name: table.GetString(3) ?? "",
            Shape: table.GetInt32Vector(0),
            Type: (TfliteTensorType)table.GetSByte(1),
            Buffer: table.GetUInt32(2),
            Quantization: quantization,
            ShapeSignature: table.Has(7) ? table.GetInt32Vector(7) : null);
    }

    private static TfliteOperator ReadOperator(TfliteFlatTable table, TfliteOperatorCode[] codes)
    {
        var opcodeIndex = table.GetUInt32(0);
        if (opcodeIndex >= codes.Length)
            throw TfliteFlatTable.Corrupt($"operator uses opcode {opcodeIndex} of {codes.Length}");
        var code = codes[opcodeIndex];
        // Field 3 is the union's type tag, field 4 the options table; the tag follows from the op code.
        TfliteOptions? options = table.TryGetTable(4, out var o) ? ReadOptions(code.BuiltinCode, o) : null;
        return new TfliteOperator(code.BuiltinCode, code.CustomCode, table.GetInt32Vector(1), table.GetInt32Vector(2), options);
    }

    private static TfliteOptions? ReadOptions(TfliteBuiltinOperator code, TfliteFlatTable o) => code switch
    {
        TfliteBuiltinOperator.CONV_2D => new TfliteConv2DOptions(
            (TflitePadding)o.GetSByte(0), o.GetInt32(1), o.GetInt32(2), (TfliteActivation)o.GetSByte(3),
            o.GetInt32(4, 1), o.GetInt32(5, 1)),
        TfliteBuiltinOperator.DEPTHWISE_CONV_2D => new TfliteDepthwiseConv2DOptions(
            (TflitePadding)o.GetSByte(0), o.GetInt32(1), o.GetInt32(2), o.GetInt32(3), (TfliteActivation)o.GetSByte(4),
            o.GetInt32(5, 1), o.GetInt32(6, 1)),
        TfliteBuiltinOperator.AVERAGE_POOL_2D or TfliteBuiltinOperator.MAX_POOL_2D or TfliteBuiltinOperator.L2_POOL_2D =>
            new TflitePool2DOptions(
                (TflitePadding)o.GetSByte(0), o.GetInt32(1), o.GetInt32(2), o.GetInt32(3), o.GetInt32(4),
                (TfliteActivation)o.GetSByte(5)),
        TfliteBuiltinOperator.FULLY_CONNECTED => new TfliteFullyConnectedOptions((TfliteActivation)o.GetSByte(0), o.GetBool(2)),
        TfliteBuiltinOperator.ADD or TfliteBuiltinOperator.SUB or TfliteBuiltinOperator.MUL or TfliteBuiltinOperator.DIV
            or TfliteBuiltinOperator.L2_NORMALIZATION => new TfliteActivationOptions((TfliteActivation)o.GetSByte(0)),
        TfliteBuiltinOperator.RESHAPE => new TfliteReshapeOptions(o.GetInt32Vector(0)),
        TfliteBuiltinOperator.CONCATENATION => new TfliteConcatenationOptions(o.GetInt32(0), (TfliteActivation)o.GetSByte(1)),
        TfliteBuiltinOperator.SOFTMAX => new TfliteSoftmaxOptions(o.GetFloat(0)),
        TfliteBuiltinOperator.MEAN or TfliteBuiltinOperator.SUM or TfliteBuiltinOperator.REDUCE_MAX
            or TfliteBuiltinOperator.REDUCE_MIN or TfliteBuiltinOperator.REDUCE_PROD => new TfliteReducerOptions(o.GetBool(0)),
        _ => null,
    };
}
