using Doppel.Matching;
using Doppel.Storage;
using Doppel.Vision.Embedding;

namespace Doppel.Jobs.Dedup;

/// <summary>What matching found: image pairs (best face pair each, with the profile's match probability) and
/// the groups they form; <see cref="FaceLevels"/> holds each face's normalisation level when the profile normalises.</summary>
public sealed record DedupMatch(IReadOnlyList<ImagePair> Pairs, IReadOnlyList<IReadOnlyList<long>> Groups)
{
    public IReadOnlyDictionary<long, float>? FaceLevels { get; init; }

    /// <summary>The mean score at which groups joined (<see cref="FaceScoring.GroupCut"/>), what a reviewer is told a group
    /// stands for; null for connected and core grouping, which do not cut on a mean.</summary>
    public float? GroupCut { get; init; }

    /// <summary>The calibrated match probability of <see cref="GroupCut"/> (the scale of every pair's probability), or null.</summary>
    public double? GroupCutProbability { get; init; }
}

/// <summary>
/// How a dedup scores face pairs: the recognition profile (normalisation, calibration) and, when it
/// normalises, every face's level against the profile's fixed reference cohort for the vectors' version.
/// A level depends on the face alone, so a pair scores the same in one process, in the distributed
/// workers' partitions, and whatever else the set holds.
/// </summary>
public sealed class FaceScoring
{
    private FaceScoring(RecognitionProfile? profile, VectorSet? vectors, float[]? levels)
    {
        Profile = profile;
        Vectors = vectors;
        Levels = levels;
    }

    public RecognitionProfile? Profile { get; }
    public VectorSet? Vectors { get; }
    /// <summary>Each row's level, or null when scores are raw cosines.</summary>
    public float[]? Levels { get; }

    /// <summary>Raw cosines, no probabilities, no similarity for pairs that were not joined.</summary>
    public static FaceScoring Raw { get; } = new(null, null, null);

    /// <summary>The scoring of <paramref name="vectors"/> (made by <paramref name="modelVersion"/>) under <paramref name="profile"/>:
    /// levels against the profile's cohort of that version (<see cref="RecognitionProfile.CohortFor"/>).</summary>
    public static FaceScoring For(RecognitionProfile? profile, string? modelVersion, VectorSet vectors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var levels = profile?.Normalisation is { } normalisation && vectors.Count > 0
            ? normalisation.Levels(vectors, profile.CohortFor(modelVersion), cancellationToken)
            : null;
        return new FaceScoring(profile, vectors, levels);
    }

    /// <summary>The cosine at which to join so every pair whose score reaches <paramref name="threshold"/> is found:
    /// score = cosine − mean of the two levels, so cosine ≥ threshold + the lowest level covers them all.</summary>
    public float JoinAt(float threshold) => Levels is { Length: > 0 } levels ? threshold + levels.Min() : threshold;

    public float Score(int a, int b, float cosine) =>
        Levels is null || Profile is null ? cosine : Profile.Score(cosine, Levels[a], Levels[b]);

    public double? Probability(float score) => Profile?.Probability(score);

    /// <summary>Where average linkage cuts groups for pairs found at <paramref name="threshold"/> among <paramref name="faces"/>
    /// faces (<see cref="RecognitionProfile.GroupCut(float, int)"/>: larger sets than the calibration's ask for more).</summary>
    public float GroupCut(float threshold, int faces) => Profile?.GroupCut(threshold, faces) ?? threshold;

    /// <summary>The score of two rows from their vectors, or null without vectors.</summary>
    public float? Similarity(int a, int b) =>
        Vectors is null ? null : Score(a, b, System.Numerics.Tensors.TensorPrimitives.Dot(Vectors.Row(a), Vectors.Row(b)));
}

