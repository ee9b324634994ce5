namespace Doppel.Matching;

/// <summary>Disjoint sets over 0..n-1 with union by size and path halving.</summary>
public sealed class UnionFind
{
    private readonly int[] _parent;
    private readonly int[] _size;

    public UnionFind(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _parent = new int[count];
        _size = new int[count];
        for (int i = 0; i < count; i++)
        {
            _parent[i] = i;
            _size[i] = 1;
        }
    }

    public int Count => _parent.Length;

    public int Find(int x)
    {
        while (_parent[x] != x)
        {
            _parent[x] = _parent[_parent[x]];
            x = _parent[x];
        }
        return x;
    }

    public int SizeOf(int x) => _size[Find(x)];

    /// <summary>Joins the sets of a and b; returns the surviving root.</summary>
    public int Union(int a, int b)
    {
        int ra = Find(a), rb = Find(b);
        if (ra == rb)
            return ra;
        if (_size[ra] < _size[rb])
            (ra, rb) = (rb, ra);
        _parent[rb] = ra;
        _size[ra] += _size[rb];
        return ra;
    }
}
