namespace Doppel.Vision.Pipeline;

/// <summary>Decides an image's status from its detections and picks the faces to embed.</summary>
public static class FaceSelector
{
    public static (ImageStatus Status, string? Detail, IReadOnlyList<DetectedFace> Kept) Select(IReadOnlyList<DetectedFace> faces, FacePipelineOptions options, int imageWidth, int imageHeight)
    {
        if (faces.Count == 0)
            return (ImageStatus.NoFace, "no face detected", []);
        var bigEnough = faces.Where(f => f.Box.Width >= options.MinFaceSize).ToList();
        if (bigEnough.Count == 0)
            return (ImageStatus.FaceTooSmall, $"largest face is {faces.Max(f => f.Box.Width):0} px wide, minimum {options.MinFaceSize:0}", []);
        var confident = bigEnough.Where(f => f.Score >= options.MinConfidence).ToList();
        if (confident.Count == 0)
            return (ImageStatus.LowConfidence, $"best face score {bigEnough.Max(f => f.Score):0.00} is below {options.MinConfidence:0.00}", []);
        if (confident.Count == 1)
            return (ImageStatus.Ok, null, confident);
        return options.SeveralFaces switch
        {
            SeveralFacesPolicy.KeepLargest => (ImageStatus.Ok, null, [confident.MaxBy(f => f.Box.Area)!]),
            SeveralFacesPolicy.KeepCentral => (ImageStatus.Ok, null, [MostCentral(confident, imageWidth, imageHeight)!]),
            SeveralFacesPolicy.KeepAll => (ImageStatus.SeveralFaces, $"{confident.Count} faces", confident.OrderByDescending(f => f.Box.Area).ToList()),
            _ => (ImageStatus.SeveralFaces, $"{confident.Count} faces", []),
        };
    }

    /// <summary>The face whose box centre is nearest the image centre; null when there is none.</summary>
    public static DetectedFace? MostCentral(IEnumerable<DetectedFace> faces, int imageWidth, int imageHeight) =>
        faces.MinBy(f =>
        {
            float dx = f.Box.X + f.Box.Width / 2 - imageWidth / 2f, dy = f.Box.Y + f.Box.Height / 2 - imageHeight / 2f;
            return dx * dx + dy * dy;
        });

    /// <summary>Landmarks for detectors that give only a box, placed where BlazeFace puts them on
    /// average relative to its box on LFW; coarse, but it lets a box-only detector feed the aligners.</summary>
    public static FaceLandmarks LandmarksFromBox(BoxF b) => new(
        LeftEye: new(b.X + 0.30f * b.Width, b.Y + 0.32f * b.Height),
        RightEye: new(b.X + 0.70f * b.Width, b.Y + 0.32f * b.Height),
        Nose: new(b.X + 0.5f * b.Width, b.Y + 0.55f * b.Height),
        MouthCenter: new(b.X + 0.5f * b.Width, b.Y + 0.76f * b.Height));
}
