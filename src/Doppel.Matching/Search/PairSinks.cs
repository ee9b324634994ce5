namespace Doppel.Matching;

/// <summary>Forwards batches from all workers to the caller one at a time.</summary>
internal sealed class SerialisedSink(PairBatchHandler onBatch)
{
    private readonly Lock _gate = new();
    public long Total { get; private set; }

    public void Deliver(ReadOnlySpan<ScoredPair> batch)
    {
        lock (_gate)
        {
            Total += batch.Length;
            onBatch(batch);
        }
    }
}

/// <summary>One worker's pending pairs; delivered in batches so the lock is rare.</summary>
internal sealed class PairBuffer(SerialisedSink sink)
{
    private readonly ScoredPair[] _pairs = new ScoredPair[4096];
    private int _count;

    public void Add(ScoredPair pair)
    {
        _pairs[_count++] = pair;
        if (_count == _pairs.Length)
            Flush();
    }

    public void Flush()
    {
        if (_count == 0)
            return;
        sink.Deliver(_pairs.AsSpan(0, _count));
        _count = 0;
    }
}
