using System.Numerics.Tensors;

namespace Doppel.Matching;

/// <summary>
/// Contiguous row-major float32 vectors of one dimension with stable ids. Rows are L2-normalised on
/// add, so a dot product is a cosine similarity.
/// </summary>
public sealed class VectorSet
{
    private float[] _data;
    private long[] _ids;

    public VectorSet(int dimension, int capacity = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
        _data = new float[(long)dimension * Math.Max(capacity, 1) > int.MaxValue ? throw new ArgumentOutOfRangeException(nameof(capacity)) : dimension * Math.Max(capacity, 1)];
        _ids = new long[Math.Max(capacity, 1)];
    }

    public int Dimension { get; }
    public int Count { get; private set; }

    /// <summary>All rows, row-major, <see cref="Count"/> x <see cref="Dimension"/>.</summary>
    public ReadOnlySpan<float> Data => _data.AsSpan(0, Count * Dimension);

    public ReadOnlySpan<float> Row(int index) => _data.AsSpan(index * Dimension, Dimension);

    /// <summary>The backing array (rows beyond <see cref="Count"/> are spare capacity); the join kernels pin it.</summary>
    internal float[] Buffer => _data;

    public long Id(int index) => _ids[index];

    /// <summary>Adds a vector (copied and L2-normalised); returns its row index.</summary>
    public int Add(long id, ReadOnlySpan<float> vector) => Add(id, vector, normalise: true);

    /// <summary>Adds a row that is already unit length, bit for bit (loading a saved float32 store).</summary>
    internal int AddVerbatim(long id, ReadOnlySpan<float> vector) => Add(id, vector, normalise: false);

    private int Add(long id, ReadOnlySpan<float> vector, bool normalise)
    {
        if (vector.Length != Dimension)
            throw new ArgumentException($"Vector has dimension {vector.Length}, the set holds {Dimension}.", nameof(vector));
        if (Count == _ids.Length)
        {
            Array.Resize(ref _ids, _ids.Length * 2);
            Array.Resize(ref _data, _ids.Length * Dimension);
        }
        var row = _data.AsSpan(Count * Dimension, Dimension);
        vector.CopyTo(row);
        float norm = normalise ? TensorPrimitives.Norm(row) : 0;
        if (norm > 0)
            TensorPrimitives.Divide(row, norm, row);
        _ids[Count] = id;
        return Count++;
    }
}

/// <summary>Two rows (A &lt; B for a self-join; A = query row, B = corpus row for a cross-join) and their cosine similarity.</summary>
public readonly record struct ScoredPair(int A, int B, float Score);
