using Doppel.Vision.Detection;
using Doppel.Vision.Detection.Landmarks;

namespace Doppel.Vision.Bench;

/// <summary>Where face-api's 68 points and BlazeFace's own keypoints disagree: per image, the mean
/// eye-centre and nose distance over BlazeFace's interocular distance; distribution and worst files.</summary>
internal static class LandmarkDisagreement
{
    public static int Run(string directory, int limit)
    {
        using var blaze = new BlazeFaceDetector();
        using var faceApi = FaceApiLandmark68.FromModelStore();
        var rows = new List<(double Error, string Path)>();
        var decoder = new Decoding.ImageDecoder();
        var paths = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(p => !p.EndsWith(".txt") && !p.EndsWith(".csv") && !p.EndsWith("SHA256SUMS")).Order(StringComparer.Ordinal);
        foreach (var path in limit > 0 ? paths.Take(limit) : paths)
        {
            using var decoded = decoder.Decode(path);
            if (!decoded.IsOk)
                continue;
            var image = decoded.Image!;
            var face = blaze.Detect(image).FirstOrDefault();
            if (face?.Landmarks is not { } b)
                continue;
            var a = faceApi.Locate(image, face.Box);
            static double D(PointF p, PointF q) => Math.Sqrt((p.X - q.X) * (p.X - q.X) + (p.Y - q.Y) * (p.Y - q.Y));
            rows.Add(((D(a.LeftEye, b.LeftEye) + D(a.RightEye, b.RightEye) + D(a.Nose, b.Nose)) / 3 / b.InterocularDistance, path));
        }
        var sorted = rows.OrderBy(r => r.Error).ToList();
        double At(double q) => sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))].Error;
        Console.WriteLine($"{directory}: faces={rows.Count} median={At(0.5):0.000} p90={At(0.9):0.000} p99={At(0.99):0.000} max={At(1):0.000} " +
                          $">0.2: {rows.Count(r => r.Error > 0.2)} >0.3: {rows.Count(r => r.Error > 0.3)}");
        foreach (var (error, path) in sorted.TakeLast(8))
            Console.WriteLine($"  {error:0.000} {path}");
        return 0;
    }
}
