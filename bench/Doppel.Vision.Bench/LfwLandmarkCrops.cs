using System.Globalization;
using Doppel.Vision.Detection;
using Doppel.Vision.Detection.Landmarks;
using Doppel.Vision.Embedding;
using Doppel.Models;
using OpenCvSharp;

namespace Doppel.Vision.Bench;

/// <summary>
/// How to frame BlazeFace's box for face-api's landmark net: for each "SCALE:SHIFT" setting, the
/// raw dlib vectors of every dev-pairs image aligned on those landmarks (51-point fit), written as
/// variant <c>dlib_fa_SCALE_SHIFT</c> beside an lfw-dump (same images.txt order) for
/// bench/peers/lfw_variants.py.
/// </summary>
internal static class LfwLandmarkCrops
{
    public static int Run(string lfwRoot, string outDir, string[] settings)
    {
        var images = File.ReadAllLines(Path.Combine(outDir, "images.txt")).Where(l => l.Length > 0).ToList();
        using var blaze = DetectorRegistry.Create(ModelNames.BlazeFaceBack);
        using var dlib = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, new EmbedderOptions { BatchSize = 1 });
        var refiners = settings.Select(s =>
        {
            var p = s.Split(':');
            var options = new FaceApiLandmarkOptions
            {
                CropScale = float.Parse(p[0], CultureInfo.InvariantCulture),
                CentreShiftY = p.Length > 1 ? float.Parse(p[1], CultureInfo.InvariantCulture) : 0f,
            };
            return (Name: $"dlib_fa_{p[0]}_{(p.Length > 1 ? p[1] : "0")}", Refiner: FaceApiLandmark68.FromModelStore(options));
        }).ToList();
        var files = refiners.ToDictionary(r => r.Name, r => File.Create(Path.Combine(outDir, r.Name + ".f32")));
        try
        {
            int done = 0;
            foreach (var name in images)
            {
                using var bgr = BenchImages.Read(Path.Combine(lfwRoot, "images", name));
                var face = LfwDump.Central(blaze.Detect(bgr), bgr);
                foreach (var (variant, refiner) in refiners)
                {
                    var row = new float[128];
                    if (face is not null)
                    {
                        var r = dlib.EmbedWithNorms([new FaceCrop(bgr, refiner.Locate(bgr, face.Box))]);
                        row = r.Vectors[0].Select(x => x * r.RawNorms[0]).ToArray();
                    }
                    files[variant].Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
                }
                if (++done % 1000 == 0) Console.Error.WriteLine($"{done}/{images.Count}");
            }
        }
        finally
        {
            foreach (var f in files.Values) f.Dispose();
            foreach (var r in refiners) r.Refiner.Dispose();
        }
        Console.WriteLine($"{images.Count} images, variants {string.Join(" ", files.Keys)} → {outDir}");
        return 0;
    }
}
