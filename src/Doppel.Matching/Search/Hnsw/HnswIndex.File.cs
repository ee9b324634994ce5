using System.Runtime.InteropServices;
using System.Text;

namespace Doppel.Matching;

public sealed partial class HnswIndex
{
    private static readonly byte[] FileMagic = "DOPPHNSW"u8.ToArray();
    private static readonly byte[] FileEnd = "END."u8.ToArray();
    private const int FileVersion = 1;

    /// <summary>
    /// Writes the index to <paramref name="path"/> (via a temporary file, then renamed, so a crash never
    /// leaves a half-written index under the real name). Format v1, little-endian: "DOPPHNSW", version,
    /// dimension, M, efConstruction, efSearch, seed, node count, entry node, top level; then ids (int64),
    /// levels (byte), tombstones (byte), vectors (float32), layer-0 link slots, upper-layer link slots of
    /// nodes above layer 0; then an FNV-1a 64 checksum of everything before it and "END.".
    /// </summary>
    public void Save(string path)
    {
        string temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var hashed = new ChecksumStream(file);
            using (var w = new BinaryWriter(hashed, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(FileMagic);
                w.Write(FileVersion);
                w.Write(Dimension);
                w.Write(Options.M);
                w.Write(Options.EfConstruction);
                w.Write(Options.EfSearch);
                w.Write(Options.Seed);
                w.Write(_nodes);
                w.Write(_entry);
                w.Write(_topLevel);
                w.Write(MemoryMarshal.AsBytes(_ids.AsSpan(0, _nodes)));
                w.Write(_levels.AsSpan(0, _nodes));
                w.Write(MemoryMarshal.AsBytes(_deleted.AsSpan(0, _nodes)));
                w.Write(MemoryMarshal.AsBytes(_vectors.AsSpan(0, _nodes * Dimension)));
                w.Write(MemoryMarshal.AsBytes(_links0.AsSpan(0, _nodes * (_m0 + 1))));
                for (int i = 0; i < _nodes; i++)
                    if (_upper[i] is { } up)
                        w.Write(MemoryMarshal.AsBytes(up.AsSpan()));
                w.Flush();
            }
            var tail = new BinaryWriter(file);
            tail.Write(hashed.Hash);
            tail.Write(FileEnd);
            tail.Flush();
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads an index written by <see cref="Save"/>; every count, level and link is checked,
    /// and a damaged or foreign file fails with <see cref="InvalidDataException"/> naming the problem.</summary>
    public static HnswIndex Load(string path, int? maxThreads = null)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var hashed = new ChecksumStream(file);
        using var r = new BinaryReader(hashed, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!r.ReadBytes(FileMagic.Length).AsSpan().SequenceEqual(FileMagic))
                throw Bad(path, "not a Doppel HNSW index (bad magic)");
            int version = r.ReadInt32();
            if (version != FileVersion)
                throw Bad(path, $"format version {version}, this build reads version {FileVersion}");
            int dimension = r.ReadInt32(), m = r.ReadInt32(), efC = r.ReadInt32(), efS = r.ReadInt32(), seed = r.ReadInt32();
            int nodes = r.ReadInt32(), entry = r.ReadInt32(), topLevel = r.ReadInt32();
            if (dimension < 1 || m < 2 || m > 256 || efC < 1 || efS < 1 || nodes < 0)
                throw Bad(path, $"impossible header (dimension {dimension}, M {m}, nodes {nodes})");
            if (nodes == 0 ? entry != -1 || topLevel != -1 : entry < 0 || entry >= nodes || topLevel < 0 || topLevel > MaxLevel)
                throw Bad(path, $"entry node {entry} / top level {topLevel} do not fit {nodes} nodes");
            var options = new HnswOptions { M = m, EfConstruction = efC, EfSearch = efS, Seed = seed, MaxThreads = maxThreads ?? Environment.ProcessorCount };
            var index = new HnswIndex(dimension, options);
            index.Allocate(nodes);
            ReadInto(r, MemoryMarshal.AsBytes(index._ids.AsSpan(0, nodes)));
            ReadInto(r, index._levels.AsSpan(0, nodes));
            ReadInto(r, MemoryMarshal.AsBytes(index._deleted.AsSpan(0, nodes)));
            ReadInto(r, MemoryMarshal.AsBytes(index._vectors.AsSpan(0, nodes * dimension)));
            ReadInto(r, MemoryMarshal.AsBytes(index._links0.AsSpan(0, nodes * (index._m0 + 1))));
            for (int i = 0; i < nodes; i++)
            {
                int level = index._levels[i];
                if (level > topLevel)
                    throw Bad(path, $"node {i} has level {level} above the top level {topLevel}");
                if (level > 0)
                {
                    var up = new int[level * (m + 1)];
                    ReadInto(r, MemoryMarshal.AsBytes(up.AsSpan()));
                    index._upper[i] = up;
                }
            }
            ulong expected = hashed.Hash;
            var tail = new BinaryReader(file);
            if (tail.ReadUInt64() != expected)
                throw Bad(path, "checksum mismatch (the file is damaged)");
            if (!tail.ReadBytes(FileEnd.Length).AsSpan().SequenceEqual(FileEnd))
                throw Bad(path, "missing end marker");
            if (nodes > 0 && index._levels[entry] != topLevel)
                throw Bad(path, "the entry node is not on the top level");
            index._entry = entry;
            index._topLevel = topLevel;
            index.CheckLinksAndIds(path);
            return index;
        }
        catch (EndOfStreamException)
        {
            throw Bad(path, "file ends early (truncated)");
        }
    }

    private void CheckLinksAndIds(string path)
    {
        for (int node = 0; node < _nodes; node++)
        {
            for (int level = 0; level <= _levels[node]; level++)
            {
                var slot = LinkSlot(node, level);
                int max = level == 0 ? _m0 : _m;
                if (slot[0] < 0 || slot[0] > max)
                    throw Bad(path, $"node {node} has {slot[0]} links on layer {level} (at most {max})");
                foreach (int nb in slot.Slice(1, slot[0]))
                    if (nb < 0 || nb >= _nodes || _levels[nb] < level)
                        throw Bad(path, $"node {node} links to {nb} on layer {level}, which is not a node of that layer");
            }
            if (!_deleted[node] && !_nodeOfId.TryAdd(_ids[node], node))
                throw Bad(path, $"id {_ids[node]} is live twice");
        }
    }

    private static void ReadInto(BinaryReader r, Span<byte> target)
    {
        int read = r.Read(target);
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
