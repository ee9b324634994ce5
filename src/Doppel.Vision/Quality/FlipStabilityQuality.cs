using System.Numerics.Tensors;
using Doppel.Vision.Embedding;

namespace Doppel.Vision.Quality;

/// <summary>
/// Embedding stability under a horizontal flip (SER-FIQ-like: a face the recogniser sees clearly embeds
/// alike mirrored; an occluded, turned or badly located face does not): the cosine between the vector of
/// the plain alignment and of its mirror image, mapped linearly from [<see cref="Floor"/>, 1] to [0, 1].
/// Costs nothing when the pipeline's recogniser averages each face with its mirror image (the licence-clean default: the
/// cosine comes with the face, <see cref="QualityInput.MirrorCosines"/>), else one extra embedding per face: the plain
/// vector is the pipeline's own when it runs one view per face (<see cref="QualityInput.Vectors"/>). The recogniser is the
/// pipeline's.
/// </summary>
public sealed class FlipStabilityQuality(OnnxFaceEmbedder recogniser, bool ownsRecogniser = false) : IFaceQuality
{
    /// <summary>Cosine that maps to 0: dlib ResNet-29's vectors of two strangers already average 0.83
    /// (../shared/docs/models.md), so a mirror pair below 0.8 is as unlike as two people.</summary>
    public const float Floor = 0.8f;

    public string Name => QualityRegistry.FlipStability;

    public float[] Assess(IReadOnlyList<QualityInput> faces)
    {
        if (faces.Count == 0) return [];
        // The recogniser is the pipeline's own (QualityRegistry), so its mirror cosine, keyed by the model's name, is
        // exactly what this would measure with two more inferences.
        bool samePipelineGraph = faces.All(f => f.MirrorCosines?.ContainsKey(recogniser.Name) == true);
        if (samePipelineGraph)
            return faces.Select(f => Map(f.MirrorCosines![recogniser.Name])).ToArray();
        var crops = faces.Select(f => f.Crop).ToList();
        bool plainIsPipelines = recogniser is { Flips: false, Options.Jitters: <= 1 }
                                && faces.All(f => f.Vectors?.ContainsKey(recogniser.Name) == true);
        var plain = plainIsPipelines ? faces.Select(f => f.Vectors![recogniser.Name]).ToArray() : recogniser.EmbedSingleView(crops, mirrored: false);
        var mirrored = recogniser.EmbedSingleView(crops, mirrored: true);
        var scores = new float[faces.Count];
        for (int i = 0; i < faces.Count; i++)
            scores[i] = Map(TensorPrimitives.CosineSimilarity(plain[i], mirrored[i]));
        return scores;
    }

    private static float Map(float cosine) => Math.Clamp((cosine - Floor) / (1 - Floor), 0, 1);

    public void Dispose()
    {
        if (ownsRecogniser) recogniser.Dispose();
    }
}
