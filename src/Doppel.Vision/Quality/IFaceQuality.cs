namespace Doppel.Vision.Quality;

/// <summary>One face to assess: the crop the pipeline keeps (region around the face, landmarks in its
/// coordinates) and what the detector said about it (score; box in image pixels). The pipeline assesses
/// after embedding and passes what the recognisers already computed, so an assessor that needs a vector
/// or a raw norm reads it here instead of running a network again.</summary>
public readonly record struct QualityInput(FaceCrop Crop, DetectedFace Detection)
{
    /// <summary>The face's L2-normalised vector under each recogniser the pipeline ran, by recogniser name
    /// (an ensemble under its joined name); null outside a pipeline.</summary>
    public IReadOnlyDictionary<string, float[]>? Vectors { get; init; }

    /// <summary>The cosine of the plain and the mirrored view's outputs under each recogniser the pipeline ran with flip
    /// averaging (and no jitters), by model name; null when none did.</summary>
    public IReadOnlyDictionary<string, float>? MirrorCosines { get; init; }

    /// <summary>The raw output norm of each recogniser (ensemble members included) whose norm carries
    /// quality (<see cref="Embedding.EmbedderSpec.NormIsQuality"/>), by model name; null when none ran.</summary>
    public IReadOnlyDictionary<string, float>? RawNorms { get; init; }
}

/// <summary>
/// Scores how useful a face is for recognition, in [0, 1] (higher is better): a face the recogniser
/// will match reliably scores high; a blurred, tiny, turned or occluded one low. Only the order of
/// scores is meant to carry meaning across faces of one assessor; values of different assessors are
/// not comparable, so a stored quality names its assessor. Batched like <see cref="IFaceEmbedder"/>.
/// </summary>
public interface IFaceQuality : IDisposable
{
    /// <summary>Registry name, e.g. "signals" or "ediffiqa-tiny".</summary>
    string Name { get; }

    /// <summary>One score in [0, 1] per face, in order.</summary>
    float[] Assess(IReadOnlyList<QualityInput> faces);
}
