using System.Numerics.Tensors;

namespace Doppel.Identities.Curation;

/// <summary>One face of an identity in a training set: an id (its path), its L2-normalised vector
/// (centred on the data set's mean for recognisers whose vectors are not centred, such as dlib's), and its
/// quality in [0, 1].</summary>
public sealed record CurationFace(string Id, float[] Vector, float Quality);

/// <summary>What became of one face; <see cref="Reason"/> is null for a kept face, else one of
/// <c>low_quality</c>, <c>mislabelled</c>, <c>redundant</c>, <c>surplus</c>.</summary>
public sealed record CurationDecision(string Id, bool Kept, string? Reason, float Quality);

/// <summary>How to choose the <see cref="CurationOptions.Keep"/> faces that represent an identity.</summary>
public enum SubsetSelection
{
    /// <summary>The FaceDuplicationFilter seed's rule: the subset whose quality-weighted template best
    /// matches the faces left out of it, under k-fold cross-validation (grown greedily).</summary>
    KFold,
    /// <summary>The highest-quality faces.</summary>
    Quality,
}

public sealed record CurationOptions
{
    /// <summary>Faces to keep per identity; null keeps every face that survives the other rules.</summary>
    public int? Keep { get; init; }

    /// <summary>A face whose cosine to a better-quality kept face is at or above this is a near-copy.</summary>
    public float Redundancy { get; init; } = 0.95f;

    /// <summary>Faces below this quality are dropped first.</summary>
    public float? MinQuality { get; init; }

    /// <summary>A face whose cosine to the identity's robust centre is below this is taken for a mislabel.</summary>
    public float Mislabel { get; init; } = 0.2f;

    public SubsetSelection Selection { get; init; } = SubsetSelection.KFold;

    public int Folds { get; init; } = 5;
}

/// <summary>
/// Training-set curation for one identity (the FaceDuplicationFilter seed): drop faces below the
/// quality floor, faces far from the identity's robust centre (mislabels), near-copies of a better
/// face, then keep the K faces that best represent the identity; the template is the quality-weighted
/// mean of the kept faces. The robust centre starts at the medoid and is then the quality-weighted mean of
/// the faces close to it, recomputed twice, so one wrong face cannot drag it; identities of fewer than three faces are not
/// checked for mislabels (with two, neither can be told to be the odd one).
/// </summary>
public static class IdentityCuration
{
    public static (IReadOnlyList<CurationDecision> Decisions, float[]? Template) Curate(IReadOnlyList<CurationFace> faces, CurationOptions options)
    {
        var reason = new string?[faces.Count];
        var alive = Enumerable.Range(0, faces.Count).ToList();
        if (options.MinQuality is float min)
            foreach (var i in alive.Where(i => faces[i].Quality < min).ToList()) { reason[i] = "low_quality"; alive.Remove(i); }

        if (alive.Count >= 3)
        {
            var inliers = alive;
            // Start from the medoid (the face most similar to all the others), not the mean, which a
            // wrong face of high quality would pull towards itself.
            var medoid = alive.MaxBy(i => alive.Sum(j => TensorPrimitives.Dot(faces[i].Vector, faces[j].Vector)));
            float[] centre = faces[medoid].Vector;
            for (int round = 0; round < 2; round++)
            {
                var next = alive.Where(i => TensorPrimitives.Dot(faces[i].Vector, centre) >= options.Mislabel).ToList();
                if (next.Count == 0) break;
                inliers = next;
                centre = Template(faces, inliers);
            }
            foreach (var i in alive.Except(inliers).ToList()) { reason[i] = "mislabelled"; alive.Remove(i); }
        }

        var kept = new List<int>();
        foreach (var i in alive.OrderByDescending(i => faces[i].Quality).ThenBy(i => i))
        {
            if (kept.Any(k => TensorPrimitives.Dot(faces[i].Vector, faces[k].Vector) >= options.Redundancy))
                reason[i] = "redundant";
            else
                kept.Add(i);
        }

        if (options.Keep is int keep && kept.Count > keep)
        {
            var chosen = options.Selection == SubsetSelection.Quality
                ? kept.OrderByDescending(i => faces[i].Quality).ThenBy(i => i).Take(keep).ToList()
                : KFoldSubset(faces, kept, keep, options.Folds);
            foreach (var i in kept.Except(chosen)) reason[i] = "surplus";
            kept = chosen;
        }
        var decisions = faces.Select((f, i) => new CurationDecision(f.Id, reason[i] is null, reason[i], f.Quality)).ToList();
        return (decisions, kept.Count > 0 ? Template(faces, kept) : null);
    }

    /// <summary>Quality-weighted mean of the faces, L2-normalised (weights floored so a zero-quality face still counts a little).</summary>
    public static float[] Template(IReadOnlyList<CurationFace> faces, IEnumerable<int> members)
    {
        var sum = new float[faces[0].Vector.Length];
        foreach (var i in members)
        {
            float w = MathF.Max(faces[i].Quality, 0.05f);
            TensorPrimitives.MultiplyAdd(faces[i].Vector, w, sum, sum);
        }
        float n = TensorPrimitives.Norm(sum);
        if (n > 0) TensorPrimitives.Divide(sum, n, sum);
        return sum;
    }

    /// <summary>
    /// Grows the subset one face at a time, each time adding the face that most raises the k-fold score:
    /// the candidates are dealt into <paramref name="folds"/> folds; for each fold the template of the
    /// subset's faces outside the fold is compared (cosine) with the fold's faces, and the score is the
    /// mean over all candidates. A subset that represents the identity well predicts faces it has not seen.
    /// </summary>
    public static List<int> KFoldSubset(IReadOnlyList<CurationFace> faces, IReadOnlyList<int> candidates, int keep, int folds)
    {
        var foldOf = candidates.Select((c, k) => (c, k)).ToDictionary(x => x.c, x => x.k % Math.Max(2, folds));
        var chosen = new List<int>();
        while (chosen.Count < keep)
        {
            int best = -1;
            double bestScore = double.NegativeInfinity;
            foreach (var c in candidates.Where(c => !chosen.Contains(c)))
            {
                var trial = chosen.Append(c).ToList();
                double score = 0;
                int counted = 0;
                foreach (var fold in candidates.GroupBy(x => foldOf[x]))
                {
                    var outside = trial.Where(t => foldOf[t] != fold.Key).ToList();
                    if (outside.Count == 0) continue;
                    var template = Template(faces, outside);
                    foreach (var f in fold) { score += TensorPrimitives.Dot(template, faces[f].Vector); counted++; }
                }
                score = counted > 0 ? score / counted : 0;
                // Ties (and the first pick, when no fold is covered yet) go to the better face.
                score += 1e-6 * faces[c].Quality;
                if (score > bestScore) { bestScore = score; best = c; }
            }
            chosen.Add(best);
        }
        return chosen;
    }
}
