using Doppel.Matching.Persons;

namespace Doppel.Matching.Clustering;

public enum ClusterAlgorithm
{
    /// <summary>DBSCAN, cosine distance.</summary>
    Dbscan,

    /// <summary>HDBSCAN, cosine distance.</summary>
    Hdbscan,

    /// <summary>UMAP to a few dimensions, then DBSCAN with Euclidean distance in the layout.</summary>
    UmapDbscan,

    /// <summary>immich-style incremental person assignment over the faces in order.</summary>
    Incremental,

    /// <summary>Average linkage on cohort-levelled cosine, as the dedup groups (<see cref="AverageClustering"/>).</summary>
    Average,
}

/// <summary>
/// One clustering configuration. <see cref="Eps"/> is a cosine distance for DBSCAN and incremental
/// assignment, and a Euclidean distance in the layout for UMAP + DBSCAN; null takes the algorithm's
/// default (<see cref="DefaultEps"/>).
/// </summary>
public sealed record ClusterSettings(
    ClusterAlgorithm Algorithm = ClusterAlgorithm.Dbscan,
    float? Eps = null,
    int MinSamples = Dbscan.DefaultMinSamples,
    int MinClusterSize = Hdbscan.DefaultMinClusterSize,
    UmapOptions? Umap = null)
{
    /// <summary>UMAP settings for clustering: min_dist 0 packs each identity tightly; 8 dimensions keep room between them.</summary>
    public static UmapOptions DefaultUmap { get; } = new(Neighbors: 15, Components: 8, MinDist: 0.0);

    /// <summary>Layout ε for UMAP + DBSCAN: with min_dist 0 an identity packs into a blob far below the layout's ~10-unit span; 0.1 scored best on synthetic faces (docs/benchmarks-clustering.md).</summary>
    public const float DefaultLayoutEps = 0.1f;

    /// <summary>Where neighbours come from (DBSCAN's ε-graph, UMAP's k-NN, incremental assignment's
    /// neighbourhoods); exact by default. HDBSCAN needs every distance for its spanning tree and ignores it.</summary>
    public IVectorSearch Search { get; init; } = VectorSearch.Exact;

    /// <summary><see cref="ClusterAlgorithm.Average"/>: each row's cohort level minus the profile's reference
    /// level (levelled similarity = cos − mean of the two offsets); null = raw cosine. The other algorithms
    /// read raw cosine.</summary>
    public float[]? LevelOffsets { get; init; }

    public float DefaultEps => Algorithm switch
    {
        ClusterAlgorithm.UmapDbscan => DefaultLayoutEps,
        _ => Dbscan.DefaultEps,
    };

    /// <summary>Labels per row (−1 = noise / waiting) for L2-normalised vectors.</summary>
    public int[] Run(VectorSet vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        float eps = Eps ?? DefaultEps;
        switch (Algorithm)
        {
            case ClusterAlgorithm.Dbscan:
                return Dbscan.Cluster(vectors, eps, MinSamples, Search);
            case ClusterAlgorithm.Hdbscan:
                return Hdbscan.Cluster(vectors, MinClusterSize, MinSamples);
            case ClusterAlgorithm.UmapDbscan:
            {
                if (vectors.Count < 3)
                    return Enumerable.Repeat(Dbscan.Noise, vectors.Count).ToArray();
                var umap = Umap ?? DefaultUmap;
                umap = umap with { Neighbors = Math.Min(umap.Neighbors, vectors.Count), Search = Search };
                var layout = Clustering.Umap.FitTransform(vectors, umap);
                return Dbscan.Cluster(NeighborGraph.Euclidean(layout, umap.Components, eps), MinSamples);
            }
            case ClusterAlgorithm.Incremental:
            {
                var faces = new FaceState[vectors.Count];
                for (int i = 0; i < faces.Length; i++)
                    faces[i] = new FaceState(i, vectors.Row(i).ToArray());
                var result = PersonClustering.AssignIncremental(faces, [], new PersonOptions(eps, MinSamples) { Search = Search });
                var labelOf = result.CreatedPersonIds.Select((id, index) => (id, index)).ToDictionary(x => x.id, x => x.index);
                return faces.Select(f => result.PersonOfFace[f.FaceId] is long pid ? labelOf[pid] : Dbscan.Noise).ToArray();
            }
            case ClusterAlgorithm.Average:
                return AverageClustering.Cluster(vectors, eps, LevelOffsets, Search);
            default:
                throw new ArgumentOutOfRangeException(nameof(Algorithm), Algorithm, "Unknown clustering algorithm.");
        }
    }
}
