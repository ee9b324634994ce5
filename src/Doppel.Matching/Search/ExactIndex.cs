using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace Doppel.Matching;

/// <summary>The exact index: a <see cref="VectorSet"/> scanned in full for each query, and the
/// blocked SIMD <see cref="ExactJoin"/> for self-joins. Removal is a tombstone.</summary>
public sealed class ExactIndex : IVectorIndex
{
    private readonly VectorSet _vectors;
    private readonly Dictionary<long, int> _rowOfId = [];
    private readonly List<bool> _deleted = [];
    private readonly JoinOptions _options;

    public ExactIndex(int dimension, JoinOptions? options = null)
    {
        _vectors = new VectorSet(dimension);
        _options = options ?? JoinOptions.Default;
    }

    public int Dimension => _vectors.Dimension;
    public int Count => _rowOfId.Count;

    public void Add(long id, ReadOnlySpan<float> vector)
    {
        if (_rowOfId.ContainsKey(id))
            throw new ArgumentException($"Id {id} is already in the index; remove it first.", nameof(id));
        int row = _vectors.Add(id, vector);
        _rowOfId.Add(id, row);
        _deleted.Add(false);
    }

    public bool Remove(long id)
    {
        if (!_rowOfId.Remove(id, out int row))
            return false;
        _deleted[row] = true;
        return true;
    }

    public IReadOnlyList<Neighbor> RangeSearch(ReadOnlySpan<float> query, float threshold)
    {
        var q = Normalised(query);
        var result = new List<Neighbor>();
        for (int r = 0; r < _vectors.Count; r++)
        {
            if (_deleted[r])
                continue;
            float s = TensorPrimitives.Dot(q, _vectors.Row(r));
            if (s >= threshold)
                result.Add(new Neighbor(_vectors.Id(r), s));
        }
        result.Sort(static (x, y) => y.Similarity.CompareTo(x.Similarity));
        return result;
    }

    public IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var q = Normalised(query);
        var heap = new TopKHeap(k);
        for (int r = 0; r < _vectors.Count; r++)
            if (!_deleted[r])
                heap.Offer(r, TensorPrimitives.Dot(q, _vectors.Row(r)));
        return [.. heap.ToSortedPairs(0).Select(p => new Neighbor(_vectors.Id(p.B), p.Score))];
    }

    public long SelfJoin(float threshold, IdPairBatchHandler onBatch)
    {
        ArgumentNullException.ThrowIfNull(onBatch);
        var buffer = new List<ScoredIdPair>();
        long delivered = 0;
        ExactJoin.SelfJoin(_vectors, threshold, batch =>
        {
            buffer.Clear();
            foreach (var p in batch)
            {
                if (_deleted[p.A] || _deleted[p.B])
                    continue;
                long a = _vectors.Id(p.A), b = _vectors.Id(p.B);
                buffer.Add(a < b ? new ScoredIdPair(a, b, p.Score) : new ScoredIdPair(b, a, p.Score));
            }
            delivered += buffer.Count;
            if (buffer.Count > 0)
                onBatch(CollectionsMarshal.AsSpan(buffer));
        }, _options);
        return delivered;
    }

    private float[] Normalised(ReadOnlySpan<float> query)
    {
        if (query.Length != Dimension)
            throw new ArgumentException($"Query has dimension {query.Length}, the index holds {Dimension}.", nameof(query));
        var q = query.ToArray();
        float norm = TensorPrimitives.Norm(q);
        if (norm > 0)
            TensorPrimitives.Divide(q, norm, q);
        return q;
    }
}
