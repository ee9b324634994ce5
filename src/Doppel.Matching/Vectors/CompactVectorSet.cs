using System.Numerics.Tensors;

namespace Doppel.Matching;

/// <summary>How a stored vector's coordinates are encoded.</summary>
public enum VectorEncoding : byte
{
    /// <summary>4 bytes a coordinate, exact.</summary>
    Float32 = 1,
    /// <summary>2 bytes a coordinate; unit-vector coordinates keep ~3 significant digits.</summary>
    Float16 = 2,
    /// <summary>1 byte a coordinate plus one float32 scale per vector (max |x| / 127).</summary>
    Int8 = 3,
}

/// <summary>
/// A read-only copy of a <see cref="VectorSet"/> in a smaller encoding, for storage and for holding
/// large galleries in memory. Similarities are computed against float32 queries; joins decode to a
/// <see cref="VectorSet"/> (<see cref="ToVectorSet"/>) and run the exact kernel.
/// </summary>
public sealed class CompactVectorSet
{
    private readonly float[]? _f32;
    private readonly Half[]? _f16;
    private readonly sbyte[]? _i8;
    private readonly float[]? _scales;
    private readonly long[] _ids;

    private CompactVectorSet(VectorEncoding encoding, int dimension, long[] ids, float[]? f32, Half[]? f16, sbyte[]? i8, float[]? scales)
    {
        Encoding = encoding;
        Dimension = dimension;
        _ids = ids;
        _f32 = f32;
        _f16 = f16;
        _i8 = i8;
        _scales = scales;
    }

    public VectorEncoding Encoding { get; }
    public int Dimension { get; }
    public int Count => _ids.Length;

    /// <summary>Stored bytes per vector, id included.</summary>
    public int BytesPerVector => 8 + Encoding switch
    {
        VectorEncoding.Float32 => 4 * Dimension,
        VectorEncoding.Float16 => 2 * Dimension,
        _ => Dimension + 4,
    };

    public long Id(int row) => _ids[row];

    public static CompactVectorSet Encode(VectorSet vectors, VectorEncoding encoding)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        int n = vectors.Count, d = vectors.Dimension;
        var ids = new long[n];
        for (int r = 0; r < n; r++)
            ids[r] = vectors.Id(r);
        switch (encoding)
        {
            case VectorEncoding.Float32:
                return new CompactVectorSet(encoding, d, ids, vectors.Data.ToArray(), null, null, null);
            case VectorEncoding.Float16:
                var halves = new Half[n * d];
                TensorPrimitives.ConvertToHalf(vectors.Data, halves);
                return new CompactVectorSet(encoding, d, ids, null, halves, null, null);
            case VectorEncoding.Int8:
                var bytes = new sbyte[n * d];
                var scales = new float[n];
                for (int r = 0; r < n; r++)
                    scales[r] = QuantiseRow(vectors.Row(r), bytes.AsSpan(r * d, d));
                return new CompactVectorSet(encoding, d, ids, null, null, bytes, scales);
            default:
                throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown vector encoding.");
        }
    }

    /// <summary>Writes row <paramref name="row"/> as float32 into <paramref name="destination"/>.</summary>
    public void Decode(int row, Span<float> destination)
    {
        if (destination.Length != Dimension)
            throw new ArgumentException($"Destination has length {destination.Length}, rows have {Dimension}.", nameof(destination));
        int start = row * Dimension;
        switch (Encoding)
        {
            case VectorEncoding.Float32:
                _f32.AsSpan(start, Dimension).CopyTo(destination);
                break;
            case VectorEncoding.Float16:
                TensorPrimitives.ConvertToSingle(_f16.AsSpan(start, Dimension), destination);
                break;
            default:
                var src = _i8.AsSpan(start, Dimension);
                float scale = _scales![row];
                for (int k = 0; k < Dimension; k++)
                    destination[k] = src[k] * scale;
                break;
        }
    }

    /// <summary>Decodes every row into a float32 set, ids kept; float32 rows come back bit for bit,
    /// float16/int8 rows are re-normalised.</summary>
    public VectorSet ToVectorSet()
    {
        var set = new VectorSet(Dimension, Math.Max(Count, 1));
        var row = new float[Dimension];
        for (int r = 0; r < Count; r++)
        {
            Decode(r, row);
            if (Encoding == VectorEncoding.Float32)
                set.AddVerbatim(_ids[r], row);
            else
                set.Add(_ids[r], row);
        }
        return set;
    }

    internal static CompactVectorSet FromParts(VectorEncoding encoding, int dimension, long[] ids, float[]? f32, Half[]? f16, sbyte[]? i8, float[]? scales) =>
        new(encoding, dimension, ids, f32, f16, i8, scales);

    internal ReadOnlySpan<float> Float32Data => _f32;
    internal ReadOnlySpan<Half> Float16Data => _f16;
    internal ReadOnlySpan<sbyte> Int8Data => _i8;
    internal ReadOnlySpan<float> Scales => _scales;
    internal ReadOnlySpan<long> Ids => _ids;

    /// <summary>Symmetric per-vector quantisation: x ≈ q · scale with q in [-127, 127].</summary>
    private static float QuantiseRow(ReadOnlySpan<float> row, Span<sbyte> destination)
    {
        float maxAbs = TensorPrimitives.MaxMagnitude(row);
        maxAbs = MathF.Abs(maxAbs);
        if (maxAbs == 0)
        {
            destination.Clear();
            return 0;
        }
        float scale = maxAbs / 127f;
        for (int k = 0; k < row.Length; k++)
            destination[k] = (sbyte)Math.Clamp(MathF.Round(row[k] / scale), -127, 127);
        return scale;
    }
}
