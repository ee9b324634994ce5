namespace Doppel.Matching;

/// <summary>The k best (column, score) candidates seen so far: a min-heap on score so the weakest is
/// replaced in O(log k). Ties keep the earlier candidate.</summary>
internal sealed class TopKHeap
{
    private readonly int[] _cols;
    private readonly float[] _scores;

    public TopKHeap(int k)
    {
        _cols = new int[k];
        _scores = new float[k];
    }

    public int Count { get; private set; }
    public bool IsFull => Count == _cols.Length;
    public float MinScore => _scores[0];

    public void Offer(int col, float score)
    {
        if (!IsFull)
        {
            int i = Count++;
            _cols[i] = col;
            _scores[i] = score;
            SiftUp(i);
            return;
        }
        if (score <= _scores[0])
            return;
        _cols[0] = col;
        _scores[0] = score;
        SiftDown(0);
    }

    /// <summary>The candidates as pairs (A = <paramref name="row"/>), best first, ties by column.</summary>
    public ScoredPair[] ToSortedPairs(int row)
    {
        var pairs = new ScoredPair[Count];
        for (int i = 0; i < Count; i++)
            pairs[i] = new ScoredPair(row, _cols[i], _scores[i]);
        Array.Sort(pairs, static (x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.B.CompareTo(y.B));
        return pairs;
    }

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (_scores[parent] <= _scores[i])
                break;
            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            int left = 2 * i + 1, smallest = i;
            if (left < Count && _scores[left] < _scores[smallest])
                smallest = left;
            if (left + 1 < Count && _scores[left + 1] < _scores[smallest])
                smallest = left + 1;
            if (smallest == i)
                return;
            Swap(i, smallest);
            i = smallest;
        }
    }

    private void Swap(int a, int b)
    {
        (_cols[a], _cols[b]) = (_cols[b], _cols[a]);
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
    }
}
