using System.Collections.Concurrent;
using System.Numerics.Tensors;

namespace Doppel.Matching;

public sealed partial class HnswIndex
{
    private readonly ConcurrentBag<SearchScratch> _scratchPool = [];

    /// <summary>The k most similar live vectors, best first (approximate: beam width max(EfSearch, k)).</summary>
    public IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var q = Normalised(query);
        var scratch = RentScratch();
        try
        {
            var found = SearchBase(q, Math.Max(Options.EfSearch, k), scratch, float.PositiveInfinity, null);
            var result = new List<Neighbor>(k);
            foreach (var (node, sim) in found)
            {
                if (_deleted[node])
                    continue;
                result.Add(new Neighbor(_ids[node], sim));
                if (result.Count == k)
                    break;
            }
            return result;
        }
        finally
        {
            _scratchPool.Add(scratch);
        }
    }

    /// <summary>Live vectors with similarity ≥ <paramref name="threshold"/>, best first. A beam search
    /// finds the query's region, then the search floods outward through every node at or above the
    /// threshold, so a tight cluster is returned whole however large it is.</summary>
    public IReadOnlyList<Neighbor> RangeSearch(ReadOnlySpan<float> query, float threshold)
    {
        var q = Normalised(query);
        var scratch = RentScratch();
        try
        {
            var hits = RangeNodes(q, threshold, scratch);
            var result = new List<Neighbor>(hits.Count);
            foreach (var (node, sim) in hits)
                if (!_deleted[node])
                    result.Add(new Neighbor(_ids[node], sim));
            result.Sort(static (x, y) => y.Similarity.CompareTo(x.Similarity));
            return result;
        }
        finally
        {
            _scratchPool.Add(scratch);
        }
    }

    /// <summary>Nodes (tombstones included) with similarity ≥ threshold; the list is the scratch's and
    /// valid until the scratch is reused.</summary>
    internal List<(int Node, float Sim)> RangeNodes(ReadOnlySpan<float> q, float threshold, SearchScratch scratch)
    {
        if (float.IsNaN(threshold))
            throw new ArgumentException("Threshold is NaN.", nameof(threshold));
        var hits = scratch.Hits;
        hits.Clear();
        if (_entry < 0)
            return hits;
        float floor = threshold - Options.FloodSlack;
        SearchBase(q, Options.EfSearch, scratch, floor, hits);
        Flood(q, floor, scratch);
        KeepAtLeast(hits, threshold);
        return hits;
    }

    /// <summary>Expands every node in scratch.Hits through layer-0 links, adding each unvisited node at or
    /// above <paramref name="floor"/>; the visited set of the preceding beam search carries over. The
    /// floor sits <see cref="HnswOptions.FloodSlack"/> below the threshold so the flood can step through a
    /// slightly weaker look-alike to reach a strong one behind it.</summary>
    private void Flood(ReadOnlySpan<float> q, float floor, SearchScratch scratch)
    {
        var hits = scratch.Hits;
        var frontier = scratch.Frontier;
        frontier.Clear();
        foreach (var (node, _) in hits)
            frontier.Push(node);
        while (frontier.TryPop(out int node))
        {
            foreach (int nb in Neighbours(node, 0))
            {
                if (!scratch.Visited.TryVisit(nb))
                    continue;
                float sim = TensorPrimitives.Dot(q, Vector(nb));
                if (sim >= floor)
                {
                    hits.Add((nb, sim));
                    frontier.Push(nb);
                }
            }
        }
    }

    private static void KeepAtLeast(List<(int Node, float Sim)> hits, float threshold)
    {
        int w = 0;
        for (int r = 0; r < hits.Count; r++)
            if (hits[r].Sim >= threshold)
                hits[w++] = hits[r];
        hits.RemoveRange(w, hits.Count - w);
    }

    internal SearchScratch RentScratch() => _scratchPool.TryTake(out var s) ? s : new SearchScratch();

    internal void ReturnScratch(SearchScratch scratch) => _scratchPool.Add(scratch);

    /// <summary>Greedy descent through the upper layers, then a beam of width <paramref name="ef"/> on
    /// layer 0; returns the beam best first. Every visited node with similarity ≥ collectFloor goes into
    /// <paramref name="collected"/>.</summary>
    private List<(int Node, float Sim)> SearchBase(ReadOnlySpan<float> q, int ef, SearchScratch scratch, float collectFloor, List<(int, float)>? collected)
    {
        var beam = scratch.Beam;
        beam.Clear();
        if (_entry < 0)
            return beam;
        int ep = _entry;
        float epSim = TensorPrimitives.Dot(q, Vector(ep));
        for (int level = _topLevel; level > 0; level--)
            Greedy(q, ref ep, ref epSim, level);
        beam.Add((ep, epSim));
        SearchLayer(q, beam, ef, 0, scratch, collectFloor, collected);
        beam.Sort(static (x, y) => y.Sim.CompareTo(x.Sim));
        return beam;
    }

    private void Greedy(ReadOnlySpan<float> q, ref int node, ref float sim, int level)
    {
        bool moved = true;
        while (moved)
        {
            moved = false;
            foreach (int nb in Neighbours(node, level))
            {
                float s = TensorPrimitives.Dot(q, Vector(nb));
                if (s > sim)
                {
                    sim = s;
                    node = nb;
                    moved = true;
                }
            }
        }
    }

    /// <summary>Beam search on one layer. <paramref name="beam"/> holds the entry points on the way in
    /// and the best ≤ ef nodes found (unordered) on the way out.</summary>
    private void SearchLayer(ReadOnlySpan<float> q, List<(int Node, float Sim)> beam, int ef, int level, SearchScratch scratch,
        float collectFloor, List<(int, float)>? collected)
    {
        var visited = scratch.Visited;
        visited.Reset(_nodes);
        var candidates = scratch.Candidates; // max-heap by similarity (priority = -sim)
        var results = scratch.Results;       // min-heap by similarity: the worst kept result on top
        candidates.Clear();
        results.Clear();
        foreach (var (node, sim) in beam)
        {
            if (!visited.TryVisit(node))
                continue;
            candidates.Enqueue(node, -sim);
            results.Enqueue(node, sim);
            if (collected is not null && sim >= collectFloor)
                collected.Add((node, sim));
        }
        while (results.Count > ef)
            results.Dequeue();
        while (candidates.TryDequeue(out int current, out float negSim))
        {
            results.TryPeek(out _, out float worst);
            if (-negSim < worst && results.Count >= ef)
                break;
            var neighbours = Neighbours(current, level);
            PrefetchVectors(neighbours);
            foreach (int nb in neighbours)
            {
                if (!visited.TryVisit(nb))
                    continue;
                float sim = TensorPrimitives.Dot(q, Vector(nb));
                if (collected is not null && sim >= collectFloor)
                    collected.Add((nb, sim));
                if (results.Count < ef || sim > worst)
                {
                    candidates.Enqueue(nb, -sim);
                    results.Enqueue(nb, sim);
                    if (results.Count > ef)
                        results.Dequeue();
                    results.TryPeek(out _, out worst);
                }
            }
        }
        beam.Clear();
        while (results.TryDequeue(out int node, out float sim))
            beam.Add((node, sim));
    }

    /// <summary>Asks the CPU to start loading the first cache lines of each neighbour's vector: with a
    /// large index every vector is a cache miss, and issuing them together overlaps their latency.</summary>
    private unsafe void PrefetchVectors(ReadOnlySpan<int> nodes)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported)
            return;
        fixed (float* vectors = _vectors)
        {
            int lines = Math.Min(4, (Dimension * sizeof(float) + 63) / 64);
            foreach (int node in nodes)
            {
                byte* start = (byte*)(vectors + (long)node * Dimension);
                for (int line = 0; line < lines; line++)
                    System.Runtime.Intrinsics.X86.Sse.Prefetch0(start + line * 64);
            }
        }
    }

    private float[] Normalised(ReadOnlySpan<float> query)
    {
        if (query.Length != Dimension)
            throw new ArgumentException($"Query has dimension {query.Length}, the index holds {Dimension}.", nameof(query));
        var q = query.ToArray();
        float norm = TensorPrimitives.Norm(q);
        if (!(norm > 0) || !float.IsFinite(norm))
            throw new ArgumentException("Query vector is zero or not finite.", nameof(query));
        TensorPrimitives.Divide(q, norm, q);
        return q;
    }

    /// <summary>Per-search working memory, pooled so concurrent searches don't allocate.</summary>
    internal sealed class SearchScratch
    {
        public VisitedSet Visited { get; } = new();
        public PriorityQueue<int, float> Candidates { get; } = new();
        public PriorityQueue<int, float> Results { get; } = new();
        public List<(int Node, float Sim)> Beam { get; } = [];
        public List<(int Node, float Sim)> Hits { get; } = [];
        public Stack<int> Frontier { get; } = new();
        public List<(int Node, float Sim)> Pool { get; } = [];
        public List<int> Selected { get; } = [];
    }
}
