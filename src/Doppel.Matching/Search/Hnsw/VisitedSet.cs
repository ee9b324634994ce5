namespace Doppel.Matching;

/// <summary>Which nodes one search has touched. Clearing is O(1): a generation stamp per node,
/// and the array is only wiped when the stamp wraps.</summary>
internal sealed class VisitedSet
{
    private int[] _stamps = [];
    private int _generation;

    public void Reset(int nodeCount)
    {
        if (_stamps.Length < nodeCount)
            _stamps = new int[Math.Max(nodeCount, _stamps.Length * 2)];
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_stamps);
            _generation = 1;
        }
    }

    /// <summary>Marks the node; false when it was already marked in this search.</summary>
    public bool TryVisit(int node)
    {
        if (_stamps[node] == _generation)
            return false;
        _stamps[node] = _generation;
        return true;
    }
}
