using Doppel.Vision.Decoding;

namespace Doppel.Vision.Pipeline;

/// <summary>What to do with an image that shows more than one usable face.</summary>
public enum SeveralFacesPolicy
{
    /// <summary>Keep the primary face, the largest once its area is weighted by its closeness to the image centre
    /// (<see cref="FaceSelector.PrimaryScore"/>); the image is <see cref="ImageStatus.Ok"/>. The default: a photo of a
    /// person frames that person, so a bystander of about the same size off to the side is not taken for them, while a
    /// clearly larger face still is.</summary>
    KeepPrimary,
    /// <summary>Keep the largest face wherever it is; the image is <see cref="ImageStatus.Ok"/>. The default until
    /// <see cref="KeepPrimary"/>, which kept an off-centre bystander in 12 more LFW dev images (docs/benchmarks.md).</summary>
    KeepLargest,
    /// <summary>Keep the face whose box centre is nearest the image centre; the image is
    /// <see cref="ImageStatus.Ok"/>. Right for face-centred crops such as LFW, whose labelled person is
    /// the centred one (with BlazeFace the largest face is someone else in 27 of the 4,992 LFW dev
    /// images, which cost 0.7 points of LFW dev test accuracy).</summary>
    KeepCentral,
    /// <summary>Keep and embed every face; status <see cref="ImageStatus.SeveralFaces"/>.</summary>
    KeepAll,
    /// <summary>Keep none; status <see cref="ImageStatus.SeveralFaces"/>, so a person can look.</summary>
    Report,
}

public sealed record FacePipelineOptions
{
    public SeveralFacesPolicy SeveralFaces { get; init; } = SeveralFacesPolicy.KeepPrimary;

    /// <summary>Faces with a box narrower than this (image pixels) are too small to recognise
    /// (<see cref="ImageStatus.FaceTooSmall"/> when no other face qualifies).</summary>
    public float MinFaceSize { get; init; } = 24;

    /// <summary>Faces scoring below this are not trusted (<see cref="ImageStatus.LowConfidence"/>
    /// when no other face qualifies). The detector's own threshold is lower.</summary>
    public float MinConfidence { get; init; } = 0.6f;

    /// <summary>When set, a 112x112 ArcFace-aligned JPEG of each kept face is written here as
    /// <c>{file name without extension}_{face index}.jpg</c>.</summary>
    public string? ThumbnailDirectory { get; init; }

    /// <summary>Decode+detect threads of the batch API.</summary>
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Faces gathered before one embedding run in the batch API.</summary>
    public int EmbedBatchSize { get; init; } = 32;

    /// <summary>The decoder's budgets; by default with the DOPPEL_MAX_* variables applied (README "Limits").</summary>
    public ImageDecoderOptions Decoder { get; init; } = ImageDecoderOptions.FromEnvironment();
}

/// <summary>Progress of a batch: images finished (of <see cref="Total"/> when known), faces kept,
/// images that ended in each non-ok status so far.</summary>
public sealed record PipelineProgress(int Done, int? Total, int Faces, int Failed, TimeSpan Elapsed)
{
    public double ImagesPerSecond => Elapsed.TotalSeconds > 0 ? Done / Elapsed.TotalSeconds : 0;
}
