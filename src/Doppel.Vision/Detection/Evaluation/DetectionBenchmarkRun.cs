using OpenCvSharp;

namespace Doppel.Vision.Detection.Evaluation;

/// <summary>
/// Runs a detector over every image of an annotated set and scores it. Image paths in the
/// annotations are taken relative to <c>imagesDirectory</c>; when that folder is itself the
/// annotations' "images/" folder, the leading segment is dropped, so both the set's root and its
/// images folder work.
/// </summary>
public static class DetectionBenchmarkRun
{
    public static DetectionApEvaluator Evaluate(IFaceDetector detector, IReadOnlyList<AnnotatedImage> images, string imagesDirectory,
        IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(detector);
        if (!Directory.Exists(imagesDirectory))
            throw new DirectoryNotFoundException($"Image folder not found: {imagesDirectory}");
        var evaluator = new DetectionApEvaluator();
        foreach (var image in images)
        {
            var path = ResolveImage(imagesDirectory, image.RelativePath);
            using var bgr = Cv2.ImRead(path, ImreadModes.Color);
            if (bgr.Empty())
                throw new InvalidDataException($"Could not decode {path}.");
            evaluator.Add(image, detector.Detect(bgr));
            progress?.Report(evaluator.ImageCount);
        }
        return evaluator;
    }

    public static string ResolveImage(string imagesDirectory, string relativePath)
    {
        var direct = Path.Combine(imagesDirectory, relativePath);
        if (File.Exists(direct))
            return direct;
        int slash = relativePath.IndexOfAny(['/', '\\']);
        if (slash > 0)
        {
            var stripped = Path.Combine(imagesDirectory, relativePath[(slash + 1)..]);
            if (File.Exists(stripped))
                return stripped;
        }
        throw new FileNotFoundException($"Annotated image '{relativePath}' not found under {imagesDirectory}.", direct);
    }
}
