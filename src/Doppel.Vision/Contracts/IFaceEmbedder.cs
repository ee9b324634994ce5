using OpenCvSharp;

namespace Doppel.Vision;

/// <summary>A face to embed: the whole decoded image and the landmarks the detector found in it.
/// The embedder aligns to its own template (ArcFace 112x112, dlib 150x150 chip), so an ensemble can
/// feed each member the crop it was trained on.</summary>
public readonly record struct FaceCrop(Mat Bgr, FaceLandmarks Landmarks);

/// <summary>
/// Turns faces into L2-normalised vectors. Batched: implementations run one inference for many
/// faces. <see cref="RawNorms"/> of the last call are kept where the model's pre-normalisation norm
/// is a quality signal (MobileFaceNet).
/// </summary>
public interface IFaceEmbedder : IDisposable
{
    /// <summary>Catalogue name, e.g. "dlib-resnet29".</summary>
    string Name { get; }

    int Dimension { get; }

    /// <summary>Default cosine-similarity threshold for "same person", calibrated on LFW dev train.</summary>
    float DefaultThreshold { get; }

    /// <summary>One L2-normalised vector per face, in order.</summary>
    float[][] Embed(IReadOnlyList<FaceCrop> faces);
}
