using Doppel.Models;
using Doppel.Vision.Alignment;
using Doppel.Vision.Detection;
using Doppel.Vision.Detection.Landmarks;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;
using OpenCvSharp;

namespace Doppel.Vision.Bench;

/// <summary>
/// Experiment harness for LFW accuracy: for every image named in the dev pairs files, writes the raw
/// (un-centred, un-normalised) outputs of the recognisers under several alignments, so that metrics
/// and fusions can be compared offline (bench/peers/lfw_variants.py) without re-running the networks.
/// </summary>
internal static class LfwDump
{
    public static int Run(string lfwRoot, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in new[] { "pairsDevTrain.txt", "pairsDevTest.txt" })
            foreach (var line in File.ReadLines(Path.Combine(lfwRoot, file)).Skip(1))
            {
                var p = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (p.Length == 3) { names.Add(Img(p[0], p[1])); names.Add(Img(p[0], p[2])); }
                else if (p.Length == 4) { names.Add(Img(p[0], p[1])); names.Add(Img(p[2], p[3])); }
            }
        var images = names.ToList();
        File.WriteAllLines(Path.Combine(outDir, "images.txt"), images);

        using var blaze = DetectorRegistry.Create(ModelNames.BlazeFaceBack);
        using var yunet = DetectorRegistry.Create(ModelNames.YuNet);
        using var lm68 = FacepluginLandmark68.FromModelStore();
        var opts = new EmbedderOptions { BatchSize = 1 };
        using var dlib = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, opts);
        using var dlibFlip = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29, opts with { FlipTta = true });
        using var mfn = new OnnxFaceEmbedder(EmbedderSpec.FromCatalog(ModelNames.MobileFaceNet192), opts);

        var variants = new[] { "dlib_blaze", "dlib_blaze_flip", "dlib_yunet", "dlib_lm68", "dlib_lm68_flip", "mfn_blaze", "mfn_yunet", "mfn_lm68" };
        var rows = variants.ToDictionary(v => v, _ => new List<float[]>());
        var meta = new List<string> { "image,blaze_faces,yunet_faces,blaze_score,centre_dist" };
        int done = 0;
        foreach (var name in images)
        {
            using var bgr = BenchImages.Read(Path.Combine(lfwRoot, "images", name));
            var bf = blaze.Detect(bgr);
            var yf = yunet.Detect(bgr);
            var b = Central(bf, bgr);
            var y = Central(yf, bgr) ?? b;
            if (b is null) b = y;
            meta.Add($"{name},{bf.Count},{yf.Count},{b?.Score ?? 0},0");
            if (b is null)
            {
                foreach (var v in variants) rows[v].Add(new float[v.StartsWith("mfn") ? 192 : 128]);
                continue;
            }
            // 68 points: dlib's embedder fits its 51 inner points (dlib's own chip); ArcFace uses five of them.
            var lm5 = lm68.Locate(bgr, b.Box);
            Add("dlib_blaze", dlib, bgr, b.Landmarks!);
            Add("dlib_blaze_flip", dlibFlip, bgr, b.Landmarks!);
            Add("dlib_yunet", dlib, bgr, y!.Landmarks!);
            Add("dlib_lm68", dlib, bgr, lm5);
            Add("dlib_lm68_flip", dlibFlip, bgr, lm5);
            Add("mfn_blaze", mfn, bgr, b.Landmarks!);
            Add("mfn_yunet", mfn, bgr, y.Landmarks!);
            Add("mfn_lm68", mfn, bgr, lm5);
            if (++done % 500 == 0) Console.Error.WriteLine($"{done}/{images.Count}");
        }
        foreach (var v in variants)
        {
            // Raw little-endian float32 rows (numpy: np.fromfile(f, '<f4').reshape(len(images), -1)).
            using var file = File.Create(Path.Combine(outDir, v + ".f32"));
            foreach (var row in rows[v])
                file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
        }
        File.WriteAllLines(Path.Combine(outDir, "meta.csv"), meta);
        Console.WriteLine($"{images.Count} images → {outDir}");
        return 0;

        void Add(string variant, OnnxFaceEmbedder e, Mat img, FaceLandmarks lm)
        {
            var r = e.EmbedWithNorms([new FaceCrop(img, lm)]);
            var v = r.Vectors[0];
            // Un-normalise: Vectors are unit length (no centring for dlib here), RawNorms the output norm.
            rows[variant].Add(v.Select(x => x * r.RawNorms[0]).ToArray());
        }
    }

    internal static string Img(string person, string index) => $"{person}/{person}_{int.Parse(index):0000}.jpg";

    internal static DetectedFace? Central(IReadOnlyList<DetectedFace> faces, Mat img) =>
        FaceSelector.MostCentral(faces.Where(f => f.Landmarks is not null), img.Width, img.Height);
}
