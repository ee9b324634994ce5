namespace Doppel.Vision.Embedding;

/// <summary>
/// Several embedders as one: each member's normalised vector is scaled by √weight, the pieces are
/// concatenated and renormalised, so the ensemble's cosine is the weight-averaged member cosine.
/// </summary>
public sealed class EnsembleEmbedder : IFaceEmbedder
{
    private readonly (IFaceEmbedder Embedder, float Weight)[] _members;

    public string Name { get; }
    public int Dimension { get; }

    /// <summary>Members and their normalised weights (summing to 1): the fused cosine is
    /// Σ weight · member cosine.</summary>
    public IReadOnlyList<(IFaceEmbedder Embedder, float Weight)> Members => _members;
    public float DefaultThreshold { get; }

    /// <param name="members">Embedders and their weights (positive); the ensemble owns them.</param>
    /// <param name="defaultThreshold">Cosine threshold for the fused vector; default: the weighted mean of the members'.</param>
    public EnsembleEmbedder(IReadOnlyList<(IFaceEmbedder Embedder, float Weight)> members, float? defaultThreshold = null)
    {
        if (members.Count == 0) throw new ArgumentException("An ensemble needs at least one member.", nameof(members));
        if (members.Any(m => !(m.Weight > 0))) throw new ArgumentException("Member weights must be positive.", nameof(members));
        float totalWeight = members.Sum(m => m.Weight);
        _members = members.Select(m => (m.Embedder, m.Weight / totalWeight)).ToArray();
        Name = string.Join("+", members.Select(m => m.Embedder.Name));
        Dimension = members.Sum(m => m.Embedder.Dimension);
        DefaultThreshold = defaultThreshold ?? _members.Sum(m => m.Embedder.DefaultThreshold * m.Weight);
    }

    /// <summary>The vector version of an ensemble whose members make vectors of these versions with these (normalised)
    /// weights: what stored vectors and reference cohorts are keyed by.</summary>
    public static string Version(IEnumerable<(string Version, float Weight)> members) =>
        string.Join(" + ", members.Select(m => $"{m.Version} *{m.Weight.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}"));

    public float[][] Embed(IReadOnlyList<FaceCrop> faces) => EmbedWithNorms(faces).Vectors;

    /// <summary>The fused vectors and, for each member whose raw output norm carries quality
    /// (<see cref="EmbedderSpec.NormIsQuality"/>: MobileFaceNet-192 in the accurate profile), its raw norms
    /// by member name: the norm quality of a fused pipeline costs no second run of that member.</summary>
    public (float[][] Vectors, IReadOnlyDictionary<string, float[]> RawNorms) EmbedWithNorms(IReadOnlyList<FaceCrop> faces)
    {
        var norms = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var parts = _members.Select(m =>
        {
            if (m.Embedder is not OnnxFaceEmbedder { Spec.NormIsQuality: true } onnx)
                return m.Embedder.Embed(faces);
            var batch = onnx.EmbedWithNorms(faces);
            norms[onnx.Name] = batch.RawNorms;
            return batch.Vectors;
        }).ToArray();
        var fused = new float[faces.Count][];
        for (int i = 0; i < faces.Count; i++)
        {
            var v = new float[Dimension];
            int at = 0;
            for (int m = 0; m < _members.Length; m++)
            {
                float s = MathF.Sqrt(_members[m].Weight);
                var part = parts[m][i];
                for (int d = 0; d < part.Length; d++) v[at + d] = part[d] * s;
                at += part.Length;
            }
            float norm = MathF.Sqrt(v.Sum(x => x * x));
            if (norm > 0)
                for (int d = 0; d < v.Length; d++) v[d] /= norm;
            fused[i] = v;
        }
        return (fused, norms);
    }

    public void Dispose()
    {
        foreach (var (embedder, _) in _members) embedder.Dispose();
    }
}
