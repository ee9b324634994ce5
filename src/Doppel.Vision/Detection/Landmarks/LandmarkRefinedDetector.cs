using OpenCvSharp;

namespace Doppel.Vision.Detection.Landmarks;

/// <summary>
/// A box-only detector plus a landmark model, as one <see cref="IFaceDetector"/>: every face
/// gets the refiner's landmarks (replacing any the detector had). Owns and disposes both.
/// </summary>
public sealed class LandmarkRefinedDetector(IFaceDetector detector, ILandmarkRefiner refiner) : IFaceDetector
{
    public string Name => $"{detector.Name}+{refiner.Name}";

    /// <summary>The box detector inside (to ask a <see cref="CascadeDetector"/> which route it took).</summary>
    public IFaceDetector Detector => detector;

    public IReadOnlyList<DetectedFace> Detect(Mat bgr) =>
        detector.Detect(bgr).Select(face => face with { Landmarks = refiner.Locate(bgr, face.Box) }).ToList();

    public void Dispose()
    {
        detector.Dispose();
        refiner.Dispose();
    }
}
