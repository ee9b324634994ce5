using Doppel.Matching;

namespace Doppel.Jobs.Dedup;

/// <summary>A face with the image it belongs to and its vector's row in the matching set.</summary>
public readonly record struct FaceRef(long FaceId, long MediaId);

/// <summary>Two images judged duplicates: the best-matching face pair across them, its score (the
/// recognition profile's: normalised where the profile normalises) and its calibrated match probability
/// (null when the profile has no calibration).</summary>
public readonly record struct ImagePair(long MediaA, long MediaB, long FaceA, long FaceB, float Score, double? Probability = null);

/// <summary>
/// Turns face-level matches into image-level duplicate pairs with the HDE rule: two images match
/// when their best face pair does, and that pair's score is the images' score. Faces of the same
/// image never pair with each other, and pairs a reviewer marked "not the same" are dropped.
/// </summary>
public static class ImagePairs
{
    public static IReadOnlyList<ImagePair> FromFacePairs(
        IReadOnlyList<ScoredPair> facePairs,
        IReadOnlyList<FaceRef> faces,
        Func<long, long, bool>? isIgnored = null)
    {
        var best = new Dictionary<(long, long), ImagePair>();
        foreach (var p in facePairs)
        {
            var fa = faces[p.A];
            var fb = faces[p.B];
            if (fa.MediaId == fb.MediaId)
                continue;
            // Normalise so the smaller media id comes first: one entry per unordered image pair.
            var pair = fa.MediaId < fb.MediaId
                ? new ImagePair(fa.MediaId, fb.MediaId, fa.FaceId, fb.FaceId, p.Score)
                : new ImagePair(fb.MediaId, fa.MediaId, fb.FaceId, fa.FaceId, p.Score);
            var key = (pair.MediaA, pair.MediaB);
            if (!best.TryGetValue(key, out var existing) || pair.Score > existing.Score)
                best[key] = pair;
        }
        var result = best.Values.Where(p => isIgnored is null || !isIgnored(p.MediaA, p.MediaB)).ToList();
        // Deterministic order: best first, ties by ids, so reports and findings are reproducible.
        result.Sort((x, y) => y.Score != x.Score ? y.Score.CompareTo(x.Score) : x.MediaA != y.MediaA ? x.MediaA.CompareTo(y.MediaA) : x.MediaB.CompareTo(y.MediaB));
        return result;
    }
}
