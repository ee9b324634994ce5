using System.Numerics.Tensors;

namespace Doppel.Vision.Quality;

/// <summary>
/// Embedding stability under small alignment perturbations (in the spirit of SER-FIQ, which
/// measures stability under dropout): a face the recogniser sees clearly embeds alike when its
/// landmarks move by a few pixels; a blurred, occluded or badly located face does not. The face is
/// embedded as detected and under <see cref="Perturbations"/> (landmarks rotated, scaled and shifted
/// about their centre); the score is the mean cosine between the perturbed and the plain vectors,
/// mapped linearly from [<see cref="Floor"/>, 1] to [0, 1]. Costs one extra embedding per
/// perturbation (the plain vector is the pipeline's, <see cref="QualityInput.Vectors"/>, when it comes
/// with the face). Uses the recogniser it is given (the pipeline's), so it measures that model's
/// stability.
/// </summary>
public sealed class StabilityQuality(IFaceEmbedder recogniser, bool ownsRecogniser = false) : IFaceQuality
{
    /// <summary>(rotation degrees, scale, shift x, shift y in interocular distances).</summary>
    public static IReadOnlyList<(float Degrees, float Scale, float Dx, float Dy)> Perturbations { get; } =
    [
        (4, 1.04f, 0.04f, 0),
        (-4, 0.96f, -0.04f, 0),
        (2, 1, 0, 0.05f),
        (-2, 1, 0, -0.05f),
    ];

    /// <summary>Mean cosine that maps to 0.</summary>
    public const float Floor = 0.8f;

    public string Name => QualityRegistry.Stability;

    public float[] Assess(IReadOnlyList<QualityInput> faces)
    {
        if (faces.Count == 0) return [];
        // The pipeline's vector of the plain face, when it comes with every face, is not computed again.
        bool known = faces.All(f => f.Vectors?.ContainsKey(recogniser.Name) == true);
        int own = known ? 0 : 1, views = own + Perturbations.Count;
        var crops = new List<FaceCrop>(faces.Count * views);
        foreach (var face in faces)
        {
            if (!known) crops.Add(face.Crop);
            foreach (var p in Perturbations)
                crops.Add(face.Crop with { Landmarks = Perturb(face.Crop.Landmarks, p) });
        }
        var vectors = recogniser.Embed(crops);
        var scores = new float[faces.Count];
        for (int i = 0; i < faces.Count; i++)
        {
            var plain = known ? faces[i].Vectors![recogniser.Name] : vectors[i * views];
            float sum = 0;
            for (int v = own; v < views; v++)
                sum += TensorPrimitives.CosineSimilarity(plain, vectors[i * views + v]);
            float mean = sum / Perturbations.Count;
            scores[i] = Math.Clamp((mean - Floor) / (1 - Floor), 0, 1);
        }
        return scores;
    }

    /// <summary>The landmarks rotated and scaled about their eye midpoint and shifted, by amounts
    /// relative to the interocular distance.</summary>
    public static FaceLandmarks Perturb(FaceLandmarks landmarks, (float Degrees, float Scale, float Dx, float Dy) p)
    {
        float cx = (landmarks.LeftEye.X + landmarks.RightEye.X) / 2, cy = (landmarks.LeftEye.Y + landmarks.RightEye.Y) / 2;
        float iod = landmarks.InterocularDistance;
        float a = p.Scale * MathF.Cos(p.Degrees * MathF.PI / 180), b = p.Scale * MathF.Sin(p.Degrees * MathF.PI / 180);
        return landmarks.Map(q =>
        {
            float x = q.X - cx, y = q.Y - cy;
            return new PointF(cx + a * x - b * y + p.Dx * iod, cy + b * x + a * y + p.Dy * iod);
        });
    }

    public void Dispose()
    {
        if (ownsRecogniser) recogniser.Dispose();
    }
}
