namespace Doppel.Matching;

/// <summary>
/// <see cref="GroupingMode.Average"/>: average-linkage agglomeration inside each connected component of
/// the pair graph, cut at the linkage threshold, then a support check. Two components never join (every
/// pair between them scored below the threshold, so their average does too), so working per component
/// gives the same groups as over the whole set. Inside a component the score of a pair that did not
/// match comes from the caller's similarity function, so a chain a–b–c whose ends are far apart averages
/// below the threshold and stays split, where connected components would join it.
/// </summary>
internal static class AverageLinkage
{
    public static int[] Group(int faceCount, List<ScoredPair> edges, GroupConstraints constraints, DedupOptions options,
        Func<int, int, float>? similarity, Func<int[]> coreFallback)
    {
        float cut = options.LinkageThreshold ?? (float.IsFinite(options.MinScore) ? options.MinScore
            : throw new ArgumentException("Average grouping needs a LinkageThreshold (or a finite MinScore).", nameof(options)));
        var components = new UnionFind(faceCount);
        foreach (var e in edges)
            components.Union(e.A, e.B);
        var members = new Dictionary<int, List<int>>();
        for (int i = 0; i < faceCount; i++)
        {
            int root = components.Find(i);
            if (!members.TryGetValue(root, out var list))
                members[root] = list = [];
            list.Add(i);
        }
        var edgeScore = new Dictionary<(int, int), float>(edges.Count);
        foreach (var e in edges)
            edgeScore.TryAdd((e.A, e.B), e.Score); // strongest first: a duplicate keeps the best score
        var groupOf = new int[faceCount];
        for (int i = 0; i < faceCount; i++)
            groupOf[i] = i;
        int[]? core = null;
        foreach (var list in members.Values)
        {
            if (list.Count < 2)
                continue;
            if (list.Count > options.MaxLinkageComponent)
            {
                core ??= coreFallback();
                foreach (int m in list)
                    groupOf[m] = core[m];
                continue;
            }
            GroupComponent(list, edgeScore, constraints, cut, similarity ?? ((_, _) => options.MissingScore), groupOf);
        }
        return groupOf;
    }

    private static void GroupComponent(List<int> rows, Dictionary<(int, int), float> edgeScore, GroupConstraints constraints,
        float cut, Func<int, int, float> similarity, int[] groupOf)
    {
        int m = rows.Count;
        var score = new float[m, m];   // member-to-member scores
        var sum = new double[m, m];    // cluster-to-cluster score sums, indexed by each cluster's first member
        var forbidden = new bool[m, m];
        for (int a = 0; a < m; a++)
            for (int b = a + 1; b < m; b++)
            {
                int ra = rows[a], rb = rows[b]; // rows are ascending, so (ra, rb) is the edge key order
                float s = edgeScore.TryGetValue((ra, rb), out var e) ? e : similarity(ra, rb);
                score[a, b] = score[b, a] = s;
                sum[a, b] = sum[b, a] = s;
                forbidden[a, b] = forbidden[b, a] = constraints.CannotLink(ra, rb);
            }
        var size = new int[m];
        var clusterOf = new int[m];
        var active = new bool[m];
        for (int a = 0; a < m; a++)
        {
            size[a] = 1;
            clusterOf[a] = a;
            active[a] = true;
        }
        double Average(int a, int b) => sum[a, b] / ((double)size[a] * size[b]);
        var best = new int[m];
        void RefreshBest(int a)
        {
            best[a] = -1;
            double top = double.NegativeInfinity;
            for (int c = 0; c < m; c++)
                if (c != a && active[c] && !forbidden[a, c] && Average(a, c) is var avg && (avg > top || (avg == top && c < best[a])))
                    (top, best[a]) = (avg, c);
        }
        for (int a = 0; a < m; a++)
            RefreshBest(a);
        while (true)
        {
            int x = -1;
            double top = double.NegativeInfinity;
            for (int a = 0; a < m; a++)
                if (active[a] && best[a] >= 0 && Average(a, best[a]) > top)
                    (top, x) = (Average(a, best[a]), a);
            if (x < 0 || top < cut)
                break;
            int y = best[x];
            (int keep, int gone) = x < y ? (x, y) : (y, x);
            for (int c = 0; c < m; c++)
            {
                if (!active[c] || c == keep || c == gone)
                    continue;
                sum[keep, c] = sum[c, keep] = sum[keep, c] + sum[gone, c];
                forbidden[keep, c] = forbidden[c, keep] = forbidden[keep, c] || forbidden[gone, c];
            }
            size[keep] += size[gone];
            active[gone] = false;
            for (int a = 0; a < m; a++)
                if (clusterOf[a] == gone)
                    clusterOf[a] = keep;
            for (int c = 0; c < m; c++)
                if (active[c] && (c == keep || best[c] == keep || best[c] == gone || (best[c] >= 0 && !forbidden[c, keep] && Average(c, keep) > Average(c, best[c]))))
                    RefreshBest(c);
        }
        DropUnsupported(m, score, cut, clusterOf);
        for (int a = 0; a < m; a++)
            groupOf[rows[a]] = rows[clusterOf[a]];
    }

    /// <summary>Average linkage bounds each merge's mean, not each member's: a member whose mean score to
    /// the rest of its group is below the threshold leaves it (the weakest first, until all are supported).</summary>
    private static void DropUnsupported(int m, float[,] score, float cut, int[] clusterOf)
    {
        while (true)
        {
            int worst = -1;
            double worstMean = cut;
            for (int a = 0; a < m; a++)
            {
                double total = 0;
                int others = 0;
                for (int b = 0; b < m; b++)
                    if (b != a && clusterOf[b] == clusterOf[a])
                    {
                        total += score[a, b];
                        others++;
                    }
                if (others > 0 && total / others < worstMean)
                    (worstMean, worst) = (total / others, a);
            }
            if (worst < 0)
                return;
            int cluster = clusterOf[worst];
            if (worst == cluster)
            {
                // The cluster is named after its first member; rename the rest before that member leaves.
                int next = Enumerable.Range(0, m).First(b => b != worst && clusterOf[b] == cluster);
                for (int b = 0; b < m; b++)
                    if (clusterOf[b] == cluster)
                        clusterOf[b] = next;
            }
            clusterOf[worst] = worst;
        }
    }
}
