using Doppel.Storage;

namespace Doppel.Jobs.Dedup;

/// <summary>
/// <c>--min-quality</c>: which stored faces take part in matching. Decided from the quality stored per
/// face at ingest, so trying another threshold on a catalog needs no inference. A face without a stored
/// quality (ingested before qualities were assessed) is kept: an unknown quality is not a low one.
/// </summary>
public static class QualityGate
{
    /// <returns>The faces to match, and each image left with none, with its best face's quality.</returns>
    public static (IReadOnlyList<FaceRecord> Matchable, IReadOnlyDictionary<long, float> LowQualityImages) Split(IReadOnlyList<FaceRecord> faces, float? minQuality)
    {
        if (minQuality is not float min)
            return (faces, new Dictionary<long, float>());
        bool Passes(FaceRecord f) => f.Quality is not float q || q >= min;
        var matchable = faces.Where(Passes).ToList();
        var kept = matchable.Select(f => f.MediaId).ToHashSet();
        var low = faces.Where(f => !kept.Contains(f.MediaId))
            .GroupBy(f => f.MediaId)
            .ToDictionary(g => g.Key, g => g.Max(f => f.Quality ?? 0));
        return (matchable, low);
    }
}
