using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Doppel.Matching;

/// <summary>
/// A fixed set of face vectors of people unrelated to any user's data (an impostor cohort), made once by the
/// recogniser that scores with it and shipped with its recognition profile. A face's normalisation level is
/// measured against it, never against the set being deduplicated, so a pair's score does not depend on what
/// else was enrolled: adding files, running incrementally or in partitions leaves every pair's score as it was.
/// The vectors are those of one <see cref="ModelVersion"/> (model file, crop, flip, jitters); vectors of
/// another version must not be levelled against it.
/// </summary>
/// <remarks>
/// File format (little-endian): the 8 bytes <c>DPCOHRT1</c>, dimension (int32), count (int32), the UTF-8
/// length (int32) and bytes of the model version, then count × dimension IEEE half floats, row by row.
/// Written by <c>bench/peers/make_cohort.py</c>; rows are L2-normalised again after widening to float.
/// </remarks>
public sealed class ReferenceCohort
{
    private static readonly byte[] Magic = "DPCOHRT1"u8.ToArray();

    /// <summary>The same layout with one signed byte per value (each row scaled so its largest magnitude is 127): half the
    /// bytes, for wide vectors (faceres's 1,024-d cohort: 3.5 MB instead of 7); rows are normalised after widening, so the
    /// row scale needs no storing.</summary>
    private static readonly byte[] MagicInt8 = "DPCOHRT8"u8.ToArray();
    private readonly float[] _rows;

    private ReferenceCohort(string modelVersion, int dimension, float[] rows)
    {
        ModelVersion = modelVersion;
        Dimension = dimension;
        _rows = rows;
    }

    private ReferenceCohort(string modelVersion, IReadOnlyList<FusedCohortMember> members)
    {
        ModelVersion = modelVersion;
        Dimension = members.Sum(m => m.Cohort.Dimension);
        _rows = [];
        Members = members;
    }

    /// <summary>For a fused recogniser (an ensemble's vector: each member's unit vector scaled by √weight, concatenated),
    /// the members' own cohorts and normalisations: a face's level is then Σ weight · its member level, so the fused score
    /// (fused cosine − mean level) is the weighted sum of the members' own normalised scores. Null for a plain cohort.</summary>
    public IReadOnlyList<FusedCohortMember>? Members { get; }

    /// <summary>A cohort for fused vectors of <paramref name="modelVersion"/> whose parts, in order, are levelled by
    /// <paramref name="members"/> (weights as in the fused vector, summing to 1).</summary>
    public static ReferenceCohort Fuse(string modelVersion, IReadOnlyList<FusedCohortMember> members)
    {
        ArgumentNullException.ThrowIfNull(modelVersion);
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0 || members.Any(m => m.Cohort.Members is not null || !(m.Weight > 0)))
            throw new ArgumentException("A fused cohort needs plain member cohorts with positive weights.", nameof(members));
        if (Math.Abs(members.Sum(m => m.Weight) - 1f) > 1e-3f)
            throw new ArgumentException("A fused cohort's member weights must sum to 1, as the fused vector's do.", nameof(members));
        return new ReferenceCohort(modelVersion, members);
    }

    /// <summary>The version of the vectors (<c>FacePipelineAnalyzer.ModelVersionOf</c>) the cohort was made with.</summary>
    public string ModelVersion { get; }

    public int Dimension { get; }

    /// <summary>Rows; for a fused cohort the largest member's (what a level's scratch buffer needs).</summary>
    public int Count => Members is null ? _rows.Length / Dimension : Members.Max(m => m.Cohort.Count);

    /// <summary>Row <paramref name="index"/>, L2-normalised. A fused cohort has none of its own: its members do.</summary>
    public ReadOnlySpan<float> Row(int index) => Members is null
        ? _rows.AsSpan(index * Dimension, Dimension)
        : throw new InvalidOperationException("A fused cohort has no rows of its own; its members have.");

    /// <summary>Reads a cohort file's bytes, refusing them unless their sha256 is <paramref name="sha256"/> (hex):
    /// a cohort that changed without its pin would silently move every score.</summary>
    public static ReferenceCohort Read(byte[] bytes, string sha256, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"Reference cohort {name} has sha256 {actual}, expected {sha256}: the file was changed without its pin.");
        return Parse(bytes, name);
    }

    /// <summary>Parses a cohort file (see the remarks) without a checksum.</summary>
    public static ReferenceCohort Parse(ReadOnlySpan<byte> bytes, string name)
    {
        bool int8 = bytes.Length >= 8 && bytes[..8].SequenceEqual(MagicInt8);
        if (bytes.Length < 20 || !(int8 || bytes[..8].SequenceEqual(Magic)))
            throw new InvalidDataException($"Reference cohort {name} is not a cohort file (no DPCOHRT1 or DPCOHRT8 header).");
        int width = int8 ? 1 : 2;
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        int versionLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[16..]);
        if (dimension <= 0 || count <= 0 || versionLength < 0 || versionLength > 4096
            || bytes.Length != 20L + versionLength + (long)width * dimension * count)
            throw new InvalidDataException($"Reference cohort {name}: header says {count} × {dimension} with a {versionLength}-byte version, file has {bytes.Length} bytes.");
        var version = Encoding.UTF8.GetString(bytes.Slice(20, versionLength));
        var data = bytes[(20 + versionLength)..];
        var rows = new float[dimension * count];
        for (int i = 0; i < rows.Length; i++)
            rows[i] = int8 ? (sbyte)data[i] : (float)BinaryPrimitives.ReadHalfLittleEndian(data[(2 * i)..]);
        for (int r = 0; r < count; r++)
        {
            var row = rows.AsSpan(r * dimension, dimension);
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(row);
            if (!(norm > 0) || !float.IsFinite(norm))
                throw new InvalidDataException($"Reference cohort {name}: row {r} is not a vector (norm {norm}).");
            System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
        }
        return new ReferenceCohort(version, dimension, rows);
    }

    /// <summary>The file bytes of a cohort of <paramref name="rows"/> (tests; the shipped cohorts come from the bench script).</summary>
    public static byte[] Write(string modelVersion, IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(modelVersion);
        if (rows.Count == 0)
            throw new ArgumentException("A cohort needs at least one vector.", nameof(rows));
        int dimension = rows[0].Length;
        var version = Encoding.UTF8.GetBytes(modelVersion);
        var bytes = new byte[20 + version.Length + 2 * dimension * rows.Count];
        Magic.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), dimension);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), rows.Count);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), version.Length);
        version.CopyTo(bytes, 20);
        int offset = 20 + version.Length;
        foreach (var row in rows)
        {
            if (row.Length != dimension)
                throw new ArgumentException($"Rows of {row.Length} and {dimension} values.", nameof(rows));
            foreach (var v in row)
            {
                BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(offset), (Half)v);
                offset += 2;
            }
        }
        return bytes;
    }
}

/// <summary>One part of a fused vector (<see cref="ReferenceCohort.Fuse"/>): the member recogniser's cohort, the normalisation
/// its own profile levels with, and its weight in the fusion.</summary>
public sealed record FusedCohortMember(ReferenceCohort Cohort, CohortNormalisation Normalisation, float Weight);
