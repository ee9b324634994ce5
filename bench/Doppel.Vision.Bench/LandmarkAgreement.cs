using Doppel.Vision.Detection;
using Doppel.Vision.Detection.Landmarks;

namespace Doppel.Vision.Bench;

/// <summary>How close the UltraFace + 68-point five landmarks come to YuNet's (the best aligner
/// measured here): mean of eye-centre and nose-tip distance over YuNet's interocular distance.</summary>
internal static class LandmarkAgreement
{
    public static int Run(string directory, int limit)
    {
        using var refined = new LandmarkRefinedDetector(UltraFaceDetector.FromModelStore(), FacepluginLandmark68.FromModelStore());
        using var yunet = YuNetDetector.FromModelStore();
        var errors = new List<double>();
        int pairs = 0, upright = 0;
        foreach (var path in BenchImages.List(directory, limit))
        {
            using var image = BenchImages.Read(path);
            var mine = refined.Detect(image).FirstOrDefault()?.Landmarks;
            var reference = yunet.Detect(image).FirstOrDefault()?.Landmarks;
            if (mine is null || reference is null)
                continue;
            pairs++;
            if (mine.LeftEye.X < mine.RightEye.X && Math.Max(mine.LeftEye.Y, mine.RightEye.Y) < mine.Nose.Y && mine.Nose.Y < mine.MouthCenter.Y)
                upright++;
            static double D(PointF p, PointF q) => Math.Sqrt((p.X - q.X) * (p.X - q.X) + (p.Y - q.Y) * (p.Y - q.Y));
            errors.Add((D(mine.LeftEye, reference.LeftEye) + D(mine.RightEye, reference.RightEye) + D(mine.Nose, reference.Nose)) / 3 / reference.InterocularDistance);
        }
        errors.Sort();
        Console.WriteLine($"pairs={pairs} upright={upright} median={errors[errors.Count / 2]:0.000} mean={errors.Average():0.000} p95={errors[(int)(errors.Count * 0.95)]:0.000}");
        return 0;
    }
}
