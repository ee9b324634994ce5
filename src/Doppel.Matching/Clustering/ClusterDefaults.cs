using Doppel.Matching.Persons;

namespace Doppel.Matching.Clustering;

/// <summary>
/// Clustering parameters for one embedding model, one set per algorithm. Distances are cosine
/// distances (1 − cos) on the model's L2-normalised vectors, except <see cref="UmapLayoutEps"/>,
/// which is Euclidean in the UMAP layout.
/// </summary>
public sealed record ModelClusterDefaults(
    float DbscanEps,
    int DbscanMinSamples,
    int HdbscanMinClusterSize,
    int HdbscanMinSamples,
    int UmapNeighbors,
    int UmapComponents,
    float UmapLayoutEps,
    int UmapMinSamples,
    float IncrementalMaxDistance,
    int IncrementalMinFaces);

/// <summary>
/// The one table of clustering defaults per embedding model, read by <c>doppel eval cluster</c>,
/// <c>doppel recognize</c> and <c>doppel recluster</c>. The tuned rows are the best pairwise F of a
/// sweep over the 4,992 images of LFW dev (3,095 identities, 1,930 of them singletons), embeddings
/// from the default pipeline (BlazeFace alignment); the sweep and its results are in
/// docs/benchmarks-clustering.md (<c>Doppel.Clustering.Bench sweep</c>). A model with no row (an
/// ensemble, a newly added net) gets <see cref="Untuned"/>, the pre-LFW synthetic-data values.
/// </summary>
public static class ClusterDefaults
{
    /// <summary>Catalogue names (Doppel.Models.ModelNames; Matching does not depend on Models).</summary>
    public const string DlibResNet29 = "dlib-resnet29";

    public const string MobileFaceNet192 = "mobilefacenet-192";

    /// <summary>The licence-clean fusion (RecognitionProfiles.LicenceCleanFusionName).</summary>
    public const string LicenceCleanFusion = "dlib-resnet29*0.86+faceres*0.14";

    /// <summary>Values chosen on synthetic face-like vectors before any real embeddings existed.</summary>
    public static ModelClusterDefaults Untuned { get; } = new(
        DbscanEps: Dbscan.DefaultEps, DbscanMinSamples: Dbscan.DefaultMinSamples,
        HdbscanMinClusterSize: Hdbscan.DefaultMinClusterSize, HdbscanMinSamples: Dbscan.DefaultMinSamples,
        UmapNeighbors: 15, UmapComponents: 8, UmapLayoutEps: ClusterSettings.DefaultLayoutEps, UmapMinSamples: Dbscan.DefaultMinSamples,
        IncrementalMaxDistance: Dbscan.DefaultEps, IncrementalMinFaces: Dbscan.DefaultMinSamples);

