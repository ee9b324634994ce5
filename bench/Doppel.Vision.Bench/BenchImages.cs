using OpenCvSharp;

namespace Doppel.Vision.Bench;

/// <summary>Image lists in a fixed order (sorted paths), decoded up front so decoding is never timed.</summary>
internal static class BenchImages
{
    public static List<string> List(string directory, int limit)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Image folder not found: {directory}");
        var paths = Directory.EnumerateFiles(directory, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal);
        return (limit > 0 ? paths.Take(limit) : paths).ToList();
    }

    public static Mat Read(string path)
    {
        var image = Cv2.ImRead(path, ImreadModes.Color);
        return image.Empty() ? throw new InvalidDataException($"Could not decode {path}") : image;
    }
}
