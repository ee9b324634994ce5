using System.Numerics.Tensors;

namespace Doppel.Matching.Clustering;

/// <summary>
/// Persons as the dedup groups them: average linkage over pairs within the distance, on cosine levelled by
/// each face's cohort level (<see cref="ClusterSettings.LevelOffsets"/>), every member supported by its
/// person (<see cref="DuplicateGrouper"/>'s <see cref="GroupingMode.Average"/>). Transitive growth (DBSCAN
/// with min_samples 2 is single linkage) chains look-alikes; a mean over the whole person does not.
/// </summary>
public static class AverageClustering
{
    /// <summary>Labels per row (−1 = in no person of two or more faces) for L2-normalised vectors: two parts
    /// join when their mean levelled similarity is at least 1 − <paramref name="maxDistance"/>.</summary>
    /// <param name="levelOffsets">Per row: the face's cohort level minus the profile's reference level, so a
    /// pair's levelled similarity is cos − (oA + oB) / 2 (raw cosine when null: every offset 0).</param>
    public static int[] Cluster(VectorSet vectors, float maxDistance, float[]? levelOffsets = null, IVectorSearch? search = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (!(maxDistance is >= 0 and <= 2))
            throw new ArgumentOutOfRangeException(nameof(maxDistance), maxDistance, "The distance must be a cosine distance in [0, 2].");
        int n = vectors.Count;
        if (levelOffsets is not null && levelOffsets.Length != n)
            throw new ArgumentException($"{levelOffsets.Length} level offsets for {n} vectors.", nameof(levelOffsets));
        var labels = new int[n];
        Array.Fill(labels, Dbscan.Noise);
        if (n < 2)
            return labels;
        float minSimilarity = 1f - maxDistance;
        float Offset(int a, int b) => levelOffsets is null ? 0f : 0.5f * (levelOffsets[a] + levelOffsets[b]);
        // Levelled similarity ≥ t needs cosine ≥ t + the pair's mean offset ≥ t + the lowest offset.
        float joinAt = minSimilarity + (levelOffsets is null ? 0f : levelOffsets.Min()) - 1e-5f;
        var pairs = new List<ScoredPair>();
        (search ?? VectorSearch.Exact).SelfJoin(vectors, joinAt, batch =>
        {
            foreach (var p in batch)
                if (p.Score - Offset(p.A, p.B) is var s && s >= minSimilarity)
                    pairs.Add(new ScoredPair(p.A, p.B, s));
        });
        var options = new DedupOptions { Mode = GroupingMode.Average, MinScore = minSimilarity, LinkageThreshold = minSimilarity };
        var groups = DuplicateGrouper.Group(n, pairs, options,
            similarity: (a, b) => TensorPrimitives.Dot(vectors.Row(a), vectors.Row(b)) - Offset(a, b));
        int next = 0;
        foreach (var g in groups.OrderBy(g => g.Members[0]))
        {
            foreach (int m in g.Members)
                labels[m] = next;
            next++;
        }
        return labels;
    }
}
