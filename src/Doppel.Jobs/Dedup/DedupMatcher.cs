using Doppel.Matching;
using Doppel.Storage;

namespace Doppel.Jobs.Dedup;

/// <summary>What matching found: image pairs (best face pair each) and the groups they form.</summary>
public sealed record DedupMatch(IReadOnlyList<ImagePair> Pairs, IReadOnlyList<IReadOnlyList<long>> Groups);

/// <summary>
/// The matching step of a dedup, with no storage: the vectors of the faces in scope are self-joined at the
/// threshold, face pairs become image pairs (HDE rule: an image pair's score is its best face pair's), pairs
/// a reviewer ignored (by content hash) are dropped, and the rest are grouped with the ignore list as a
/// cannot-link constraint, so two images called different never meet in a group through a third.
/// </summary>
public static class DedupMatcher
{
    /// <param name="vectors">The faces' vectors (one model), in any order; faces not in <paramref name="mediaOfFace"/> are skipped.</param>
    /// <param name="mediaOfFace">Face id → media id of every face in scope.</param>
    /// <param name="hashOf">Media id → content hash of every media in scope.</param>
    /// <param name="ignoredHashes">Ignored pairs of content hashes, smaller first.</param>
    public static DedupMatch Match(IEnumerable<FaceEmbedding> vectors, IReadOnlyDictionary<long, long> mediaOfFace,
        IReadOnlyDictionary<long, string> hashOf, IReadOnlySet<(string, string)> ignoredHashes, float threshold, GroupingMode grouping, SearchConfig search)
    {
        var set = new VectorSet(dimension: 1, capacity: 1);
        var refs = new List<FaceRef>();
        foreach (var e in vectors)
        {
            if (!mediaOfFace.TryGetValue(e.FaceId, out var media))
                continue;
            if (refs.Count == 0)
                set = new VectorSet(e.Dimension, mediaOfFace.Count);
            set.Add(e.FaceId, e.Vector);
            refs.Add(new FaceRef(e.FaceId, media));
        }
        var facePairs = refs.Count > 1 ? VectorJoin.SelfJoin(set, threshold, search) : [];

        bool IsIgnored(long a, long b)
        {
            string ha = hashOf[a], hb = hashOf[b];
            return ignoredHashes.Contains(string.CompareOrdinal(ha, hb) <= 0 ? (ha, hb) : (hb, ha));
        }
        var pairs = ImagePairs.FromFacePairs(facePairs, refs, IsIgnored);

        // Group images: rows are the media that take part in a pair. The ignore list holds for groups
        // too: filtering the pairs alone still lets two images a reviewer called different meet in one
        // group through a third that matches both.
        var mediaRows = pairs.SelectMany(p => new[] { p.MediaA, p.MediaB }).Distinct().Order().ToList();
        var rowOf = mediaRows.Select((id, row) => (id, row)).ToDictionary(x => x.id, x => x.row);
        var groups = DuplicateGrouper.Group(mediaRows.Count,
                pairs.Select(p => new ScoredPair(rowOf[p.MediaA], rowOf[p.MediaB], p.Score)),
                new DedupOptions { Mode = grouping },
                ignore: IgnoredAmong(mediaRows, hashOf, ignoredHashes), faceIds: mediaRows)
            .Select(g => (IReadOnlyList<long>)g.Members.Select(m => mediaRows[m]).ToList())
            .Where(g => g.Count > 1)
            .ToList();
        return new DedupMatch(pairs, groups);
    }

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
