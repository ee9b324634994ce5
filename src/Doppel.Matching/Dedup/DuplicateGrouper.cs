namespace Doppel.Matching;

/// <summary>
/// Turns scored face pairs into duplicate groups. Pairs are taken strongest first, so when a
/// constraint forces a choice the better-supported match wins. Constraints, in both modes: no group
/// holds both faces of an ignored pair, and with image ids no group holds two faces of one image
/// (one identity appears at most once per photo).
/// </summary>
public static class DuplicateGrouper
{
    /// <param name="faceCount">Faces are rows 0..faceCount-1; pairs refer to rows.</param>
    /// <param name="pairs">Scored pairs (any order, either orientation; duplicates harmless).</param>
    /// <param name="imageOfFace">Image id of each face (length faceCount), or null for no per-image rule.</param>
    /// <param name="ignore">Reviewer decisions; keyed by row, or by <paramref name="faceIds"/> when given.</param>
    /// <param name="faceIds">Stable id of each face (length faceCount) used to look up <paramref name="ignore"/>.</param>
    /// <param name="similarity">Average mode: the score of two rows that have no pair in <paramref name="pairs"/>
    /// (e.g. from their vectors, normalised like the pairs); null = <see cref="DedupOptions.MissingScore"/>.</param>
    public static IReadOnlyList<DuplicateGroup> Group(int faceCount, IEnumerable<ScoredPair> pairs, DedupOptions? options = null,
        IReadOnlyList<long>? imageOfFace = null, IgnoreList? ignore = null, IReadOnlyList<long>? faceIds = null,
        Func<int, int, float>? similarity = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(faceCount);
        ArgumentNullException.ThrowIfNull(pairs);
        options ??= DedupOptions.Default;
        if (imageOfFace is not null && imageOfFace.Count != faceCount)
            throw new ArgumentException($"imageOfFace has {imageOfFace.Count} entries for {faceCount} faces.", nameof(imageOfFace));
        if (faceIds is not null && faceIds.Count != faceCount)
            throw new ArgumentException($"faceIds has {faceIds.Count} entries for {faceCount} faces.", nameof(faceIds));

        var edges = new List<ScoredPair>();
        foreach (var p in pairs)
        {
            if (p.A < 0 || p.B < 0 || p.A >= faceCount || p.B >= faceCount)
                throw new ArgumentOutOfRangeException(nameof(pairs), $"Pair ({p.A}, {p.B}) refers to a face outside 0..{faceCount - 1}.");
            if (p.A == p.B || !(p.Score >= options.MinScore))
                continue;
            edges.Add(p.A < p.B ? p : new ScoredPair(p.B, p.A, p.Score));
        }
        edges.Sort(static (x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.A != y.A ? x.A.CompareTo(y.A) : x.B.CompareTo(y.B));

        var constraints = new GroupConstraints(faceCount, imageOfFace, ignore, faceIds);
        int[] groupOf = options.Mode switch
        {
            GroupingMode.Connected => Connected(faceCount, edges, constraints),
            GroupingMode.Core => CoreGroups(faceCount, edges, constraints),
            GroupingMode.Average => AverageLinkage.Group(faceCount, edges, constraints, options, similarity,
                () => CoreGroups(faceCount, edges, new GroupConstraints(faceCount, imageOfFace, ignore, faceIds))),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "Unknown grouping mode."),
        };
        return Collect(groupOf, edges, options);
    }

    /// <summary>Union-find over the edges, refusing a merge that would break a constraint.</summary>
    private static int[] Connected(int faceCount, List<ScoredPair> edges, GroupConstraints constraints)
    {
        var sets = new UnionFind(faceCount);
        foreach (var e in edges)
        {
            int ra = sets.Find(e.A), rb = sets.Find(e.B);
            if (ra == rb || !constraints.CanMerge(ra, rb, sets))
                continue;
            int root = sets.Union(ra, rb);
            constraints.Merged(root, root == ra ? rb : ra);
        }
        var groupOf = new int[faceCount];
        for (int i = 0; i < faceCount; i++)
            groupOf[i] = sets.Find(i);
        return groupOf;
    }

    /// <summary>Greedy star groups: the unassigned face with the most matches becomes a core and takes its
    /// unassigned direct matches (strongest first) that keep the group consistent.</summary>
    private static int[] CoreGroups(int faceCount, List<ScoredPair> edges, GroupConstraints constraints)
    {
        var adjacency = new List<(int Other, float Score)>[faceCount];
        var strength = new double[faceCount];
        foreach (var e in edges)
        {
            (adjacency[e.A] ??= []).Add((e.B, e.Score));
            (adjacency[e.B] ??= []).Add((e.A, e.Score));
            strength[e.A] += e.Score;
            strength[e.B] += e.Score;
        }
        var order = Enumerable.Range(0, faceCount).Where(i => adjacency[i] is not null)
            .OrderByDescending(i => adjacency[i].Count).ThenByDescending(i => strength[i]).ThenBy(i => i).ToArray();
        var groupOf = new int[faceCount];
        Array.Fill(groupOf, -1);
        var sets = new UnionFind(faceCount);
        foreach (int core in order)
        {
            if (groupOf[core] >= 0)
                continue;
            groupOf[core] = core;
            foreach (var (other, _) in adjacency[core]) // edges were added strongest first
            {
                if (groupOf[other] >= 0)
                    continue;
                int root = sets.Find(core);
                if (!constraints.CanMerge(root, other, sets))
                    continue;
                int merged = sets.Union(root, other);
                constraints.Merged(merged, merged == root ? other : root);
                groupOf[other] = core;
            }
        }
        for (int i = 0; i < faceCount; i++)
            if (groupOf[i] < 0)
                groupOf[i] = i;
        return groupOf;
    }

    internal static List<DuplicateGroup> Collect(int[] groupOf, List<ScoredPair> edges, DedupOptions options)
    {
        var members = new Dictionary<int, List<int>>();
        for (int i = 0; i < groupOf.Length; i++)
        {
            if (!members.TryGetValue(groupOf[i], out var list))
                members[groupOf[i]] = list = [];
            list.Add(i);
        }
        var links = new int[groupOf.Length];
        foreach (var e in edges)
            if (groupOf[e.A] == groupOf[e.B])
            {
                links[e.A]++;
                links[e.B]++;
            }
        var groups = new List<DuplicateGroup>();
        foreach (var (key, list) in members)
        {
            if (list.Count < 2 && !options.IncludeSingletons)
                continue;
            int representative = options.Mode == GroupingMode.Core ? key : list.OrderByDescending(m => links[m]).ThenBy(m => m).First();
            groups.Add(new DuplicateGroup([.. list], representative));
        }
        groups.Sort(static (x, y) => x.Members[0].CompareTo(y.Members[0]));
        return groups;
    }
}
