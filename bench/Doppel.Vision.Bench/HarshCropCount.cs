using Doppel.Vision.Detection;
using Doppel.Vision.Detection.Evaluation;
using Doppel.Vision.Pipeline;
using OpenCvSharp;

namespace Doppel.Vision.Bench;

/// <summary>
/// Share of dark and tight crops (<see cref="HarshCrops"/>) with exactly one usable face, per
/// detector and per kind of crop: the pipeline's own rules (<see cref="FaceSelector"/>: 24 px, score
/// 0.6) with several faces reported, not resolved, so a tight crop seen as two faces counts as a failure.
/// </summary>
internal static class HarshCropCount
{
    public static int Run(string sharedData, int lfwCount, int greyCount, string[] detectors)
    {
        if (detectors.Length == 0)
            detectors = ["blazeface-back+faceapi-landmark68", DetectorRegistry.Default];
        var options = new FacePipelineOptions { SeveralFaces = SeveralFacesPolicy.Report };
        foreach (var name in detectors)
        {
            using var detector = DetectorRegistry.Create(name);
            var byKind = new SortedDictionary<string, Dictionary<ImageStatus, int>>(StringComparer.Ordinal);
            foreach (var crop in HarshCrops.Generate(sharedData, lfwCount, greyCount))
            {
                using (crop)
                {
                    var (status, _, _) = FaceSelector.Select(detector.Detect(crop.Image), options, crop.Image.Width, crop.Image.Height);
                    if (!byKind.TryGetValue(crop.Kind, out var counts))
                        byKind[crop.Kind] = counts = [];
                    counts[status] = counts.GetValueOrDefault(status) + 1;
                }
            }
            int total = byKind.Values.Sum(c => c.Values.Sum()), ok = byKind.Values.Sum(c => c.GetValueOrDefault(ImageStatus.Ok));
            Console.WriteLine($"{name}: {ok} of {total} images with exactly one usable face ({100.0 * ok / total:0.0} %)");
            foreach (var (kind, counts) in byKind)
                Console.WriteLine($"  {kind,-22} {counts.GetValueOrDefault(ImageStatus.Ok),4} / {counts.Values.Sum(),4}  " +
                                  string.Join(' ', counts.Where(c => c.Key != ImageStatus.Ok).OrderBy(c => c.Key).Select(c => $"{c.Key.ToCode()}={c.Value}")));
        }
        return 0;
    }

    /// <summary>Writes the generated images as PNG under <paramref name="outDir"/> (outside the tree) to look at.</summary>
    public static int Write(string sharedData, string outDir, int lfwCount, int greyCount)
    {
        int n = 0;
        foreach (var crop in HarshCrops.Generate(sharedData, lfwCount, greyCount))
            using (crop)
            {
                var dir = Directory.CreateDirectory(Path.Combine(outDir, crop.Kind)).FullName;
                Cv2.ImWrite(Path.Combine(dir, $"{n++:D5}_{Path.GetFileNameWithoutExtension(crop.Source)}.png"), crop.Image);
            }
        Console.WriteLine($"{n} images under {outDir}");
        return 0;
    }
}
