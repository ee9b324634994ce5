using OpenCvSharp;

namespace Doppel.Vision.Detection.Landmarks;

/// <summary>
/// Finds the five alignment landmarks of a face inside a box some detector gave. Lets a
/// box-only detector (res10 SSD, UltraFace) feed an aligner, and lets the pipeline add
/// landmarks to any face that has none.
/// </summary>
public interface ILandmarkRefiner : IDisposable
{
    /// <summary>Catalogue name of the landmark model, e.g. "faceplugin-landmark68".</summary>
    string Name { get; }

    /// <summary>Landmarks in <paramref name="bgr"/>'s pixels for the face in <paramref name="box"/>.</summary>
    FaceLandmarks Locate(Mat bgr, BoxF box);
}