/// <summary>
/// The matching step of a dedup, with no storage: the vectors of the faces in scope are self-joined at the
/// threshold (on the profile's score: cohort-normalised when the profile normalises), face pairs become
/// image pairs (HDE rule: an image pair's score is its best face pair's) with the profile's calibrated
/// probability, pairs a reviewer ignored (by content hash) are dropped, and the rest are grouped with the
/// ignore list as a cannot-link constraint, so two images called different never meet in a group through a third.
/// </summary>
public static class DedupMatcher
{
    /// <param name="vectors">The faces' vectors (one model), in any order; faces not in <paramref name="mediaOfFace"/> are skipped.</param>
    /// <param name="mediaOfFace">Face id → media id of every face in scope.</param>
    /// <param name="hashOf">Media id → content hash of every media in scope.</param>
    /// <param name="ignoredHashes">Ignored pairs of content hashes, smaller first.</param>
    /// <param name="profile">The recogniser's profile (normalisation, calibration); null scores raw cosines.</param>
    /// <param name="modelVersion">The vectors' version: which of the profile's reference cohorts levels them.</param>
    public static DedupMatch Match(IEnumerable<FaceEmbedding> vectors, IReadOnlyDictionary<long, long> mediaOfFace,
        IReadOnlyDictionary<long, string> hashOf, IReadOnlySet<(string, string)> ignoredHashes, float threshold, GroupingMode grouping, IVectorSearch search,
        RecognitionProfile? profile = null, string? modelVersion = null, CancellationToken cancellationToken = default)
    {
        var (set, refs) = VectorsOf(vectors.Where(e => mediaOfFace.ContainsKey(e.FaceId)), e => mediaOfFace[e.FaceId]);
        var scoring = FaceScoring.For(profile, modelVersion, set, cancellationToken);
        var facePairs = refs.Count > 1 ? search.SelfJoin(set, scoring.JoinAt(threshold)) : [];
        return FromFacePairs(facePairs, refs, hashOf, ignoredHashes, grouping, threshold, scoring);
    }

    /// <summary>The vectors in face-id order (the order the distributed workers freeze) and their faces.</summary>
    public static (VectorSet Vectors, List<FaceRef> Refs) VectorsOf(IEnumerable<FaceEmbedding> vectors, Func<FaceEmbedding, long> mediaOf)
    {
        var list = vectors.OrderBy(e => e.FaceId).ToList();
        var set = list.Count == 0 ? new VectorSet(1, 1) : new VectorSet(list[0].Dimension, list.Count);
        var refs = new List<FaceRef>(list.Count);
        foreach (var e in list)
        {
            set.Add(e.FaceId, e.Vector);
            refs.Add(new FaceRef(e.FaceId, mediaOf(e)));
        }
        return (set, refs);
    }

