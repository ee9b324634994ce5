using Doppel.Vision.Embedding;

namespace Doppel.Vision.Quality;

/// <summary>
/// The raw (pre-normalisation) embedding norm of a recogniser whose norm carries recognisability
/// (MobileFaceNet-192: dropping the 20 % lowest-norm LFW images cut FNMR at FMR 1e-3 from 1.97 % to
/// 0.59 %, ../shared/docs/models.md; dlib's norm carries none), mapped to [0, 1] by
/// q = σ((norm − <see cref="Centre"/>) / <see cref="Spread"/>).
/// </summary>
public sealed class EmbeddingNormQuality : IFaceQuality
{
    private readonly OnnxFaceEmbedder _embedder;
    private readonly bool _owns;

    /// <summary>MobileFaceNet-192's raw norm over the 1,549 LFW pairsDevTest images (BlazeFace + face-api
    /// landmarks): median 70.3, 5th–95th percentile 57.7–85 (min 45.6, max 100.3); the spread keeps that
    /// whole range off the saturated ends of the logistic, so scores stay distinct.</summary>
    public const float Centre = 70f, Spread = 8f;

    public string Name => QualityRegistry.MobileFaceNetNorm;

    public EmbeddingNormQuality(OnnxFaceEmbedder embedder, bool ownsEmbedder = true)
    {
        if (!embedder.Spec.NormIsQuality)
            throw new ArgumentException($"{embedder.Name}'s embedding norm is not a quality signal.", nameof(embedder));
        _embedder = embedder;
        _owns = ownsEmbedder;
    }

    public float[] Assess(IReadOnlyList<QualityInput> faces)
    {
        if (faces.Count == 0) return [];
        var norms = _embedder.EmbedWithNorms(faces.Select(f => f.Crop).ToList()).RawNorms;
        return norms.Select(Map).ToArray();
    }

    /// <summary>A raw norm as a score in [0, 1].</summary>
    public static float Map(float norm) => (float)(1 / (1 + Math.Exp(-(norm - Centre) / Spread)));

    public void Dispose()
    {
        if (_owns) _embedder.Dispose();
    }
}
