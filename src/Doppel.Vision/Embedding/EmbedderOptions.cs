using Doppel.Vision.Inference;

namespace Doppel.Vision.Embedding;

/// <summary>Which graph of a recogniser runs.</summary>
public enum ModelPrecision
{
    /// <summary>The float graph, always installed.</summary>
    Float32,
    /// <summary>The 8-bit graph where the model installs one (dlib-resnet29: 2.2x faster on a VNNI
    /// CPU, LFW accuracy unchanged, vectors within cosine 0.999 of the float ones); the float graph
    /// for models that have none.</summary>
    Int8,
}

public sealed record EmbedderOptions
{
    /// <summary>Float or 8-bit graph. Vectors of the two are not mixed: the file's checksum is part of
    /// the stored vector version, so switching re-embeds a catalog's faces.</summary>
    public ModelPrecision Precision { get; init; } = ModelPrecision.Int8;

    /// <summary>Also embed the mirrored crop and average the two (test-time augmentation). Null: the recogniser's
    /// profile decides (<see cref="RecognitionProfile.FlipTta"/>; dlib flips, as its profile was fitted), which
    /// <see cref="ResolvedFor"/> settles before any embedder or vector version is made.</summary>
    public bool? FlipTta { get; init; }

    /// <summary>These options with <see cref="FlipTta"/> settled for <paramref name="embedder"/> (a catalogue model or an
    /// ensemble): an explicit choice stands, else the measured profile's, else no flip.</summary>
    public EmbedderOptions ResolvedFor(string embedder) =>
        FlipTta is null ? this with { FlipTta = RecognitionProfiles.FlipsByDefault(embedder) } : this;

    /// <summary>These options for <paramref name="member"/> of <paramref name="ensemble"/>: an explicit choice stands for every
    /// member; else a member flips when the ensemble's profile flips and the member's own profile does (the fusion was
    /// fitted on those vectors: the licence-clean fusion flips dlib, not faceres, whose mirror would double its cost).</summary>
    public EmbedderOptions ForMember(string ensemble, string member) =>
        FlipTta is null ? this with { FlipTta = RecognitionProfiles.FlipsByDefault(ensemble) && RecognitionProfiles.FlipsByDefault(member) } : this;

    /// <summary>When above 1, embed this many randomly perturbed alignments (±3° rotation, 97–100 %
    /// scale, ±2 % shift, mirrored half the time) and average them, like dlib's num_jitters.
    /// Seeded, so the same face always gives the same vector.</summary>
    public int Jitters { get; init; }

    /// <summary>Crops per ONNX Runtime run.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>One thread per run: the pipeline runs one worker per core, so parallelism comes from
    /// images side by side; intra-op threads on top of that cost ~13 % more CPU per face (dlib ResNet-29
    /// measured on 2 cores, docs/benchmarks.md).</summary>
    public OnnxSessionOptions Session { get; init; } = new() { IntraOpThreads = 1 };
}

/// <summary>Vectors of one <see cref="OnnxFaceEmbedder.EmbedWithNorms"/> call: L2-normalised (after
/// centring), and the norm of each raw network output before any of that, a quality signal for some
/// networks.</summary>
public sealed record EmbeddingBatch(float[][] Vectors, float[] RawNorms)
{
    /// <summary>When the recogniser averages each face with its mirror image (and nothing else), the cosine of the
    /// two views' raw outputs per face: what <c>FlipStabilityQuality</c> measures, here for free; null otherwise.</summary>
    public float[]? MirrorCosines { get; init; }
}