    /// <summary>The second half of <see cref="Match"/>, for face pairs found elsewhere (the distributed workers'
    /// partitioned join): scores, image pairs, the ignore list, groups.</summary>
    /// <param name="facePairs">Pairs of rows of <paramref name="refs"/> with their raw cosine (or, with
    /// <see cref="FaceScoring.Raw"/>, their final score), sorted by (A, B) as a self-join gives them.</param>
    /// <param name="scoring">How rows score; its vectors and levels are in <paramref name="refs"/>' order.</param>
    /// <param name="scored">The pairs' scores are final already (stored findings): not normalised again.</param>
    /// <param name="matchedFaces">How many faces the set matched, when <paramref name="refs"/> holds only some of them (the faces of
    /// the paired images, all grouping reads): the group cut depends on the set's size. Null: <paramref name="refs"/> is the set.</param>
    public static DedupMatch FromFacePairs(IReadOnlyList<ScoredPair> facePairs, IReadOnlyList<FaceRef> refs,
        IReadOnlyDictionary<long, string> hashOf, IReadOnlySet<(string, string)> ignoredHashes, GroupingMode grouping,
        float threshold, FaceScoring scoring, bool scored = false, int? matchedFaces = null)
    {
        bool IsIgnored(long a, long b)
        {
            string ha = hashOf[a], hb = hashOf[b];
            return ignoredHashes.Contains(string.CompareOrdinal(ha, hb) <= 0 ? (ha, hb) : (hb, ha));
        }
        var final = scored || scoring.Levels is null
            ? facePairs
            : facePairs.Select(p => p with { Score = scoring.Score(p.A, p.B, p.Score) }).Where(p => p.Score >= threshold).ToList();
        var pairs = ImagePairs.FromFacePairs(final, refs, IsIgnored)
            .Select(p => p with { Probability = scoring.Probability(p.Score) }).ToList();

        // Group images: rows are the media that take part in a pair. The ignore list holds for groups
        // too: filtering the pairs alone still lets two images a reviewer called different meet in one
        // group through a third that matches both.
        var mediaRows = pairs.SelectMany(p => new[] { p.MediaA, p.MediaB }).Distinct().Order().ToList();
        var rowOf = mediaRows.Select((id, row) => (id, row)).ToDictionary(x => x.id, x => x.row);
        // Two images of one group that did not pair score their best face pair, so a chain of look-alikes
        // averages below the threshold (average linkage).
        var faceRowsOf = refs.Select((r, row) => (r.MediaId, row)).ToLookup(x => x.MediaId, x => x.row);
        Func<int, int, float>? similarity = scoring.Vectors is null ? null : (a, b) =>
        {
            float best = float.NegativeInfinity;
            foreach (int fa in faceRowsOf[mediaRows[a]])
                foreach (int fb in faceRowsOf[mediaRows[b]])
                    best = Math.Max(best, scoring.Similarity(fa, fb)!.Value);
            return best;
        };
        float groupCut = scoring.GroupCut(threshold, matchedFaces ?? refs.Count);
        var groups = DuplicateGrouper.Group(mediaRows.Count,
                pairs.Select(p => new ScoredPair(rowOf[p.MediaA], rowOf[p.MediaB], p.Score)),
                new DedupOptions { Mode = grouping, LinkageThreshold = groupCut },
                ignore: IgnoredAmong(mediaRows, hashOf, ignoredHashes), faceIds: mediaRows, similarity: similarity)
            .Select(g => (IReadOnlyList<long>)g.Members.Select(m => mediaRows[m]).ToList())
            .Where(g => g.Count > 1)
            .ToList();
        bool cutsOnMean = grouping == GroupingMode.Average;
        return new DedupMatch(pairs, groups)
        {
            FaceLevels = scoring.Levels is { } levels ? refs.Select((r, row) => (r.FaceId, levels[row])).ToDictionary(x => x.FaceId, x => x.Item2) : null,
            GroupCut = cutsOnMean ? groupCut : null,
            GroupCutProbability = cutsOnMean ? scoring.Probability(groupCut) : null,
        };
    }

    /// <summary>The settings a finding is stored with (one process and the distributed workers write the same):
    /// model, threshold on the profile's score, which score, grouping, and the pair's match probability.</summary>
    public static string FindingSettings(string model, string? version, float? threshold, RecognitionProfile profile, GroupingMode grouping, double? probability) =>
        System.Text.Json.JsonSerializer.Serialize(new
        {
            model, version, threshold, score = ScoreKind(profile), rule = "best-face-pair",
            grouping = grouping.ToString().ToLowerInvariant(), probability = probability is double pr ? Math.Round(pr, 4) : (double?)null,
        });

    /// <summary>What the profile's scores are, in words.</summary>
    public static string ScoreKind(RecognitionProfile profile) => profile.Normalisation is null ? "cosine" : "cohort-normalised cosine";

    /// <summary>The ignored pairs among <paramref name="media"/>, keyed by media id (every copy of an ignored hash counts).</summary>
    public static IgnoreList IgnoredAmong(IReadOnlyList<long> media, IReadOnlyDictionary<long, string> hashOf, IReadOnlySet<(string, string)> ignoredHashes)
    {
        var list = new IgnoreList();
        if (ignoredHashes.Count == 0)
            return list;
        var byHash = media.GroupBy(m => hashOf[m]).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var (ha, hb) in ignoredHashes)
            if (byHash.TryGetValue(ha, out var left) && byHash.TryGetValue(hb, out var right))
                foreach (var a in left)
                    foreach (var b in right)
                        if (a != b)
                            list.Add(a, b);
        return list;
    }
}
