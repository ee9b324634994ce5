namespace Doppel.Matching;

/// <summary>How joins and searches are answered: exactly, through an HNSW graph, or (self-joins
/// only) through an inverted file of k-means cells.</summary>
public enum SearchMethod
{
    Exact,
    Hnsw,
    Ivf,
}

/// <summary>Search configuration: pick a method; each method's own options apply.</summary>
public sealed record SearchConfig
{
    public static SearchConfig Default { get; } = new();

    public SearchMethod Method { get; init; } = SearchMethod.Exact;
    public JoinOptions Exact { get; init; } = JoinOptions.Default;
    public HnswOptions Hnsw { get; init; } = HnswOptions.Default;
    public IvfOptions Ivf { get; init; } = IvfOptions.Default;

    /// <summary>An empty index of the configured kind.</summary>
    public IVectorIndex CreateIndex(int dimension) => Method switch
    {
        SearchMethod.Exact => new ExactIndex(dimension, Exact),
        SearchMethod.Hnsw => new HnswIndex(dimension, Hnsw),
        SearchMethod.Ivf => throw new NotSupportedException(
            "The IVF method is a batch self-join (VectorJoin.SelfJoin) with no incremental index; use Exact or Hnsw for an index."),
        _ => throw new ArgumentOutOfRangeException(nameof(Method), Method, "Unknown search method."),
    };
}

/// <summary>Threshold self-join of a <see cref="VectorSet"/> by either method, with the same result
/// shape as <see cref="ExactJoin.SelfJoin(VectorSet, float)"/> (row pairs A &lt; B, sorted), so callers
/// switch by configuration.</summary>
public static class VectorJoin
{
    public static IReadOnlyList<ScoredPair> SelfJoin(VectorSet vectors, float threshold, SearchConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        config ??= SearchConfig.Default;
        switch (config.Method)
        {
            case SearchMethod.Exact:
                var pairs = new List<ScoredPair>();
                ExactJoin.SelfJoin(vectors, threshold, batch => pairs.AddRange(batch), config.Exact);
                pairs.Sort(ExactJoin.ComparePairs);
                return pairs;
            case SearchMethod.Hnsw:
                var index = new HnswIndex(vectors.Dimension, config.Hnsw);
                index.AddRange(vectors, useRowIndexAsId: true);
                return index.SelfJoinNodes(threshold);
            case SearchMethod.Ivf:
                return IvfJoin.SelfJoin(vectors, threshold, config.Ivf);
            default:
                throw new ArgumentOutOfRangeException(nameof(config), config.Method, "Unknown search method.");
        }
    }
}
