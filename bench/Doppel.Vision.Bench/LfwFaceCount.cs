using Doppel.Vision.Detection;

namespace Doppel.Vision.Bench;

/// <summary>Is a face found in every LFW image? Per detector at its default settings: images with
/// no face, exactly one, several, and whether the best face covers the image centre (LFW is centred).</summary>
internal static class LfwFaceCount
{
    public static int Run(string directory, string[] detectors)
    {
        if (detectors.Length == 0)
            detectors = ["yunet", "ultraface-rfb320", "res10-ssd"];
        var paths = BenchImages.List(directory, 0);
        foreach (var name in detectors)
        {
            using var detector = DetectorRegistry.Create(name);
            // A cascade also says which route found each image's faces (landmarks change no count).
            var cascade = detector as CascadeDetector ?? (detector as Detection.Landmarks.LandmarkRefinedDetector)?.Detector as CascadeDetector;
            var routes = new SortedDictionary<CascadeRoute, int>();
            int none = 0, one = 0, several = 0, centred = 0;
            var missed = new List<string>();
            foreach (var path in paths)
            {
                using var image = BenchImages.Read(path);
                IReadOnlyList<DetectedFace> faces;
                if (cascade is not null)
                {
                    var routed = cascade.DetectRouted(image);
                    routes[routed.Route] = routes.GetValueOrDefault(routed.Route) + 1;
                    if (routed.Route is not (CascadeRoute.Close or CascadeRoute.Portrait))
                        Console.WriteLine($"  {routed.Route} {Path.GetFileName(path)}: BlazeFace best " +
                                          (routed.PortraitBest is { } b ? $"score {b.Score:0.000}, width {b.Box.Width / Math.Max(image.Width, image.Height):0.000} of the long side" : "none"));
                    faces = routed.Faces;
                }
                else
                    faces = detector.Detect(image);
                if (faces.Count == 0) { none++; missed.Add(Path.GetFileName(path)); }
                else if (faces.Count == 1) one++;
                else several++;
                var best = faces.FirstOrDefault();
                if (best is not null && best.Box.X < image.Width / 2f && best.Box.Right > image.Width / 2f &&
                    best.Box.Y < image.Height / 2f && best.Box.Bottom > image.Height / 2f)
                    centred++;
            }
            Console.WriteLine($"{name}: images={paths.Count} no_face={none} one={one} several={several} best_covers_centre={centred}" +
                              (routes.Count > 0 ? " routes: " + string.Join(' ', routes.Select(r => $"{r.Key}={r.Value}")) : "") +
                              (missed.Count > 0 ? $" missed: {string.Join(' ', missed.Take(10))}" : ""));
        }
        return 0;
    }
}
