using Doppel.Vision.Embedding;

namespace Doppel.Vision.Quality;

/// <summary>
/// The raw (pre-normalisation) embedding norm of a recogniser whose norm carries recognisability
/// (MobileFaceNet-192: dropping the 20 % lowest-norm LFW images cut FNMR at FMR 1e-3 from 1.97 % to
/// 0.59 %, ../shared/docs/models.md; dlib's norm carries none), mapped to [0, 1] by
/// q = σ((norm − <see cref="Centre"/>) / <see cref="Spread"/>). When the pipeline already ran that
/// recogniser (alone or in an ensemble) its norms come with the faces (<see cref="QualityInput.RawNorms"/>)
/// and this costs nothing; otherwise the recogniser is opened on first need and run once per face.
/// </summary>
public sealed class EmbeddingNormQuality : IFaceQuality
{
    private readonly string _model;
    private readonly Lazy<OnnxFaceEmbedder> _embedder;
    private readonly bool _owns;

    /// <summary>MobileFaceNet-192's raw norm over the 1,549 LFW pairsDevTest images (BlazeFace + face-api
    /// landmarks): median 70.3, 5th–95th percentile 57.7–85 (min 45.6, max 100.3); the spread keeps that
    /// whole range off the saturated ends of the logistic, so scores stay distinct.</summary>
    public const float Centre = 70f, Spread = 8f;

    public string Name => QualityRegistry.MobileFaceNetNorm;

    public EmbeddingNormQuality(OnnxFaceEmbedder embedder, bool ownsEmbedder = true)
        : this(embedder.Spec, () => embedder, ownsEmbedder)
    {
        _ = _embedder.Value;
    }

    /// <param name="spec">The recogniser whose norm is read (its norm must carry quality).</param>
    /// <param name="open">Opens it, called at most once and only when faces arrive without its norms.</param>
    public EmbeddingNormQuality(EmbedderSpec spec, Func<OnnxFaceEmbedder> open, bool ownsEmbedder = true)
    {
        if (!spec.NormIsQuality)
            throw new ArgumentException($"{spec.Name}'s embedding norm is not a quality signal.", nameof(spec));
        _model = spec.Name;
        _embedder = new Lazy<OnnxFaceEmbedder>(open, LazyThreadSafetyMode.ExecutionAndPublication);
        _owns = ownsEmbedder;
    }

    public float[] Assess(IReadOnlyList<QualityInput> faces)
    {
        if (faces.Count == 0) return [];
        if (faces.All(f => f.RawNorms?.ContainsKey(_model) == true))
            return faces.Select(f => Map(f.RawNorms![_model])).ToArray();
        var norms = _embedder.Value.EmbedWithNorms(faces.Select(f => f.Crop).ToList()).RawNorms;
        return norms.Select(Map).ToArray();
    }

    /// <summary>A raw norm as a score in [0, 1].</summary>
    public static float Map(float norm) => (float)(1 / (1 + Math.Exp(-(norm - Centre) / Spread)));

    public void Dispose()
    {
        if (_owns && _embedder.IsValueCreated) _embedder.Value.Dispose();
    }
}
