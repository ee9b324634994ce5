using System.Runtime.InteropServices;
using System.Text;

namespace Doppel.Matching;

/// <summary>
/// Vector store files. Format v1, little-endian: "DOPPVECS", version (int32), encoding (byte),
/// dimension (int32), count (int32), ids (int64 × count), coordinates (float32 / float16 / int8 ×
/// count × dimension), for int8 the per-vector scales (float32 × count), then an FNV-1a 64 checksum
/// of everything before it and "END.". Written to a temporary file and renamed.
/// </summary>
public static class VectorStoreFile
{
    private static readonly byte[] Magic = "DOPPVECS"u8.ToArray();
    private static readonly byte[] End = "END."u8.ToArray();
    private const int Version = 1;

    public static void Save(VectorSet vectors, string path, VectorEncoding encoding = VectorEncoding.Float32) =>
        Save(CompactVectorSet.Encode(vectors, encoding), path);

    public static void Save(CompactVectorSet vectors, string path)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        string temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var hashed = new ChecksumStream(file);
            using (var w = new BinaryWriter(hashed, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                w.Write(Version);
                w.Write((byte)vectors.Encoding);
                w.Write(vectors.Dimension);
                w.Write(vectors.Count);
                w.Write(MemoryMarshal.AsBytes(vectors.Ids));
                switch (vectors.Encoding)
                {
                    case VectorEncoding.Float32: w.Write(MemoryMarshal.AsBytes(vectors.Float32Data)); break;
                    case VectorEncoding.Float16: w.Write(MemoryMarshal.AsBytes(vectors.Float16Data)); break;
                    default:
                        w.Write(MemoryMarshal.AsBytes(vectors.Int8Data));
                        w.Write(MemoryMarshal.AsBytes(vectors.Scales));
                        break;
                }
                w.Flush();
            }
            var tail = new BinaryWriter(file);
            tail.Write(hashed.Hash);
            tail.Write(End);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Loads and decodes to float32.</summary>
    public static VectorSet Load(string path) => LoadCompact(path).ToVectorSet();

    /// <summary>Loads in the stored encoding.</summary>
    public static CompactVectorSet LoadCompact(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var hashed = new ChecksumStream(file);
        using var r = new BinaryReader(hashed, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                throw Bad(path, "not a Doppel vector store (bad magic)");
            int version = r.ReadInt32();
            if (version != Version)
                throw Bad(path, $"format version {version}, this build reads version {Version}");
            var encoding = (VectorEncoding)r.ReadByte();
            int dimension = r.ReadInt32(), count = r.ReadInt32();
            if (!Enum.IsDefined(encoding))
                throw Bad(path, $"unknown encoding {(byte)encoding}");
            if (dimension < 1 || count < 0 || (long)dimension * count > Array.MaxLength)
                throw Bad(path, $"impossible size {count} x {dimension}");
            var ids = new long[count];
            Fill(r, MemoryMarshal.AsBytes(ids.AsSpan()));
            float[]? f32 = null, scales = null;
            Half[]? f16 = null;
            sbyte[]? i8 = null;
            switch (encoding)
            {
                case VectorEncoding.Float32: Fill(r, MemoryMarshal.AsBytes((f32 = new float[count * dimension]).AsSpan())); break;
                case VectorEncoding.Float16: Fill(r, MemoryMarshal.AsBytes((f16 = new Half[count * dimension]).AsSpan())); break;
                default:
                    Fill(r, MemoryMarshal.AsBytes((i8 = new sbyte[count * dimension]).AsSpan()));
                    Fill(r, MemoryMarshal.AsBytes((scales = new float[count]).AsSpan()));
                    break;
            }
            ulong expected = hashed.Hash;
            var tail = new BinaryReader(file);
            if (tail.ReadUInt64() != expected)
                throw Bad(path, "checksum mismatch (the file is damaged)");
            if (!tail.ReadBytes(End.Length).AsSpan().SequenceEqual(End))
                throw Bad(path, "missing end marker");
            return CompactVectorSet.FromParts(encoding, dimension, ids, f32, f16, i8, scales);
        }
        catch (EndOfStreamException)
        {
            throw Bad(path, "file ends early (truncated)");
        }
    }

    private static void Fill(BinaryReader r, Span<byte> target)
    {
        int read = 0;
        while (read < target.Length)
        {
            int n = r.Read(target[read..]);
            if (n == 0)
                throw new EndOfStreamException();
            read += n;
        }
    }

    private static InvalidDataException Bad(string path, string problem) => new($"{path}: {problem}.");
}
