using System.Buffers.Binary;
using System.Text;

namespace Doppel.Models.Conversion;

/// <summary>
/// One FlatBuffers table inside a TFLite file: the little-endian wire format read straight from the
/// bytes. A table starts with a signed offset back to its vtable; the vtable lists, per field id, the
/// field's offset inside the table (0 = absent, so the schema default applies). References to
/// strings, vectors and sub-tables are unsigned offsets relative to where they are stored.
/// Every read is bounds-checked so a truncated or foreign file gives an <see cref="InvalidDataException"/>
/// rather than an index error deep inside the converter.
/// </summary>
internal readonly ref struct TfliteFlatTable
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly int _position;
    private readonly int _vtable;
    private readonly int _vtableLength;

    private TfliteFlatTable(ReadOnlySpan<byte> bytes, int position)
    {
        _bytes = bytes;
        _position = position;
        _vtable = checked(position - ReadInt32(bytes, position));
        _vtableLength = ReadUInt16(bytes, _vtable);
        if (_vtableLength < 4 || _vtableLength % 2 != 0)
            throw Corrupt($"vtable at {_vtable} has invalid length {_vtableLength}");
    }

    /// <summary>The root table: the file starts with the offset of the root table.</summary>
    public static TfliteFlatTable Root(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8)
            throw Corrupt($"only {bytes.Length} bytes");
        return new TfliteFlatTable(bytes, (int)ReadUInt32(bytes, 0));
    }

    /// <summary>Where field <paramref name="id"/> is stored, or 0 when the field is absent.</summary>
    private int FieldPosition(int id)
    {
        var slot = 4 + 2 * id;
        if (slot + 2 > _vtableLength)
            return 0;
        var offset = ReadUInt16(_bytes, _vtable + slot);
        return offset == 0 ? 0 : _position + offset;
    }

    public bool Has(int id) => FieldPosition(id) != 0;

    public sbyte GetSByte(int id, sbyte fallback = 0) =>
        FieldPosition(id) is var p and not 0 ? (sbyte)ReadByte(_bytes, p) : fallback;

    public bool GetBool(int id, bool fallback = false) =>
        FieldPosition(id) is var p and not 0 ? ReadByte(_bytes, p) != 0 : fallback;

    public int GetInt32(int id, int fallback = 0) =>
        FieldPosition(id) is var p and not 0 ? ReadInt32(_bytes, p) : fallback;

    public uint GetUInt32(int id, uint fallback = 0) =>
        FieldPosition(id) is var p and not 0 ? ReadUInt32(_bytes, p) : fallback;

    public ulong GetUInt64(int id, ulong fallback = 0) =>
        FieldPosition(id) is var p and not 0 ? ReadUInt64(_bytes, p) : fallback;

    public float GetFloat(int id, float fallback = 0) =>
        FieldPosition(id) is var p and not 0 ? BinaryPrimitives.ReadSingleLittleEndian(Slice(_bytes, p, 4)) : fallback;

    public string? GetString(int id)
    {
        var target = Dereference(id);
        if (target < 0)
            return null;
        var length = (int)ReadUInt32(_bytes, target);
        return Encoding.UTF8.GetString(Slice(_bytes, target + 4, length));
    }

    public bool TryGetTable(int id, out TfliteFlatTable table)
    {
        var target = Dereference(id);
        table = target < 0 ? default : new TfliteFlatTable(_bytes, target);
        return target >= 0;
    }

    /// <summary>Number of elements of a vector field (0 when absent).</summary>
    public int GetVectorLength(int id)
    {
        var target = Dereference(id);
        return target < 0 ? 0 : (int)ReadUInt32(_bytes, target);
    }

    /// <summary>The raw bytes of a vector of scalars of <paramref name="elementSize"/> bytes each.</summary>
    public ReadOnlySpan<byte> GetVectorBytes(int id, int elementSize, out int start)
    {
        var target = Dereference(id);
        if (target < 0)
        {
            start = 0;
            return [];
        }
        var length = checked((int)ReadUInt32(_bytes, target) * elementSize);
        start = target + 4;
        return Slice(_bytes, start, length);
    }

    public int[] GetInt32Vector(int id)
    {
        var raw = GetVectorBytes(id, 4, out _);
        var values = new int[raw.Length / 4];
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]);
        return values;
    }

    public long[] GetInt64Vector(int id)
    {
        var raw = GetVectorBytes(id, 8, out _);
        var values = new long[raw.Length / 8];
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]);
        return values;
    }

    public float[] GetFloatVector(int id)
    {
        var raw = GetVectorBytes(id, 4, out _);
        var values = new float[raw.Length / 4];
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
        return values;
    }

    /// <summary>Element <paramref name="index"/> of a vector of tables.</summary>
    public TfliteFlatTable GetTableElement(int id, int index)
    {
        var target = Dereference(id);
        var count = target < 0 ? 0 : (int)ReadUInt32(_bytes, target);
        if ((uint)index >= (uint)count)
            throw Corrupt($"table vector element {index} of {count} requested");
        var slot = target + 4 + 4 * index;
        return new TfliteFlatTable(_bytes, checked(slot + (int)ReadUInt32(_bytes, slot)));
    }

    /// <summary>Follows the offset stored in a reference field; -1 when the field is absent.</summary>
    private int Dereference(int id)
    {
        var p = FieldPosition(id);
        return p == 0 ? -1 : checked(p + (int)ReadUInt32(_bytes, p));
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> bytes, int start, int length)
    {
        if (start < 0 || length < 0 || (long)start + length > bytes.Length)
            throw Corrupt($"range {start}+{length} outside the {bytes.Length}-byte file");
        return bytes.Slice(start, length);
    }

    private static byte ReadByte(ReadOnlySpan<byte> bytes, int at) => Slice(bytes, at, 1)[0];
    private static ushort ReadUInt16(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt16LittleEndian(Slice(bytes, at, 2));
    private static int ReadInt32(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadInt32LittleEndian(Slice(bytes, at, 4));
    private static uint ReadUInt32(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(Slice(bytes, at, 4));
    private static ulong ReadUInt64(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt64LittleEndian(Slice(bytes, at, 8));

    internal static InvalidDataException Corrupt(string detail) =>
        new($"Not a valid TFLite FlatBuffers file: {detail}.");
}
