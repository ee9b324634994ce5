namespace Doppel.Matching.Clustering;

/// <summary>
/// The HDBSCAN condensed tree: the single-linkage hierarchy seen as clusters that only split when
/// both sides keep at least min_cluster_size points; smaller pieces fall out as points at the
/// density λ = 1/distance where they leave. Cluster 0 is the root.
/// </summary>
internal sealed class CondensedTree
{
    /// <summary>A point or a cluster leaving (or being born from) its parent cluster at density λ.</summary>
    private readonly record struct Entry(int Parent, int Child, bool ChildIsCluster, double Lambda, int Size);

    // Distances of 0 (identical faces) would give λ = ∞ and undefined stabilities; clamp them.
    private const double MinDistance = 1e-12;

    private readonly int _points;
    private readonly List<Entry> _entries = [];
    private int _clusters = 1;

    private CondensedTree(int points) => _points = points;

    public static CondensedTree Build(int n, Hdbscan.Merge[] merges, int minClusterSize)
    {
        var tree = new CondensedTree(n);
        int root = 2 * n - 2;
        var clusterOf = new int[2 * n - 1];
        clusterOf[root] = 0;
        var queue = new Queue<int>();
        queue.Enqueue(root);
        while (queue.Count > 0)
        {
            int node = queue.Dequeue();
            if (node < n)
                continue;
            var merge = merges[node - n];
            double lambda = 1.0 / Math.Max(merge.Distance, MinDistance);
            int parentCluster = clusterOf[node];
            int leftSize = SizeOf(merge.Left), rightSize = SizeOf(merge.Right);
            bool leftBig = leftSize >= minClusterSize, rightBig = rightSize >= minClusterSize;
            if (leftBig && rightBig)
            {
                foreach (var (child, size) in new[] { (merge.Left, leftSize), (merge.Right, rightSize) })
                {
                    clusterOf[child] = tree._clusters++;
                    tree._entries.Add(new Entry(parentCluster, clusterOf[child], true, lambda, size));
                    queue.Enqueue(child);
                }
            }
            else
            {
                // The small side(s) fall out as points; a big side carries on as the same cluster.
                foreach (var (child, big) in new[] { (merge.Left, leftBig), (merge.Right, rightBig) })
                {
                    if (big)
                    {
                        clusterOf[child] = parentCluster;
                        queue.Enqueue(child);
                    }
                    else
                    {
                        foreach (int point in Leaves(child))
                            tree._entries.Add(new Entry(parentCluster, point, false, lambda, 1));
                    }
                }
            }
        }
        return tree;

        int SizeOf(int node) => node < n ? 1 : merges[node - n].Size;

        IEnumerable<int> Leaves(int node)
        {
            var stack = new Stack<int>();
            stack.Push(node);
            while (stack.Count > 0)
            {
                int x = stack.Pop();
                if (x < n)
                {
                    yield return x;
                }
                else
                {
                    stack.Push(merges[x - n].Left);
                    stack.Push(merges[x - n].Right);
                }
            }
        }
    }

    /// <summary>Flat labels from the excess-of-mass selection: clusters numbered by tree order, noise −1.</summary>
    public int[] ExcessOfMassLabels()
    {
        var birth = new double[_clusters];
        var parentOf = new int[_clusters];
        var children = new List<int>[_clusters];
        for (int c = 0; c < _clusters; c++)
            children[c] = [];
        parentOf[0] = -1;
        foreach (var e in _entries.Where(e => e.ChildIsCluster))
        {
            birth[e.Child] = e.Lambda;
            parentOf[e.Child] = e.Parent;
            children[e.Parent].Add(e.Child);
        }

        var stability = new double[_clusters];
        foreach (var e in _entries)
            stability[e.Parent] += (e.Lambda - birth[e.Parent]) * e.Size;

        // Children always have larger ids than their parent, so descending ids visit leaves first.
        var selected = new bool[_clusters];
        for (int c = _clusters - 1; c >= 1; c--)
        {
            double childSum = children[c].Sum(child => stability[child]);
            if (childSum > stability[c])
            {
                stability[c] = childSum;
            }
            else
            {
                selected[c] = true;
                var stack = new Stack<int>(children[c]);
                while (stack.Count > 0)
                {
                    int d = stack.Pop();
                    selected[d] = false;
                    foreach (var g in children[d])
                        stack.Push(g);
                }
            }
        }

        var labelOfCluster = new int[_clusters];
        int next = 0;
        for (int c = 0; c < _clusters; c++)
            labelOfCluster[c] = selected[c] ? next++ : Dbscan.Noise;

        var labels = new int[_points];
        foreach (var e in _entries.Where(e => !e.ChildIsCluster))
        {
            int label = Dbscan.Noise;
            for (int c = e.Parent; c >= 0; c = parentOf[c])
                if (selected[c])
                {
                    label = labelOfCluster[c];
                    break;
                }
            labels[e.Child] = label;
        }
        return labels;
    }
}
