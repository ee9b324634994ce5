using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Doppel.Matching.IO;

/// <summary>
/// A 2-D float32 matrix stored as a NumPy <c>.npy</c> file. Reads little-endian float32 or float64
/// (converted to float32), C or Fortran order, format versions 1, 2 and 3; writes float32, C order,
/// version 1 — the layout <c>numpy.save</c> uses, so Python peers read our files and we read theirs.
/// </summary>
public sealed partial class NpyMatrix
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public NpyMatrix(float[] data, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)rows * columns != data.LongLength)
            throw new ArgumentException($"Data holds {data.LongLength} values, not {rows} x {columns}.", nameof(data));
        Data = data;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Row-major values.</summary>
    public float[] Data { get; }
    public int Rows { get; }
    public int Columns { get; }

    public ReadOnlySpan<float> Row(int index) => Data.AsSpan(index * Columns, Columns);

    public static NpyMatrix Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static NpyMatrix Read(Stream stream, string sourceName = "stream")
    {
        var header = ReadHeader(stream, sourceName);
        if (header.Shape.Length != 2)
            throw new InvalidDataException($"{sourceName}: expected a 2-D float32 or float64 array, found shape ({string.Join(", ", header.Shape)}).");
        long rows = header.Shape[0], columns = header.Shape[1];
        long count = rows * columns;
        if (rows > int.MaxValue || columns > int.MaxValue || count > Array.MaxLength)
            throw new InvalidDataException($"{sourceName}: array of {rows} x {columns} is too large.");
        int itemSize = header.Descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            _ => throw new InvalidDataException(
                $"{sourceName}: element type '{header.Descr}' is not supported; save as little-endian float32 ('<f4') or float64 ('<f8')."),
        };
        var raw = new byte[checked(count * itemSize)];
        stream.ReadExactly(raw);
        var values = new float[count];
        if (itemSize == 4)
        {
            for (long i = 0; i < count; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan((int)(i * 4), 4));
        }
        else
        {
            for (long i = 0; i < count; i++)
                values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan((int)(i * 8), 8));
        }
        if (header.FortranOrder)
            values = Transpose(values, (int)columns, (int)rows);
        return new NpyMatrix(values, (int)rows, (int)columns);
    }

    public void Write(string path)
    {
        using var stream = File.Create(path);
        Write(stream);
    }

    public void Write(Stream stream)
    {
        WriteHeader(stream, "<f4", $"({Rows}, {Columns})");
        var buffer = new byte[Data.Length * 4];
        for (int i = 0; i < Data.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4, 4), Data[i]);
        stream.Write(buffer);
    }

    /// <summary>A version 1.0 header, C order, for any dtype and shape (shared with <see cref="NpyFile"/>'s int32 vectors).</summary>
    internal static void WriteHeader(Stream stream, string descr, string shape)
    {
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        // Pad so the data starts on a 64-byte boundary, as numpy does; the header ends with '\n'.
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        int padding = (64 - unpadded % 64) % 64;
        var headerText = dict + new string(' ', padding) + "\n";
        stream.Write(Magic);
        stream.WriteByte(1);
        stream.WriteByte(0);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, checked((ushort)headerText.Length));
        stream.Write(len);
        stream.Write(Encoding.ASCII.GetBytes(headerText));
    }

    private static float[] Transpose(float[] source, int sourceRows, int sourceColumns)
    {
        var result = new float[source.Length];
        for (int r = 0; r < sourceRows; r++)
            for (int c = 0; c < sourceColumns; c++)
                result[c * sourceRows + r] = source[r * sourceColumns + c];
        return result;
    }

    internal sealed record Header(string Descr, bool FortranOrder, long[] Shape);

    internal static Header ReadHeader(Stream stream, string sourceName)
    {
        Span<byte> prefix = stackalloc byte[8];
        try
        {
            stream.ReadExactly(prefix);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{sourceName}: too short to be a .npy file.");
        }
        if (!prefix[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{sourceName}: not a .npy file (magic bytes missing).");
        byte major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> len = stackalloc byte[2];
            stream.ReadExactly(len);
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(len);
        }
        else if (major is 2 or 3)
        {
            Span<byte> len = stackalloc byte[4];
            stream.ReadExactly(len);
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(len));
        }
        else
        {
            throw new InvalidDataException($"{sourceName}: .npy format version {major} is not supported.");
        }
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        var descr = DescrPattern().Match(text);
        var fortran = FortranPattern().Match(text);
        var shape = ShapePattern().Match(text);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new InvalidDataException($"{sourceName}: malformed .npy header: {text.Trim()}");
        var dims = shape.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.Parse(d.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture))
            .ToArray();
        // '|f4' style descriptors never occur for floats; '=' means native, which is little-endian here.
        var type = descr.Groups[1].Value.Replace('=', '<');
        return new Header(type, fortran.Groups[1].Value == "True", dims);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
