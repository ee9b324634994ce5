using Doppel.Vision.Detection;

namespace Doppel.Vision.Bench;

/// <summary>
/// BlazeFace front-128 against back-256 on the same images: how often front finds a confident face,
/// the share of the long side its box covers, and how far its eyes sit from back-256's in units of
/// back-256's eye distance (the face-api 68-point crop is placed from the box, so a shift moves the
/// landmarks the recogniser is aligned on). Also the CPU per image of each (one thread).
/// </summary>
internal static class FrontVersusBack
{
    public static int Run(string directory, int limit)
    {
        var paths = BenchImages.List(directory, limit);
        using var back = new BlazeFaceDetector();
        using var front = new BlazeFaceDetector(new BlazeFaceOptions { Model = BlazeFaceModel.Front128 });
        var images = paths.Select(BenchImages.Read).ToList();
        try
        {
            back.Detect(images[0]);
            front.Detect(images[0]);
            var backFaces = new List<IReadOnlyList<DetectedFace>>();
            var frontFaces = new List<IReadOnlyList<DetectedFace>>();
            double backMs = StageCosts.CpuMs(() => images.ForEach(i => backFaces.Add(back.Detect(i))));
            double frontMs = StageCosts.CpuMs(() => images.ForEach(i => frontFaces.Add(front.Detect(i))));
            int confident = 0;
            var shares = new List<float>();
            var eyeShift = new List<double>();
            var scores = new List<float>();
            for (int i = 0; i < images.Count; i++)
            {
                int side = Math.Max(images[i].Width, images[i].Height);
                if (frontFaces[i] is [var f, ..])
                {
                    scores.Add(f.Score);
                    if (f.Score >= 0.6f) confident++;
                    shares.Add(f.Box.Width / side);
                    if (backFaces[i] is [var b, ..] && b.Landmarks is { } bl && f.Landmarks is { } fl)
                    {
                        double eyes = Dist(bl.LeftEye, bl.RightEye);
                        eyeShift.Add((Dist(bl.LeftEye, fl.LeftEye) + Dist(bl.RightEye, fl.RightEye)) / 2 / eyes);
                    }
                }
            }
            static double Dist(PointF a, PointF b) => Math.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
            static string Q<T>(List<T> v) where T : IComparable<T>
            {
                if (v.Count == 0) return "-";
                var s = v.OrderBy(x => x).ToList();
                return string.Join(" / ", new[] { 0.0, 0.01, 0.5, 0.99, 1.0 }.Select(q => $"{s[(int)Math.Round(q * (s.Count - 1))]:0.000}"));
            }
            Console.WriteLine($"{images.Count} images from {directory}, load {BenchMachine.Load}");
            Console.WriteLine($"  CPU ms per image, one thread: back-256 {backMs / images.Count:0.00}, front-128 {frontMs / images.Count:0.00}");
            Console.WriteLine($"  front-128: a face in {frontFaces.Count(f => f.Count > 0)}, score >= 0.6 in {confident}; back-256: a face in {backFaces.Count(f => f.Count > 0)}");
            Console.WriteLine($"  front-128 best score min/1%/median/99%/max: {Q(scores)}");
            Console.WriteLine($"  front-128 box width / long side: {Q(shares)}");
            Console.WriteLine($"  eye shift front vs back / back's eye distance: {Q(eyeShift.Select(x => (float)x).ToList())}");
            return 0;
        }
        finally
        {
            images.ForEach(i => i.Dispose());
        }
    }
}
