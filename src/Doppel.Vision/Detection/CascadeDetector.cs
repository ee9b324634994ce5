using OpenCvSharp;

namespace Doppel.Vision.Detection;

/// <summary>Settings of <see cref="CascadeDetector"/>. The numbers are where the measurements of
/// docs/benchmarks-detection.md ("The default cascade") put them.</summary>
public sealed record CascadeOptions
{
    /// <summary>The close-up path (BlazeFace front-128, a quarter of back-256's work) answers when its
    /// best face scores at least <see cref="PortraitMinScore"/> and its box is at least this share of the
    /// image's long side: the face then spans 32+ of the model's 128 input pixels, the close range it was
    /// trained for. On LFW dev its boxes are 0.16–0.64 of the side (1 % below 0.32) and all 4,992 images
    /// score ≥ 0.6 (bench <c>front-vs-back</c>, docs/benchmarks-detection.md); smaller faces go on to back-256.</summary>
    public float CloseMinFaceShare { get; init; } = 0.25f;

    /// <summary>The portrait path's answer is taken when BlazeFace's best face scores at least this:
    /// the pipeline's <c>FacePipelineOptions.MinConfidence</c>, a face it would use. (At 0.75, 59 of the
    /// 4,992 LFW dev images went to YuNet, 58 of them with BlazeFace's best at 0.60–0.75.)</summary>
    public float PortraitMinScore { get; init; } = 0.6f;

    /// <summary>... and its box is at least this share of the image's long side: a portrait or a crop.
    /// A smaller face means a photo with room for faces BlazeFace's 256 px input cannot see. BlazeFace's
    /// LFW boxes are 0.19–0.46 of the 250 px side; at 0.2, 4,989 of the 4,992 LFW dev images take
    /// this path (docs/benchmarks-detection.md).</summary>
    public float PortraitMinFaceShare { get; init; } = 0.2f;

    /// <summary>... and the image is no longer than this many times its width (or the reverse):
    /// BlazeFace letterboxes to a square, so a strip leaves its faces a few pixels high.</summary>
    public float PortraitMaxAspect { get; init; } = 2.5f;

    /// <summary>When no face scores this much, the image is tried once more, light-normalised and
    /// padded. The pipeline's <c>FacePipelineOptions.MinConfidence</c>: below it a face is not used.</summary>
    public float RetryBelowScore { get; init; } = 0.6f;

    /// <summary>The retry runs on images up to this long side (crops, portraits, photos YuNet saw at full
    /// size) and on darker ones (<see cref="RetryDarkerThan"/>) of any size: a big, normally lit photo
    /// without a face is not searched a second time, tiles and all.</summary>
    public int RetryMaxSide { get; init; } = 1280;

    /// <summary>Mean luminance (0–255) below which a big image counts as dark for the retry.</summary>
    public double RetryDarkerThan { get; init; } = 100;

    /// <summary>Border added on each side for the retry, as a share of the image's side: a face
    /// filling the frame is outside both models' training (faces with context).</summary>
    public float RetryPadding { get; init; } = 0.25f;

    /// <summary>The best face covering at least this share of the image makes it a tight crop:
    /// other detections overlapping it are parts of the same face (<see cref="CascadeDetector.OnePerTightCrop"/>).</summary>
    public float TightCropArea { get; init; } = 0.25f;
}

/// <summary>Which way the cascade found an image's faces.</summary>
public enum CascadeRoute
{
    /// <summary>BlazeFace front-128 on the whole image found a confident face filling much of it
    /// (ID and registration photos, LFW).</summary>
    Close,
    /// <summary>BlazeFace back-256 on the whole image found a confident, large face (portraits).</summary>
    Portrait,
    /// <summary>YuNet at the image's size, tiled when big or extreme-aspect.</summary>
    Full,
    /// <summary>Nothing confident on either: YuNet on the light-normalised, padded image.</summary>
    Retry,
}

/// <summary>Faces of one image and the route that found them; <paramref name="PortraitBest"/> is
/// BlazeFace's best face when the portrait path ran (taken or not), to see why it was not taken.</summary>
public sealed record CascadeDetection(IReadOnlyList<DetectedFace> Faces, CascadeRoute Route, DetectedFace? PortraitBest = null);

/// <summary>
/// The default detector: BlazeFace front-128 first, for faces that fill much of the frame (ID photos,
/// registration photos, LFW); then BlazeFace back-256 for portraits with smaller faces; when
/// neither finds a confident face that fills a good part of the image (group photos, photos in
/// the wild, strips, dark or tight crops), YuNet at the image's own size with tiles
/// (<see cref="SizedYuNetDetector"/>); when that finds nothing confident either, YuNet once more on
/// the image light-normalised (<see cref="LightNormalizer"/>) and padded. A tight crop keeps one
/// face (<see cref="OnePerTightCrop"/>). Landmarks come from the path's model; the registry's
/// "+faceapi-landmark68" replaces them with face-api's 68 points on whichever box was chosen.
/// Thread-safe: both models are.
/// </summary>
public sealed class CascadeDetector : IFaceDetector
{
    /// <summary>Registry name: BlazeFace for portraits, YuNet otherwise.</summary>
    public const string RegistryName = "blazeface-yunet";

    private readonly BlazeFaceDetector? _close;
    private readonly BlazeFaceDetector _portrait;
    private readonly SizedYuNetDetector _full;

    public CascadeOptions Options { get; }

