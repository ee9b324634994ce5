using System.Numerics.Tensors;

namespace Doppel.Matching;

public sealed partial class HnswIndex
{
    /// <summary>
    /// Links nodes [first, first+count), already stored. Phase 1 (parallel, read-only): each node
    /// searches the graph as it was before the batch, adds the other batch nodes as exact candidates,
    /// and picks its neighbours per layer. Phase 2 (parallel by owner): each node writes its own lists,
    /// then reverse links are grouped by target node so each list has one writer, in batch order.
    /// </summary>
    private void InsertBatch(int first, int count)
    {
        var plans = new int[count][][];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = count < 8 ? 1 : Options.MaxThreads };
        Parallel.For(0, count, parallel, () => RentScratch(), (i, _, scratch) =>
        {
            plans[i] = PlanLinks(first + i, first, count, scratch);
            return scratch;
        }, ReturnScratch);

        var reverse = new List<ReverseLink>();
        for (int i = 0; i < count; i++)
        {
            int node = first + i;
            for (int level = 0; level < plans[i].Length; level++)
            {
                var slot = LinkSlot(node, level);
                var chosen = plans[i][level];
                slot[0] = chosen.Length;
                chosen.CopyTo(slot[1..]);
                foreach (int nb in chosen)
                    reverse.Add(new ReverseLink(nb, level, node));
            }
        }
        reverse.Sort();
        var groups = new List<(int Start, int End)>();
        for (int s = 0; s < reverse.Count;)
        {
            int e = s + 1;
            while (e < reverse.Count && reverse[e].Target == reverse[s].Target && reverse[e].Level == reverse[s].Level)
                e++;
            groups.Add((s, e));
            s = e;
        }
        Parallel.For(0, groups.Count, parallel, () => RentScratch(), (g, _, scratch) =>
        {
            var (start, end) = groups[g];
            AddReverseLinks(reverse, start, end, scratch);
            return scratch;
        }, ReturnScratch);

        for (int i = 0; i < count; i++)
        {
            int node = first + i;
            if (_levels[node] > _topLevel || _entry < 0)
            {
                _topLevel = _levels[node];
                _entry = node;
            }
        }
    }

    private int[][] PlanLinks(int node, int batchFirst, int batchCount, SearchScratch scratch)
    {
        var q = Vector(node);
        int level = _levels[node];
        var batchPeers = new List<(int Node, float Sim)>(batchCount - 1);
        for (int j = batchFirst; j < batchFirst + batchCount; j++)
            if (j != node)
                batchPeers.Add((j, TensorPrimitives.Dot(q, Vector(j))));

        var plan = new int[level + 1][];
        var beam = scratch.Beam;
        beam.Clear();
        if (_entry >= 0)
        {
            int ep = _entry;
            float epSim = TensorPrimitives.Dot(q, Vector(ep));
            for (int l = _topLevel; l > level; l--)
                Greedy(q, ref ep, ref epSim, l);
            beam.Add((ep, epSim));
        }
        for (int l = level; l >= 0; l--)
        {
            if (_entry >= 0 && l <= _topLevel)
                SearchLayer(q, beam, Options.EfConstruction, l, scratch, float.PositiveInfinity, null);
            var pool = scratch.Pool;
            pool.Clear();
            if (l <= _topLevel)
                pool.AddRange(beam);
            foreach (var peer in batchPeers)
                if (_levels[peer.Node] >= l)
                    pool.Add(peer);
            pool.Sort(static (x, y) => y.Sim != x.Sim ? y.Sim.CompareTo(x.Sim) : x.Node.CompareTo(y.Node));
            SelectByHeuristic(pool, _m, scratch.Selected);
            plan[l] = [.. scratch.Selected];
        }
        return plan;
    }

    /// <summary>Adds sources to one target's list; when it overflows, the target re-picks its
    /// neighbours from old and new links with the same heuristic.</summary>
    private void AddReverseLinks(List<ReverseLink> links, int start, int end, SearchScratch scratch)
    {
        int target = links[start].Target, level = links[start].Level;
        int max = level == 0 ? _m0 : _m;
        var slot = LinkSlot(target, level);
        var pool = scratch.Pool;
        pool.Clear();
        foreach (int existing in slot.Slice(1, slot[0]))
            pool.Add((existing, Similarity(target, existing)));
        for (int i = start; i < end; i++)
        {
            int source = links[i].Source;
            if (source != target && !slot.Slice(1, slot[0]).Contains(source))
                pool.Add((source, Similarity(target, source)));
        }
        if (pool.Count <= max)
        {
            for (int i = slot[0]; i < pool.Count; i++)
                slot[1 + i] = pool[i].Node;
            slot[0] = pool.Count;
            return;
        }
        pool.Sort(static (x, y) => y.Sim != x.Sim ? y.Sim.CompareTo(x.Sim) : x.Node.CompareTo(y.Node));
        SelectByHeuristic(pool, max, scratch.Selected);
        slot[0] = scratch.Selected.Count;
        for (int i = 0; i < scratch.Selected.Count; i++)
            slot[1 + i] = scratch.Selected[i];
    }

    /// <summary>The paper's neighbour heuristic: walking candidates best first, keep one only if it is
    /// more similar to the base node than to every neighbour kept so far. This spreads links across
    /// directions instead of spending them all inside one tight cluster of look-alikes.</summary>
    private void SelectByHeuristic(List<(int Node, float Sim)> sortedBestFirst, int max, List<int> selected)
    {
        selected.Clear();
        foreach (var (candidate, sim) in sortedBestFirst)
        {
            if (selected.Count >= max)
                break;
            bool keep = true;
            foreach (int s in selected)
            {
                if (Similarity(candidate, s) > sim)
                {
                    keep = false;
                    break;
                }
            }
            if (keep)
                selected.Add(candidate);
        }
    }

    private readonly record struct ReverseLink(int Target, int Level, int Source) : IComparable<ReverseLink>
    {
        public int CompareTo(ReverseLink other) =>
            Target != other.Target ? Target.CompareTo(other.Target)
            : Level != other.Level ? Level.CompareTo(other.Level)
            : Source.CompareTo(other.Source);
    }
}
