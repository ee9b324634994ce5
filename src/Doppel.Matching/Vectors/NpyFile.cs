using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Doppel.Matching;

/// <summary>
/// NumPy .npy files (format 1.0/2.0, little-endian, C order) holding a 2-D float32 matrix or a 1-D
/// int32/int64 vector: the interchange format with the Python peers (faiss, sklearn).
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes rows as a (Count, Dimension) float32 array.</summary>
    public static void WriteMatrix(string path, VectorSet vectors)
    {
        using var stream = File.Create(path);
        WriteHeader(stream, "<f4", $"({vectors.Count}, {vectors.Dimension})");
        stream.Write(MemoryMarshal.AsBytes(vectors.Data));
    }

    public static void WriteInt32(string path, ReadOnlySpan<int> values)
    {
        using var stream = File.Create(path);
        WriteHeader(stream, "<i4", $"({values.Length},)");
        stream.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>Reads a (N, d) float32 matrix into a set (rows L2-normalised, ids = row numbers).</summary>
    public static VectorSet ReadMatrix(string path)
    {
        using var stream = File.OpenRead(path);
        var (descr, shape) = ReadHeader(stream, path);
        if (descr != "<f4" || shape.Length != 2)
            throw new InvalidDataException($"{path}: expected a 2-D little-endian float32 array, found dtype {descr} with {shape.Length} dimension(s).");
        int rows = checked((int)shape[0]), dim = checked((int)shape[1]);
        var set = new VectorSet(dim, Math.Max(rows, 1));
        var row = new float[dim];
        var bytes = MemoryMarshal.AsBytes(row.AsSpan());
        for (int r = 0; r < rows; r++)
        {
            stream.ReadExactly(bytes);
            set.Add(r, row);
        }
        return set;
    }

    public static int[] ReadInt32(string path)
    {
        using var stream = File.OpenRead(path);
        var (descr, shape) = ReadHeader(stream, path);
        if (descr != "<i4" || shape.Length != 1)
            throw new InvalidDataException($"{path}: expected a 1-D little-endian int32 array, found dtype {descr} with {shape.Length} dimension(s).");
        var values = new int[checked((int)shape[0])];
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private static void WriteHeader(Stream stream, string descr, string shape)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        // Magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64.
        int total = (10 + dict.Length + 1 + 63) / 64 * 64;
        string header = dict + new string(' ', total - 10 - dict.Length - 1) + "\n";
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        stream.Write(len);
        stream.Write(Encoding.ASCII.GetBytes(header));
    }

    private static (string Descr, long[] Shape) ReadHeader(Stream stream, string path)
    {
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        if (!prefix[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not a .npy file (bad magic).");
        int major = prefix[6];
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
            throw new InvalidDataException($"{path}: unsupported .npy version {major}.");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        string header = Encoding.ASCII.GetString(headerBytes);
        var descr = DescrPattern().Match(header);
        var order = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !order.Success || !shape.Success)
            throw new InvalidDataException($"{path}: unreadable .npy header '{header.Trim()}'.");
        if (order.Groups[1].Value != "False")
            throw new InvalidDataException($"{path}: Fortran-order arrays are not supported; save with C order.");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(long.Parse).ToArray();
        return (descr.Groups[1].Value, dims);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order':\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
