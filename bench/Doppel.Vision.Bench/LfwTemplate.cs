using Doppel.Models;
using Doppel.Vision.Alignment;
using Doppel.Vision.Detection;
using Doppel.Vision.Detection.Landmarks;
using Doppel.Vision.Embedding;
using OpenCvSharp;

namespace Doppel.Vision.Bench;

/// <summary>
/// Learns where BlazeFace's four keypoints land, on average, in a recogniser's reference crop (dlib's
/// 51-point chip; ArcFace's five points), measured through the 68-point landmark model on LFW
/// pairsDevTrain images. Prints the positions as the constants of <c>AlignmentTemplate.DlibChip150</c>.
/// </summary>
internal static class LfwTemplate
{
    public static int Run(string lfwRoot, string outDir)
    {
        var images = File.ReadAllLines(Path.Combine(outDir, "images.txt")).Where(l => l.Length > 0).ToList(); // from lfw-dump
        var train = new HashSet<string>(File.ReadLines(Path.Combine(lfwRoot, "pairsDevTrain.txt")).Skip(1).SelectMany(l =>
        {
            var p = l.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return p.Length == 3 ? new[] { Img(p[0], p[1]), Img(p[0], p[2]) } : p.Length == 4 ? new[] { Img(p[0], p[1]), Img(p[2], p[3]) } : [];
        }));
        using var blaze = DetectorRegistry.Create(ModelNames.BlazeFaceBack);
        using var lm68 = FacepluginLandmark68.FromModelStore();
        var dlib51 = AlignmentTemplate.DlibChip(150, 0.25f).Shape51!.ToArray();
        var arc = AlignmentTemplate.ArcFace112;
        var sumD = new double[8]; var sumA = new double[8]; int n = 0;
        foreach (var name in images.Where(train.Contains))
        {
            using var bgr = BenchImages.Read(Path.Combine(lfwRoot, "images", name));
            var b = LfwDump.Central(blaze.Detect(bgr), bgr)!;
            var pts = lm68.Locate68(bgr, b.Box);
            var tD = SimilarityTransform.Estimate(pts.AsSpan(17), dlib51);
            var five = Ibug68.ToFivePoints(pts);
            var tA = SimilarityTransform.Estimate(
                [five.LeftEye, five.RightEye, five.Nose, five.MouthLeft!.Value, five.MouthRight!.Value],
                [arc.LeftEye, arc.RightEye, arc.Nose, arc.MouthLeft!.Value, arc.MouthRight!.Value]);
            Accumulate(sumD, tD, b.Landmarks!); Accumulate(sumA, tA, b.Landmarks!); n++;
        }
        Console.WriteLine($"faces: {n} (pairsDevTrain images)");
        Console.WriteLine($"dlib chip 150 (AlignmentTemplate.DlibChip150): {Describe(sumD, n)}");
        Console.WriteLine($"ArcFace 112 (for comparison with AlignmentTemplate.ArcFace112): {Describe(sumA, n)}");
        return 0;
    }

    private static string Describe(double[] s, int n)
    {
        string P(string name, int i) => $"{name} = new({s[2 * i] / n:0.0000}f, {s[2 * i + 1] / n:0.0000}f)";
        return string.Join(", ", P("LeftEye", 0), P("RightEye", 1), P("Nose", 2), P("MouthCenter", 3));
    }

    private static string Img(string person, string index) => $"{person}/{person}_{int.Parse(index):0000}.jpg";

    private static void Accumulate(double[] sum, SimilarityTransform t, FaceLandmarks l)
    {
        PointF[] p = [t.Apply(l.LeftEye), t.Apply(l.RightEye), t.Apply(l.Nose), t.Apply(l.MouthCenter)];
        for (int i = 0; i < 4; i++) { sum[2 * i] += p[i].X; sum[2 * i + 1] += p[i].Y; }
    }
}
