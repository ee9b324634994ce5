namespace Doppel.Matching.Clustering;

/// <summary>
/// The connected components of UMAP's (pruned) fuzzy graph, each with its members and its edges in
/// member-local indices, largest component first (ties: lowest first member), so a seeded layout
/// does not depend on hash or thread order.
/// </summary>
internal sealed class UmapComponents
{
    private UmapComponents(List<Piece> pieces) => Pieces = pieces;

    public IReadOnlyList<Piece> Pieces { get; }

    /// <summary>One component: global point ids (ascending) and its edges, both endpoints local.</summary>
    internal sealed record Piece(int[] Members, int[] Heads, int[] Tails, double[] EpochsPerSample);

    public static UmapComponents Find(int n, int[] heads, int[] tails, double[] epochsPerSample)
    {
        var sets = new UnionFind(n);
        for (int e = 0; e < heads.Length; e++)
            sets.Union(heads[e], tails[e]);
        var pieceOfRoot = new Dictionary<int, int>();
        var members = new List<List<int>>();
        var pieceOf = new int[n];
        var local = new int[n];
        for (int i = 0; i < n; i++)
        {
            int root = sets.Find(i);
            if (!pieceOfRoot.TryGetValue(root, out int p))
            {
                pieceOfRoot[root] = p = members.Count;
                members.Add([]);
            }
            pieceOf[i] = p;
            local[i] = members[p].Count;
            members[p].Add(i);
        }
        var edgeLists = members.Select(_ => (Heads: new List<int>(), Tails: new List<int>(), Epochs: new List<double>())).ToArray();
        for (int e = 0; e < heads.Length; e++)
        {
            var list = edgeLists[pieceOf[heads[e]]];
            list.Heads.Add(local[heads[e]]);
            list.Tails.Add(local[tails[e]]);
            list.Epochs.Add(epochsPerSample[e]);
        }
        var pieces = Enumerable.Range(0, members.Count)
            .Select(p => new Piece([.. members[p]], [.. edgeLists[p].Heads], [.. edgeLists[p].Tails], [.. edgeLists[p].Epochs]))
            .OrderByDescending(p => p.Members.Length).ThenBy(p => p.Members[0])
            .ToList();
        return new UmapComponents(pieces);
    }
}
