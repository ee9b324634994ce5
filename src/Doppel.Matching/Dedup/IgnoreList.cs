namespace Doppel.Matching;

/// <summary>Pairs of faces a reviewer said are different people. Grouping never puts both faces of an
/// ignored pair in one group, directly or through a chain. Keys are whatever the caller groups by
/// (row numbers, or stable face ids passed as <c>faceIds</c> to the grouper).</summary>
public sealed class IgnoreList
{
    private readonly HashSet<(long, long)> _pairs = [];
    private readonly Dictionary<long, List<long>> _partners = [];

    public int Count => _pairs.Count;

    /// <summary>Records that a and b are different; false when already recorded.</summary>
    public bool Add(long a, long b)
    {
        if (a == b)
            throw new ArgumentException($"A face cannot be different from itself (id {a}).");
        if (!_pairs.Add(Key(a, b)))
            return false;
        Partners(a).Add(b);
        Partners(b).Add(a);
        return true;
    }

    public bool Contains(long a, long b) => _pairs.Contains(Key(a, b));

    /// <summary>Faces recorded as different from <paramref name="face"/>.</summary>
    public IReadOnlyList<long> PartnersOf(long face) => _partners.TryGetValue(face, out var list) ? list : [];

    private List<long> Partners(long face)
    {
        if (!_partners.TryGetValue(face, out var list))
            _partners[face] = list = [];
        return list;
    }

    private static (long, long) Key(long a, long b) => a < b ? (a, b) : (b, a);
}
