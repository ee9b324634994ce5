using OpenCvSharp;

namespace Doppel.Vision;

/// <summary>
/// Finds faces in a decoded image. Implementations: BlazeFace (default), UltraFace, the OpenCV
/// res10 SSD of the HDE seed, YuNet. Input is always an 8-bit BGR <see cref="Mat"/> as produced by
/// the decoder; output boxes and landmarks are in that image's pixels, sorted by score descending,
/// after the detector's own score threshold and NMS.
/// </summary>
public interface IFaceDetector : IDisposable
{
    /// <summary>Catalogue name of the model, e.g. "blazeface-back".</summary>
    string Name { get; }

    IReadOnlyList<DetectedFace> Detect(Mat bgr);
}
