namespace Doppel.Matching.IO;

/// <summary>
/// Face embeddings with their string ids (an image path, or <c>path#n</c> for the n-th face in
/// it), as read from or written to <c>.npy</c> + ids or JSONL files. Vectors are kept as stored
/// (not normalised); <see cref="ToVectorSet"/> gives the normalised form the matching engine uses.
/// </summary>
public sealed class EmbeddingSet
{
    public EmbeddingSet(IReadOnlyList<string> ids, float[] vectors, int dimension)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if ((long)ids.Count * dimension != vectors.LongLength)
            throw new ArgumentException($"{ids.Count} ids but {vectors.LongLength} values for dimension {dimension}.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (string.IsNullOrEmpty(id))
                throw new ArgumentException("An embedding id is empty.");
            if (!seen.Add(id))
                throw new ArgumentException($"Embedding id '{id}' occurs more than once.");
        }
        Ids = ids;
        Vectors = vectors;
        Dimension = dimension;
    }

    public IReadOnlyList<string> Ids { get; }

    /// <summary>Row-major, <see cref="Count"/> x <see cref="Dimension"/>.</summary>
    public float[] Vectors { get; }

    public int Dimension { get; }
    public int Count => Ids.Count;

    public ReadOnlySpan<float> Row(int index) => Vectors.AsSpan(index * Dimension, Dimension);

    /// <summary>The image an id names: <c>path</c> for <c>path#n</c> (the n-th face in it), else the id itself.</summary>
    public static string ImagePathOf(string id) => id.LastIndexOf('#') is int hash and > 0 ? id[..hash] : id;

    /// <summary>The vectors L2-normalised into a <see cref="VectorSet"/> whose ids are the row indices here.</summary>
    public VectorSet ToVectorSet()
    {
        var set = new VectorSet(Dimension, Math.Max(Count, 1));
        for (int i = 0; i < Count; i++)
            set.Add(i, Row(i));
        return set;
    }
}
