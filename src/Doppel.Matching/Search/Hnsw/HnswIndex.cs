using System.Numerics.Tensors;

namespace Doppel.Matching;

/// <summary>
/// Hierarchical navigable small-world graph (Malkov &amp; Yashunin) over L2-normalised float32 vectors,
/// similarity = dot product. Layer 0 keeps up to 2·M links per node in one flat int array; upper
/// layers (about 1 node in M) keep M links in a small array per node. Removal is a tombstone: the
/// node still routes searches but is never returned.
/// <para>Inserts run in batches (<see cref="AddRange"/>): every node of a batch searches the graph as it
/// was before the batch (in parallel, read-only) plus the other nodes of its batch exactly, then links
/// are written grouped by target node. The result depends only on the seed and the insert order, not on
/// the thread count.</para>
/// <para>Searches and joins may run concurrently with each other, but not with Add/AddRange/Remove.</para>
/// </summary>
public sealed partial class HnswIndex : IVectorIndex
{
    private const int MaxLevel = 31;

    private readonly int _m;
    private readonly int _m0;
    private readonly double _levelScale;
    private float[] _vectors = [];
    private long[] _ids = [];
    private byte[] _levels = [];
    private bool[] _deleted = [];
    private int[] _links0 = [];
    private int[]?[] _upper = [];
    private readonly Dictionary<long, int> _nodeOfId = [];
    private int _nodes;
    private int _entry = -1;
    private int _topLevel = -1;

    public HnswIndex(int dimension, HnswOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Options = options ?? HnswOptions.Default;
        Options.Validate();
        Dimension = dimension;
        _m = Options.M;
        _m0 = 2 * Options.M;
        _levelScale = 1.0 / Math.Log(Options.M);
    }

    public HnswOptions Options { get; }
    public int Dimension { get; }

    /// <summary>Live (not removed) vectors.</summary>
    public int Count => _nodeOfId.Count;

    /// <summary>Graph nodes including tombstones.</summary>
    public int NodeCount => _nodes;

    /// <summary>Bytes held by vectors, ids and links (managed array payloads; excludes the id dictionary's
    /// per-entry overhead, which <see cref="EstimatedBytesPerVector"/> adds).</summary>
    public long PayloadBytes
    {
        get
        {
            long bytes = (long)_nodes * (Dimension * 4 + 8 + 1 + 1 + (_m0 + 1) * 4 + 8);
            for (int i = 0; i < _nodes; i++)
                if (_upper[i] is { } up)
                    bytes += up.Length * 4 + 24;
            return bytes;
        }
    }

    /// <summary>Payload plus ~24 bytes per id-dictionary entry, per live vector.</summary>
    public double EstimatedBytesPerVector => _nodes == 0 ? 0 : (PayloadBytes + 24.0 * Count) / _nodes;

    public bool Contains(long id) => _nodeOfId.ContainsKey(id);

