namespace Doppel.Matching;

/// <summary>How joins and searches are answered: exactly, through an HNSW graph, or through an
/// inverted file of k-means cells.</summary>
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

    /// <summary>Parses a method name as the CLI's <c>--search</c> gives it (exact, hnsw, ivf; any case).</summary>
    public static SearchConfig Parse(string method) =>
        Enum.TryParse<SearchMethod>(method, ignoreCase: true, out var m) && Enum.IsDefined(m)
            ? new SearchConfig { Method = m }
            : throw new ArgumentException($"Unknown search method '{method}': use exact, hnsw or ivf.");

    /// <summary>The configured whole-set search (<see cref="IVectorSearch"/>).</summary>
    public IVectorSearch CreateSearch() => VectorSearch.Create(this);

    /// <summary>An empty incremental index of the configured kind.</summary>
    public IVectorIndex CreateIndex(int dimension) => Method switch
    {
        SearchMethod.Exact => new ExactIndex(dimension, Exact),
        SearchMethod.Hnsw => new HnswIndex(dimension, Hnsw),
        SearchMethod.Ivf => throw new NotSupportedException(
            "The IVF method answers whole-set joins (IVectorSearch) with no incremental index; use Exact or Hnsw for an index."),
        _ => throw new ArgumentOutOfRangeException(nameof(Method), Method, "Unknown search method."),
    };
}
