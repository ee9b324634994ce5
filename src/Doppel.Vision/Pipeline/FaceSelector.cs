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
            SeveralFacesPolicy.KeepPrimary => (ImageStatus.Ok, null, [Primary(confident, imageWidth, imageHeight)!]),
            SeveralFacesPolicy.KeepLargest => (ImageStatus.Ok, null, [confident.MaxBy(f => f.Box.Area)!]),
            SeveralFacesPolicy.KeepCentral => (ImageStatus.Ok, null, [MostCentral(confident, imageWidth, imageHeight)!]),
            SeveralFacesPolicy.KeepAll => (ImageStatus.SeveralFaces, $"{confident.Count} faces", confident.OrderByDescending(f => f.Box.Area).ToList()),
            _ => (ImageStatus.SeveralFaces, $"{confident.Count} faces", []),
        };
    }

    /// <summary>The primary face, the one a photo of a person is a photo of: the largest after weighting each face's area
    /// by its closeness to the image centre (<see cref="PrimaryScore"/>); null when there is none.</summary>
    public static DetectedFace? Primary(IEnumerable<DetectedFace> faces, int imageWidth, int imageHeight) =>
        faces.MaxBy(f => PrimaryScore(f.Box, imageWidth, imageHeight));

    /// <summary>
    /// A face's claim to be the photo's subject: its box area times <c>1 − d²</c>, where <c>d</c> is the distance of its
    /// box centre from the image centre over half the image's diagonal (0 at the centre, 1 at a corner). Nothing here is
    /// fitted; the shape follows from how a subject is framed:
    /// <list type="bullet">
    /// <item>the weight is 1 and flat at the centre (no first-order term), so faces framed near the centre are ranked by
    /// size alone, as <c>largest</c> ranks them, and a few pixels of framing never decide;</item>
    /// <item>d is relative to the diagonal, so the same photo at any resolution or aspect picks the same face;</item>
    /// <item>a face off the centre beats a centred one only when its area is 1 / (1 − d²) times larger: 1.33× half-way
    /// out (d = 0.5), 2× (1.41× the width) at the middle of a square photo's edge (d = 0.71): a clearly larger face
    /// still wins, a bystander about the subject's size does not;</item>
    /// <item>the penalty is a share of the face's own area, not pixels: InsightFace's detectors and FaceNet's MTCNN
    /// alignment rank by <c>area − 2·offset²</c>, which in a large photo lets a tiny face at the centre beat a big one a
    /// third of the way out (a 50 px face at the centre of a 4000×3000 photo outscores an 800 px face 1,000 px from
    /// it).</item>
    /// </list>
    /// </summary>
    public static double PrimaryScore(BoxF box, int imageWidth, int imageHeight)
    {
        double dx = box.X + box.Width / 2.0 - imageWidth / 2.0, dy = box.Y + box.Height / 2.0 - imageHeight / 2.0;
        double halfDiagonal2 = (imageWidth * (double)imageWidth + imageHeight * (double)imageHeight) / 4;
        double d2 = halfDiagonal2 > 0 ? Math.Min(1, (dx * dx + dy * dy) / halfDiagonal2) : 0;
        return box.Width * (double)box.Height * (1 - d2);
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
