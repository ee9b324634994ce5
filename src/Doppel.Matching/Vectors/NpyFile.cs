using System.Runtime.InteropServices;
using Doppel.Matching.IO;

namespace Doppel.Matching;

/// <summary>
/// NumPy .npy files as the benchmarks exchange them with the Python peers (faiss, sklearn): a 2-D
/// matrix read straight into a <see cref="VectorSet"/>, and 1-D int32 label vectors. Header parsing
/// and the matrix format live in <see cref="NpyMatrix"/>.
/// </summary>
public static class NpyFile
{
    /// <summary>Writes rows as a (Count, Dimension) float32 array.</summary>
    public static void WriteMatrix(string path, VectorSet vectors) =>
        new NpyMatrix(vectors.Data.ToArray(), vectors.Count, vectors.Dimension).Write(path);

    public static void WriteInt32(string path, ReadOnlySpan<int> values)
    {
        using var stream = File.Create(path);
        NpyMatrix.WriteHeader(stream, "<i4", $"({values.Length},)");
        stream.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>Reads a (N, d) float32 or float64 matrix into a set (rows L2-normalised, ids = row numbers).</summary>
    public static VectorSet ReadMatrix(string path)
    {
        var matrix = NpyMatrix.Read(path);
        var set = new VectorSet(Math.Max(matrix.Columns, 1), Math.Max(matrix.Rows, 1));
        for (int r = 0; r < matrix.Rows; r++)
            set.Add(r, matrix.Row(r));
        return set;
    }

    public static int[] ReadInt32(string path)
    {
        using var stream = File.OpenRead(path);
        var header = NpyMatrix.ReadHeader(stream, path);
        if (header.Descr != "<i4" || header.Shape.Length != 1)
            throw new InvalidDataException($"{path}: expected a 1-D little-endian int32 array, found dtype {header.Descr} with {header.Shape.Length} dimension(s).");
        var values = new int[checked((int)header.Shape[0])];
        stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}