    /// <summary>Owns and disposes the detectors. The BlazeFace detectors should not tile
    /// (<see cref="BlazeFaceOptions.TileAboveSide"/>): big photos with small faces go to YuNet; the close
    /// one need not retry padded either (back-256 does). <paramref name="close"/> null skips that path.</summary>
    public CascadeDetector(BlazeFaceDetector? close, BlazeFaceDetector portrait, SizedYuNetDetector full, CascadeOptions? options = null)
    {
        _close = close;
        _portrait = portrait;
        _full = full;
        Options = options ?? new CascadeOptions();
    }

    /// <summary>The installed BlazeFace front-128 and back-256 (their own settings, no tiles) and YuNet;
    /// <paramref name="scoreThreshold"/>, when given, replaces every model's threshold.</summary>
    public static CascadeDetector FromModelStore(float? scoreThreshold = null, CascadeOptions? options = null)
    {
        var blazeOptions = new BlazeFaceOptions { TileAboveSide = int.MaxValue };
        var yunetOptions = new SizedYuNetOptions();
        if (scoreThreshold is { } t)
            (blazeOptions, yunetOptions) = (blazeOptions with { ScoreThreshold = t }, yunetOptions with { ScoreThreshold = t });
        BlazeFaceDetector? close = null, portrait = null;
        try
        {
            close = new BlazeFaceDetector(blazeOptions with { Model = BlazeFaceModel.Front128, RetryPadded = false });
            portrait = new BlazeFaceDetector(blazeOptions);
            return new CascadeDetector(close, portrait, SizedYuNetDetector.FromModelStore(yunetOptions), options);
        }
        catch
        {
            close?.Dispose();
            portrait?.Dispose();
            throw;
        }
    }

    public string Name => RegistryName;

    public IReadOnlyList<DetectedFace> Detect(Mat bgr) => DetectRouted(bgr).Faces;

    /// <summary>Faces, best first, and the route that found them.</summary>
    public CascadeDetection DetectRouted(Mat bgr)
    {
        DetectorInput.RequireBgr(bgr, Name);
        int width = bgr.Width, height = bgr.Height;
        DetectedFace? portraitBest = null;
        if (LooksLikePortrait(width, height))
        {
            if (_close is not null && _close.Detect(bgr) is var close && Answers(close, Options.CloseMinFaceShare))
                return Result(close, CascadeRoute.Close);
            var faces = _portrait.Detect(bgr);
            portraitBest = faces.Count > 0 ? faces[0] : null;
            if (Answers(faces, Options.PortraitMinFaceShare))
                return Result(faces, CascadeRoute.Portrait);
        }

        var found = _full.Detect(bgr);
        if (found.Count > 0 && found[0].Score >= Options.RetryBelowScore)
            return Result(found, CascadeRoute.Full);

        if (Math.Max(width, height) > Options.RetryMaxSide && LightNormalizer.MeanLuminance(bgr) >= Options.RetryDarkerThan)
            return Result(found, CascadeRoute.Full);
        var retried = DetectNormalisedPadded(bgr);
        if (retried.Count > 0 && (found.Count == 0 || retried[0].Score > found[0].Score))
            return Result(retried, CascadeRoute.Retry);
        return Result(found, CascadeRoute.Full);

        CascadeDetection Result(IReadOnlyList<DetectedFace> faces, CascadeRoute route) =>
            new(OnePerTightCrop(faces, width, height, Options.TightCropArea), route, portraitBest);

        // A BlazeFace path answers when its best face is one the pipeline uses and spans minShare of the long side.
        bool Answers(IReadOnlyList<DetectedFace> faces, float minShare) =>
            faces.Count > 0 && faces[0].Score >= Options.PortraitMinScore && faces[0].Box.Width >= minShare * Math.Max(width, height);
    }

    private bool LooksLikePortrait(int width, int height) =>
        Math.Max(width, height) <= Options.PortraitMaxAspect * Math.Min(width, height);

    private List<DetectedFace> DetectNormalisedPadded(Mat bgr)
    {
        int padX = (int)(bgr.Width * Options.RetryPadding), padY = (int)(bgr.Height * Options.RetryPadding);
        using var normalised = LightNormalizer.Normalize(bgr);
        using var padded = new Mat();
        Cv2.CopyMakeBorder(normalised, padded, padY, padY, padX, padX, BorderTypes.Constant, Scalar.All(0));
        return _full.Detect(padded)
            .Select(f => ImageTiling.Unpad(f, padX, padY, bgr.Width, bgr.Height))
            .Where(f => f.Box.Area > 0)
            .OrderByDescending(f => f.Score)
            .ToList();
    }

    /// <summary>
    /// One face per tight crop: when the best-scoring face covers at least <paramref name="tightArea"/>
    /// of the image, a detection overlapping it (even a little: a tenth of its own box) is part of the
    /// same face (an eye, a half-face, the face at another scale), and one much smaller than it (under
    /// half its area) is no second person in a crop this tight; both are dropped. Faces of similar size
    /// beside it (two people cheek to cheek) stay. Other images are left as they are.
    /// </summary>
    public static IReadOnlyList<DetectedFace> OnePerTightCrop(IReadOnlyList<DetectedFace> faces, int width, int height, float tightArea)
    {
        if (faces.Count < 2)
            return faces;
        var best = faces.MaxBy(f => f.Score)!;
        if (best.Box.Area < tightArea * width * height)
            return faces;
        return faces
            .Where(f => ReferenceEquals(f, best) ||
                        (ImageTiling.IntersectionArea(f.Box, best.Box) < 0.1f * f.Box.Area && f.Box.Area >= 0.5f * best.Box.Area))
            .OrderByDescending(f => f.Score)
            .ToList();
    }

    public void Dispose()
    {
        _close?.Dispose();
        _portrait.Dispose();
        _full.Dispose();
    }
}
