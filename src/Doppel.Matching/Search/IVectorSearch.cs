namespace Doppel.Matching;

/// <summary>
/// The one neighbour-search seam over whole vector sets: every caller that needs neighbours (dedup's
/// face join, persons' neighbourhoods, DBSCAN's ε-graph, UMAP's k-NN) asks it, so the method is chosen
/// once, where the program is composed (<see cref="VectorSearch.Create"/>, the CLI's <c>--search</c>).
/// Rows are the <see cref="VectorSet"/>'s rows; vectors are L2-normalised, so scores are cosines.
/// Implementations: exact (the SIMD <see cref="ExactJoin"/>, the default and the reference), HNSW and
/// IVF (approximate: they may miss pairs, never invent one; tests/Doppel.Matching.Tests
/// <c>VectorSearchContractTests</c> hold each to its recall floor). A database engine (pgvector) can
/// implement it over its own tables later: the three questions are all it needs to answer.
/// </summary>
public interface IVectorSearch
{
    SearchMethod Method { get; }

    /// <summary>Streams every pair of rows (A &lt; B) with similarity ≥ <paramref name="threshold"/> to
    /// <paramref name="onBatch"/> (serialised calls, no particular order); returns how many there were.</summary>
    long SelfJoin(VectorSet vectors, float threshold, PairBatchHandler onBatch);

    /// <summary>Streams every (query row, reference row) pair with similarity ≥ <paramref name="threshold"/>
    /// (A = query row, B = reference row); returns how many there were.</summary>
    long CrossJoin(VectorSet queries, VectorSet reference, float threshold, PairBatchHandler onBatch);

    /// <summary>For each row, its <paramref name="k"/> most similar other rows (itself excluded), best
    /// first, ties by row; fewer only when the set has fewer than k + 1 rows.</summary>
    ScoredPair[][] SelfTopK(VectorSet vectors, int k);
}

/// <summary>The collected forms of <see cref="IVectorSearch"/>'s streaming joins.</summary>
public static class VectorSearchExtensions
{
    /// <summary>Every pair (A &lt; B) with similarity ≥ threshold, sorted by (A, B).</summary>
    public static IReadOnlyList<ScoredPair> SelfJoin(this IVectorSearch search, VectorSet vectors, float threshold)
    {
        ArgumentNullException.ThrowIfNull(search);
        var pairs = new List<ScoredPair>();
        search.SelfJoin(vectors, threshold, batch => pairs.AddRange(batch));
        pairs.Sort(ExactJoin.ComparePairs);
        return pairs;
    }

    /// <summary>Every (query row, reference row) pair with similarity ≥ threshold, sorted by (A, B).</summary>
    public static IReadOnlyList<ScoredPair> CrossJoin(this IVectorSearch search, VectorSet queries, VectorSet reference, float threshold)
    {
        ArgumentNullException.ThrowIfNull(search);
        var pairs = new List<ScoredPair>();
        search.CrossJoin(queries, reference, threshold, batch => pairs.AddRange(batch));
        pairs.Sort(ExactJoin.ComparePairs);
        return pairs;
    }
}
