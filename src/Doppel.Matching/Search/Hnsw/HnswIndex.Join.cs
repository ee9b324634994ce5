using System.Runtime.InteropServices;

namespace Doppel.Matching;

public sealed partial class HnswIndex
{
    /// <summary>Every pair of live vectors with similarity ≥ threshold: a range search from each live
    /// node in parallel; a pair found from either end counts, so recall is better than one search's.
    /// Pairs are collected, de-duplicated and then streamed (memory O(results)).</summary>
    public long SelfJoin(float threshold, IdPairBatchHandler onBatch)
    {
        ArgumentNullException.ThrowIfNull(onBatch);
        var nodePairs = SelfJoinNodes(threshold);
        var batch = new List<ScoredIdPair>(4096);
        foreach (var p in nodePairs)
        {
            long a = _ids[p.A], b = _ids[p.B];
            batch.Add(a < b ? new ScoredIdPair(a, b, p.Score) : new ScoredIdPair(b, a, p.Score));
            if (batch.Count == 4096)
            {
                onBatch(CollectionsMarshal.AsSpan(batch));
                batch.Clear();
            }
        }
        if (batch.Count > 0)
            onBatch(CollectionsMarshal.AsSpan(batch));
        return nodePairs.Count;
    }

    /// <summary>Range search for a vector already in the graph: no descent from the top is needed, the
    /// beam starts at the node itself (its links are its nearest neighbours), then floods through every
    /// node at or above the threshold; nodes that find nothing that way fall back to a full search.</summary>
    internal List<(int Node, float Sim)> RangeNodesFrom(int node, float threshold, SearchScratch scratch, bool searchFromTop)
    {
        var q = Vector(node);
        var hits = scratch.Hits;
        hits.Clear();
        var beam = scratch.Beam;
        beam.Clear();
        beam.Add((node, 1f));
        float floor = threshold - Options.FloodSlack;
        SearchLayer(q, beam, Math.Max(1, Options.JoinEf), 0, scratch, floor, hits);
        Flood(q, floor, scratch);
        if (hits.Count <= 1 || searchFromTop)
        {
            // Nothing near through the node's own links. Usually it is a true singleton, but a node whose
            // insert-time search missed its look-alikes has no link to them, so ask the whole graph too.
            // The visited set is reset by the search, so earlier hits are found again rather than doubled.
            hits.Clear();
            SearchBase(q, Options.EfSearch, scratch, floor, hits);
            Flood(q, floor, scratch);
        }
        KeepAtLeast(hits, threshold);
        return hits;
    }

    /// <summary>Self-join pairs by node number (A &lt; B), sorted and unique. With an index filled by
    /// <c>AddRange(set, useRowIndexAsId: true)</c> into an empty index, node numbers are the set's rows.</summary>
    internal List<ScoredPair> SelfJoinNodes(float threshold, bool? searchFromTop = null)
    {
        if (float.IsNaN(threshold))
            throw new ArgumentException("Threshold is NaN.", nameof(threshold));
        var perWorker = new List<List<ScoredPair>>();
        var gate = new Lock();
        Parallel.For(0, _nodes, new ParallelOptions { MaxDegreeOfParallelism = Options.MaxThreads },
            () => (Scratch: RentScratch(), Pairs: new List<ScoredPair>()),
            (node, _, local) =>
            {
                if (_deleted[node])
                    return local;
                foreach (var (other, sim) in RangeNodesFrom(node, threshold, local.Scratch, searchFromTop ?? Options.JoinSearchFromTop))
                    if (other != node && !_deleted[other])
                        local.Pairs.Add(node < other ? new ScoredPair(node, other, sim) : new ScoredPair(other, node, sim));
                return local;
            },
            local =>
            {
                ReturnScratch(local.Scratch);
                lock (gate)
                    perWorker.Add(local.Pairs);
            });
        var all = new List<ScoredPair>(perWorker.Sum(p => p.Count));
        foreach (var part in perWorker)
            all.AddRange(part);
        all.Sort(ExactJoin.ComparePairs);
        int w = 0;
        for (int r = 0; r < all.Count; r++)
            if (w == 0 || all[r].A != all[w - 1].A || all[r].B != all[w - 1].B)
                all[w++] = all[r];
        all.RemoveRange(w, all.Count - w);
        return all;
    }
}
