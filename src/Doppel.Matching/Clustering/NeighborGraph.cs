namespace Doppel.Matching.Clustering;

/// <summary>
/// The ε-neighbourhoods of n points in compressed-row form: the neighbours of point i (itself
/// excluded) are <c>Neighbors[Offsets[i]..Offsets[i + 1]]</c>, in ascending index order.
/// </summary>
public sealed class NeighborGraph
{
    private NeighborGraph(int[] offsets, int[] neighbors)
    {
        Offsets = offsets;
        Neighbors = neighbors;
    }

    public int Count => Offsets.Length - 1;
    public int[] Offsets { get; }
    public int[] Neighbors { get; }

    public ReadOnlySpan<int> Of(int point) => Neighbors.AsSpan(Offsets[point], Offsets[point + 1] - Offsets[point]);

    /// <summary>Neighbourhood size counting the point itself, as sklearn's min_samples does.</summary>
    public int SizeWithSelf(int point) => Offsets[point + 1] - Offsets[point] + 1;

    /// <summary>Builds the graph from undirected pairs (each pair once, in any order, no self pairs).</summary>
    public static NeighborGraph FromPairs(int count, IReadOnlyList<ScoredPair> pairs)
    {
        var offsets = new int[count + 1];
        foreach (var p in pairs)
        {
            if ((uint)p.A >= (uint)count || (uint)p.B >= (uint)count || p.A == p.B)
                throw new ArgumentException($"Pair ({p.A}, {p.B}) is out of range for {count} points or joins a point to itself.");
            offsets[p.A + 1]++;
            offsets[p.B + 1]++;
        }
        for (int i = 0; i < count; i++)
            offsets[i + 1] += offsets[i];
        var neighbors = new int[offsets[count]];
        var fill = offsets[..count];
        foreach (var p in pairs)
        {
            neighbors[fill[p.A]++] = p.B;
            neighbors[fill[p.B]++] = p.A;
        }
        for (int i = 0; i < count; i++)
            Array.Sort(neighbors, offsets[i], offsets[i + 1] - offsets[i]);
        return new NeighborGraph(offsets, neighbors);
    }

    /// <summary>
    /// Cosine ε-neighbourhoods: pairs whose cosine distance 1 − cos is at most <paramref name="eps"/>,
    /// found with the search's self-join (exact by default). The distance is formed in float32 as sklearn does
    /// (1 − similarity ≤ ε), so boundary pairs are decided the same way.
    /// </summary>
    public static NeighborGraph Cosine(VectorSet vectors, float eps, IVectorSearch? search = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (!(eps >= 0))
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be a non-negative cosine distance.");
        if (vectors.Count == 0)
            return FromPairs(0, []);
        // Join slightly below the threshold, then decide each pair with sklearn's own comparison.
        var pairs = new List<ScoredPair>();
        (search ?? VectorSearch.Exact).SelfJoin(vectors, 1f - eps - 1e-5f, batch =>
        {
            foreach (var p in batch)
                if (1f - p.Score <= eps)
                    pairs.Add(p);
        });
        return FromPairs(vectors.Count, pairs);
    }

    /// <summary>
    /// Euclidean ε-neighbourhoods of low-dimensional points (row-major, <paramref name="dimension"/>
    /// columns), e.g. a UMAP layout; brute force, which is what a few-dimensional layout affords.
    /// </summary>
    public static NeighborGraph Euclidean(ReadOnlySpan<float> points, int dimension, float eps)
    {
        if (!(eps >= 0))
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be a non-negative distance.");
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (points.Length % dimension != 0)
            throw new ArgumentException($"{points.Length} values do not form rows of {dimension}.");
        int n = points.Length / dimension;
        double eps2 = (double)eps * eps;
        var pairs = new List<ScoredPair>();
        for (int a = 0; a < n; a++)
        {
            var pa = points.Slice(a * dimension, dimension);
            for (int b = a + 1; b < n; b++)
            {
                var pb = points.Slice(b * dimension, dimension);
                double d2 = 0;
                for (int k = 0; k < dimension; k++)
                {
                    double diff = pa[k] - pb[k];
                    d2 += diff * diff;
                }
                if (d2 <= eps2)
                    pairs.Add(new ScoredPair(a, b, (float)Math.Sqrt(d2)));
            }
        }
        return FromPairs(n, pairs);
    }
}