    public void Add(long id, ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimension)
            throw new ArgumentException($"Vector has dimension {vector.Length}, the index holds {Dimension}.", nameof(vector));
        if (_nodeOfId.ContainsKey(id))
            throw new ArgumentException($"Id {id} is already in the index; remove it first.", nameof(id));
        int node = Allocate(1);
        Store(node, id, vector);
        InsertBatch(node, 1);
    }

    /// <summary>Adds every row of <paramref name="vectors"/> under its id (or its row index when
    /// <paramref name="useRowIndexAsId"/>), in parallel batches.</summary>
    public void AddRange(VectorSet vectors, bool useRowIndexAsId = false)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Dimension != Dimension)
            throw new ArgumentException($"Vectors have dimension {vectors.Dimension}, the index holds {Dimension}.", nameof(vectors));
        var seen = new HashSet<long>();
        for (int r = 0; r < vectors.Count; r++)
        {
            long id = useRowIndexAsId ? r : vectors.Id(r);
            if (_nodeOfId.ContainsKey(id) || !seen.Add(id))
                throw new ArgumentException($"Id {id} occurs twice (in the index or in the batch).", nameof(vectors));
            if (!(TensorPrimitives.Norm(vectors.Row(r)) > 0))
                throw new ArgumentException($"Row {r} (id {id}) is a zero vector; it has no direction to compare.", nameof(vectors));
        }
        Reserve(_nodes + vectors.Count);
        _nodeOfId.EnsureCapacity(_nodeOfId.Count + vectors.Count);
        int row = 0;
        while (row < vectors.Count)
        {
            // Small batches while the graph is small, so early nodes still see each other through the graph;
            // capped because every node of a batch is compared with every other one.
            int batch = Math.Clamp(_nodes / 16, 1, 256);
            batch = Math.Min(batch, vectors.Count - row);
            int first = Allocate(batch);
            for (int i = 0; i < batch; i++, row++)
                Store(first + i, useRowIndexAsId ? row : vectors.Id(row), vectors.Row(row));
            InsertBatch(first, batch);
        }
    }

    /// <summary>Tombstones the vector with this id; false when it is not in the index.</summary>
    public bool Remove(long id)
    {
        if (!_nodeOfId.Remove(id, out int node))
            return false;
        _deleted[node] = true;
        return true;
    }

    internal ReadOnlySpan<float> Vector(int node) => _vectors.AsSpan(node * Dimension, Dimension);

    internal float Similarity(int a, int b) => TensorPrimitives.Dot(Vector(a), Vector(b));

    /// <summary>Link slot of a node on a layer: element 0 is the count, then the neighbour nodes.</summary>
    internal Span<int> LinkSlot(int node, int level) => level == 0
        ? _links0.AsSpan(node * (_m0 + 1), _m0 + 1)
        : _upper[node].AsSpan((level - 1) * (_m + 1), _m + 1);

    internal ReadOnlySpan<int> Neighbours(int node, int level)
    {
        var slot = LinkSlot(node, level);
        return slot.Slice(1, slot[0]);
    }

    private int Allocate(int count)
    {
        int needed = _nodes + count;
        if (needed > _ids.Length)
            Reserve(Math.Max(needed, Math.Max(16, _ids.Length * 2)));
        int first = _nodes;
        _nodes = needed;
        return first;
    }

    /// <summary>Grows every per-node array to hold <paramref name="capacity"/> nodes (never shrinks).</summary>
    private void Reserve(int capacity)
    {
        if (capacity > _ids.Length)
        {
            if ((long)capacity * Dimension > Array.MaxLength || (long)capacity * (_m0 + 1) > Array.MaxLength)
                throw new InvalidOperationException($"The index cannot grow to {capacity} vectors of dimension {Dimension}.");
            Array.Resize(ref _vectors, capacity * Dimension);
            Array.Resize(ref _ids, capacity);
            Array.Resize(ref _levels, capacity);
            Array.Resize(ref _deleted, capacity);
            Array.Resize(ref _links0, capacity * (_m0 + 1));
            Array.Resize(ref _upper, capacity);
        }
    }

    private void Store(int node, long id, ReadOnlySpan<float> vector)
    {
        var dst = _vectors.AsSpan(node * Dimension, Dimension);
        vector.CopyTo(dst);
        float norm = TensorPrimitives.Norm(dst);
        if (!(norm > 0) || !float.IsFinite(norm))
            throw new ArgumentException($"Vector for id {id} is zero or not finite; it has no direction to compare.");
        TensorPrimitives.Divide(dst, norm, dst);
        _ids[node] = id;
        _deleted[node] = false;
        int level = DrawLevel(node);
        _levels[node] = (byte)level;
        _upper[node] = level == 0 ? null : new int[level * (_m + 1)];
        _links0.AsSpan(node * (_m0 + 1), _m0 + 1).Clear();
        _nodeOfId.Add(id, node);
    }

    /// <summary>Layer of a node: -ln(U)/ln(M) with U hashed from (seed, node number), so it needs no
    /// random-generator state and a loaded index keeps drawing the same sequence.</summary>
    private int DrawLevel(int node)
    {
        ulong z = (ulong)(uint)Options.Seed * 0x9E3779B97F4A7C15UL + (ulong)node + 1;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        double u = ((z >> 11) + 0.5) / (1UL << 53);
        return Math.Min(MaxLevel, (int)(-Math.Log(u) * _levelScale));
    }
}
