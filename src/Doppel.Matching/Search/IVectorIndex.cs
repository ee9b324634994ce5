namespace Doppel.Matching;

/// <summary>A match between a query vector and an indexed vector: the indexed vector's id and the
/// cosine similarity (vectors are L2-normalised, so this is their dot product).</summary>
public readonly record struct Neighbor(long Id, float Similarity);

/// <summary>
/// Similarity search over L2-normalised vectors. The exact (brute-force, SIMD) index and the HNSW
/// index implement the same interface so callers switch by configuration.
/// </summary>
public interface IVectorIndex
{
    int Dimension { get; }
    int Count { get; }

    void Add(long id, ReadOnlySpan<float> vector);

    /// <summary>All indexed vectors with similarity ≥ <paramref name="threshold"/>, best first.</summary>
    IReadOnlyList<Neighbor> RangeSearch(ReadOnlySpan<float> query, float threshold);

    /// <summary>The <paramref name="k"/> most similar indexed vectors, best first.</summary>
    IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k);
}
