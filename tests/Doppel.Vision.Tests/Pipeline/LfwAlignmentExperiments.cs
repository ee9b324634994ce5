using Doppel.Vision.Alignment;
using Doppel.Vision.Decoding;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;
using Doppel.Vision.Tests.Support;

namespace Doppel.Vision.Tests.Pipeline;

/// <summary>Compares alignment choices for dlib ResNet-29 on LFW dev (detections computed once).
/// Explicit: a measurement tool, not a check.</summary>
public sealed class LfwAlignmentExperiments(ITestOutputHelper output)
{
    [Fact(Explicit = true)]
    public void CompareDlibTemplates()
    {
        var decoder = new ImageDecoder();
        var images = Lfw.AllImages();
        var landmarks = new Dictionary<string, FaceLandmarks>();
        using (var detector = new BlazeFaceDetector())
            Parallel.ForEach(images, new ParallelOptions { MaxDegreeOfParallelism = 2 }, path =>
            {
                using var d = decoder.Decode(path);
                var (_, _, kept) = FaceSelectorProbe.Select(detector.Detect(d.Image!));
                if (kept is { } f) lock (landmarks) landmarks[path] = f.Landmarks!;
            });
        output.WriteLine($"faces: {landmarks.Count}");

        var t = AlignmentTemplate.DlibChip150;
        // Where BlazeFace's nose and mouth land, on average, when its eyes are put on dlib's eye points.
        double nx = 0, ny = 0, mx = 0, my = 0;
        foreach (var l in landmarks.Values)
        {
            var eyesOnly = SimilarityTransform.Estimate([l.LeftEye, l.RightEye], [t.LeftEye, t.RightEye]);
            var n = eyesOnly.Apply(l.Nose);
            var m = eyesOnly.Apply(l.MouthCenter);
            nx += n.X; ny += n.Y; mx += m.X; my += m.Y;
        }
        int c = landmarks.Count;
        var empirical = t with { Nose = new PointF((float)(nx / c), (float)(ny / c)), MouthCenter = new PointF((float)(mx / c), (float)(my / c)) };
        output.WriteLine($"template nose {t.Nose}, mouth {t.MouthCenter}; BlazeFace mean nose {empirical.Nose}, mouth {empirical.MouthCenter}");
        var only = Environment.GetEnvironmentVariable("DOPPEL_EXPERIMENT");
        var variants = new (string Name, AlignmentTemplate Template, bool Flip, float Shift)[]
        {
            ("empirical", empirical, false, 0),
            ("empirical+flip", empirical, true, 0),
            ("current", t, false, 0),
        }.Where(v => only is null || v.Name == only).ToArray();
        foreach (var v in variants)
        {
            var spec = EmbedderSpec.DlibResNet29 with { Template = v.Template, CentringMean = null };
            using var embedder = new OnnxFaceEmbedder(spec, new EmbedderOptions { FlipTta = v.Flip, BatchSize = 32 });
            var vectors = new Dictionary<string, float[]>();
            foreach (var chunk in landmarks.Chunk(32))
            {
                var decoded = chunk.Select(kv => decoder.Decode(kv.Key)).ToList();
                var crops = chunk.Select((kv, i) => new FaceCrop(decoded[i].Image!, Shift(kv.Value, v.Shift))).ToList();
                var e = embedder.Embed(crops);
                for (int i = 0; i < chunk.Length; i++) vectors[chunk[i].Key] = e[i];
                decoded.ForEach(d => d.Dispose());
            }
            List<(float, bool)> Score(string file) => Lfw.Pairs(file).Select(p =>
                (vectors.TryGetValue(p.A, out var a) && vectors.TryGetValue(p.B, out var b) ? Verification.Cosine(a, b) : -1f, p.Same)).ToList();
            var (th, train) = Verification.BestThreshold(Score("pairsDevTrain.txt"));
            var test = Verification.Accuracy(Score("pairsDevTest.txt"), th);
            output.WriteLine($"{v.Name,-24} train {train:P2} test {test:P2} (threshold {th:0.0000})");
        }
    }

    private static FaceLandmarks Shift(FaceLandmarks l, float s)
    {
        PointF S(PointF p) => new(p.X + s, p.Y + s);
        return new FaceLandmarks(S(l.LeftEye), S(l.RightEye), S(l.Nose), S(l.MouthCenter));
    }

    private static class FaceSelectorProbe
    {
        public static (int, int, DetectedFace?) Select(IReadOnlyList<DetectedFace> faces) =>
            (0, 0, faces.Where(f => f.Box.Width >= 24).OrderByDescending(f => f.Box.Area).FirstOrDefault());
    }
}