    private static readonly Dictionary<string, ModelClusterDefaults> Tuned = new(StringComparer.Ordinal)
    {
        // dlib's raw vectors are not centred (different people ≈ 0.83 cosine, the same person ≈ 0.95),
        // so its distances are small. DBSCAN still chains look-alikes beyond ε ≈ 0.05; HDBSCAN
        // (pairwise F 0.72) and incremental assignment (0.72) beat it (0.65) on this model.
        // DBSCAN ε re-chosen for the default pipeline of 2026-11-24 (face-api landmarks, 8-bit graph) over
        // LFW dev, Yale and ORL together: 0.0425 still has LFW's best pairwise F (0.656, precision 0.81)
        // but sits on a cliff (0.045: precision 0.46) and merged two of Yale's 15 people (F 0.78);
        // 0.04 gives LFW F 0.628 at precision 0.97, Yale 0.955, ORL 0.937 (mean 0.84 vs 0.80).
        [DlibResNet29] = new(
            DbscanEps: 0.04f, DbscanMinSamples: 2,
            HdbscanMinClusterSize: 2, HdbscanMinSamples: 2,
            UmapNeighbors: 5, UmapComponents: 16, UmapLayoutEps: 0.05f, UmapMinSamples: 2,
            IncrementalMaxDistance: 0.05f, IncrementalMinFaces: 2),
        // The licence-clean fusion (raw fused cosine: faceres's strangers sit near 0.35, so distances are wider than dlib's).
        // Chosen on LFW dev, Yale and ORL together (docs/benchmarks-clustering.md, "The licence-clean fusion", 2026-12-08):
        // incremental 0.085 (LFW pairwise F 0.813, P 0.95; Yale 0.975, ORL 0.991), where 0.09 gains LFW 0.011 but merges
        // Yale people (P 0.87); DBSCAN 0.075 (LFW 0.761, P 0.99; Yale 0.994), where 0.08 (LFW 0.818) merges two of Yale's
        // 15 people. HDBSCAN and UMAP keep dlib's values, not swept. Persons' default (average linkage) reads the profile.
        [LicenceCleanFusion] = new(
            DbscanEps: 0.075f, DbscanMinSamples: 2,
            HdbscanMinClusterSize: 2, HdbscanMinSamples: 2,
            UmapNeighbors: 5, UmapComponents: 16, UmapLayoutEps: 0.05f, UmapMinSamples: 2,
            IncrementalMaxDistance: 0.085f, IncrementalMinFaces: 2),
        [MobileFaceNet192] = new(
            DbscanEps: 0.38f, DbscanMinSamples: 2,
            HdbscanMinClusterSize: 2, HdbscanMinSamples: 2,
            UmapNeighbors: 50, UmapComponents: 8, UmapLayoutEps: 0.1f, UmapMinSamples: 2,
            IncrementalMaxDistance: 0.39f, IncrementalMinFaces: 2),
    };

    /// <summary>Models with a tuned row.</summary>
    public static IReadOnlyCollection<string> TunedModels => Tuned.Keys;

    public static bool IsTuned(string? model) => model is not null && Tuned.ContainsKey(model);

    public static ModelClusterDefaults For(string? model) =>
        model is not null && Tuned.TryGetValue(model, out var d) ? d : Untuned;

    /// <summary>The full settings of <paramref name="algorithm"/> for <paramref name="model"/>'s vectors.</summary>
    public static ClusterSettings Settings(string? model, ClusterAlgorithm algorithm)
    {
        var d = For(model);
        return algorithm switch
        {
            ClusterAlgorithm.Dbscan => new ClusterSettings(algorithm, d.DbscanEps, d.DbscanMinSamples),
            ClusterAlgorithm.Hdbscan => new ClusterSettings(algorithm, null, d.HdbscanMinSamples, d.HdbscanMinClusterSize),
            ClusterAlgorithm.UmapDbscan => new ClusterSettings(algorithm, d.UmapLayoutEps, d.UmapMinSamples,
                Umap: ClusterSettings.DefaultUmap with { Neighbors = d.UmapNeighbors, Components = d.UmapComponents }),
            ClusterAlgorithm.Incremental => new ClusterSettings(algorithm, d.IncrementalMaxDistance, d.IncrementalMinFaces),
            // The distance and the levels come from the recognition profile (RecognitionProfile.PersonsMaxDistance,
            // LevelOffsets): persons cut where the dedup's groups do, so no row of this table holds them.
            ClusterAlgorithm.Average => new ClusterSettings(algorithm, null, 2),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown clustering algorithm."),
        };
    }

    /// <summary><c>doppel recognize</c>: incremental assignment with the model's incremental values.</summary>
    public static PersonOptions Recognize(string? model) =>
        new(For(model).IncrementalMaxDistance, For(model).IncrementalMinFaces);

    /// <summary>
    /// <c>doppel recluster</c> for a model whose profile does not normalise its scores: DBSCAN with its DBSCAN values. A
    /// normalising profile (dlib, faceres, the licence-clean fusion) reclusters by average linkage at its own persons cut,
    /// which this project cannot read (Doppel.Vision references it): <c>PersonDefaults.Recluster</c> (Doppel.Application)
    /// decides that from the profile (LFW held-out people, dlib: BCubed F 0.957 vs 0.884 with DBSCAN ε 0.04 before flip;
    /// docs/benchmarks-clustering.md).
    /// </summary>
    public static PersonOptions Recluster(string? model) => new(For(model).DbscanEps, For(model).DbscanMinSamples);
}
