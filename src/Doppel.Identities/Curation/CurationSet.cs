namespace Doppel.Identities.Curation;

/// <summary>One labelled face of a training set: its file, the identity it is filed under, its vector (as the
/// recogniser gives it) and its quality in [0, 1].</summary>
public sealed record LabelledFace(string Path, string Identity, float[] Vector, float Quality);

/// <summary>What became of one labelled face, and each identity's quality-weighted template of its kept faces.</summary>
public sealed record CurationSetResult(
    IReadOnlyList<(LabelledFace Face, CurationDecision Decision)> Decisions,
    IReadOnlyDictionary<string, float[]> Templates);

/// <summary>
/// Curates a whole training set, identity by identity (<see cref="IdentityCuration"/>). Vectors are first centred
/// on the set's mean and re-normalised: recognisers such as dlib's put every face in a narrow cone (cosines of
/// strangers around 0.5), where a mislabel threshold on raw cosines would never fire; centring makes cosines
/// to the identity's centre comparable across recognisers. Templates are returned in the recogniser's own space
/// (the quality-weighted mean of the kept faces' raw vectors), so they can be compared with fresh probes.
/// </summary>
public static class CurationSet
{
    public static CurationSetResult Curate(IReadOnlyList<LabelledFace> faces, CurationOptions options)
    {
        if (faces.Count == 0)
            return new CurationSetResult([], new Dictionary<string, float[]>());
        int dim = faces[0].Vector.Length;
        var mean = new float[dim];
        foreach (var f in faces)
        {
            if (f.Vector.Length != dim)
                throw new ArgumentException($"'{f.Path}' has a vector of {f.Vector.Length} values, the others {dim}.");
            for (int d = 0; d < dim; d++) mean[d] += f.Vector[d] / faces.Count;
        }

        var decisions = new List<(LabelledFace, CurationDecision)>(faces.Count);
        var templates = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var group in faces.GroupBy(f => f.Identity, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var members = group.ToList();
            var centred = members.Select(f => new CurationFace(f.Path, Centre(f.Vector, mean), f.Quality)).ToList();
            var (identityDecisions, _) = IdentityCuration.Curate(centred, options);
            var byId = identityDecisions.ToDictionary(d => d.Id, StringComparer.Ordinal);
            var raw = members.Select(f => new CurationFace(f.Path, f.Vector, f.Quality)).ToList();
            var kept = Enumerable.Range(0, members.Count).Where(i => byId[members[i].Path].Kept).ToList();
            if (kept.Count > 0)
                templates[group.Key] = IdentityCuration.Template(raw, kept);
            decisions.AddRange(members.Select(f => (f, byId[f.Path])));
        }
        return new CurationSetResult(decisions, templates);
    }

    private static float[] Centre(float[] v, float[] mean)
    {
        var c = new float[v.Length];
        double norm = 0;
        for (int d = 0; d < v.Length; d++)
        {
            c[d] = v[d] - mean[d];
            norm += c[d] * c[d];
        }
        float inv = norm > 0 ? (float)(1 / Math.Sqrt(norm)) : 0;
        for (int d = 0; d < v.Length; d++) c[d] *= inv;
        return c;
    }
}
