namespace Doppel.Matching;

/// <summary>A match between a query vector and an indexed vector: the indexed vector's id and the
/// cosine similarity (vectors are L2-normalised, so this is their dot product).</summary>
public readonly record struct Neighbor(long Id, float Similarity);

/// <summary>Two indexed vectors, by id (IdA &lt; IdB), and their cosine similarity.</summary>
public readonly record struct ScoredIdPair(long IdA, long IdB, float Score);

/// <summary>Receives one batch of id pairs; calls are serialised and the span is only valid during the call.</summary>
public delegate void IdPairBatchHandler(ReadOnlySpan<ScoredIdPair> batch);

/// <summary>
/// Similarity search over L2-normalised vectors. The exact (brute-force, SIMD) index and the HNSW
/// index implement the same interface so callers switch by configuration.
/// </summary>
public interface IVectorIndex
{
    int Dimension { get; }

    /// <summary>Live (not removed) vectors.</summary>
    int Count { get; }

    void Add(long id, ReadOnlySpan<float> vector);

    /// <summary>Removes (tombstones) a vector; false when the id is not in the index.</summary>
    bool Remove(long id);

    /// <summary>All indexed vectors with similarity ≥ <paramref name="threshold"/>, best first.</summary>
    IReadOnlyList<Neighbor> RangeSearch(ReadOnlySpan<float> query, float threshold);

    /// <summary>The <paramref name="k"/> most similar indexed vectors, best first.</summary>
    IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k);

    /// <summary>Every pair of live vectors with similarity ≥ threshold, each once, streamed in batches;
    /// returns the number of pairs.</summary>
    long SelfJoin(float threshold, IdPairBatchHandler onBatch);
}
