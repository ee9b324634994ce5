using Doppel.Models;
using Doppel.Testing;
using Doppel.Vision.Detection;
using OpenCvSharp;

namespace Doppel.Vision.Tests;

/// <summary>Installed models and shared images for the detector tests.</summary>
internal static class DetectionApTestData
{
    /// <summary>An installed model file; skips (fails under CI) with the install command when absent.</summary>
    public static string RequireModel(string name, string file = ModelNames.OnnxFile)
    {
        var path = Path.Combine(ModelStore.ModelDirectory(name), file);
        if (File.Exists(path))
            return path;
        var message = $"Model '{name}' is not installed ({path}). Run: doppel models install {name}";
        if (SharedData.InCi)
            Assert.Fail(message);
        Assert.Skip(message);
        return null!;
    }

    /// <summary>The first <paramref name="count"/> LFW dev images in path order (a fixed sample).</summary>
    public static IReadOnlyList<string> LfwSample(int count) =>
        Directory.EnumerateFiles(Path.Combine(SharedData.Require("data/lfw-dev"), "images"), "*.jpg", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).Take(count).ToList();

    public static Mat Read(string path)
    {
        var image = Cv2.ImRead(path, ImreadModes.Color);
        if (image.Empty())
            throw new InvalidDataException($"Could not decode {path}");
        return image;
    }

    public static string WiderRoot => SharedData.Require("data/wider-val-subset");

    /// <summary>AP easy/medium/hard of a detector on the whole shared WIDER subset (305 images).</summary>
    public static (double Easy, double Medium, double Hard) WiderAp(IFaceDetector detector)
    {
        var root = WiderRoot;
        var set = Doppel.Vision.Detection.Evaluation.WiderAnnotations.Load(Path.Combine(root, "annotations.json"));
        var evaluator = Doppel.Vision.Detection.Evaluation.DetectionBenchmarkRun.Evaluate(detector, set, root);
        return (evaluator.Evaluate(Doppel.Vision.Detection.Evaluation.WiderDifficulty.Easy).AveragePrecision,
            evaluator.Evaluate(Doppel.Vision.Detection.Evaluation.WiderDifficulty.Medium).AveragePrecision,
            evaluator.Evaluate(Doppel.Vision.Detection.Evaluation.WiderDifficulty.Hard).AveragePrecision);
    }

    /// <summary>LFW crops are centred on the face: the best face must cover the image centre.</summary>
    public static bool CoversCentre(DetectedFace face, Mat image) =>
        face.Box.X < image.Width / 2f && face.Box.Right > image.Width / 2f &&
        face.Box.Y < image.Height / 2f && face.Box.Bottom > image.Height / 2f;

    /// <summary>Upright face geometry: image-left eye left of the right eye, eyes above nose above mouth.</summary>
    /// <summary>
    /// How close a detector's five landmarks come to YuNet's on the first <paramref name="count"/> LFW
    /// images: per image where both find a face (boxes overlapping by IoU ≥ 0.3), the mean eye-centre
    /// and nose-tip distance over YuNet's interocular distance; and how many of those faces are upright
    /// (<see cref="IsPlausible"/>). <paramref name="eachFace"/> sees every image's first face first.
    /// </summary>
    public static (List<float> Errors, int Plausible) YuNetAgreement(IFaceDetector detector, int count, Action<string, DetectedFace?>? eachFace = null)
    {
        using var yunet = new YuNetDetector(RequireModel(ModelNames.YuNet));
        var errors = new List<float>();
        int plausible = 0;
        foreach (var path in LfwSample(count))
        {
            using var image = Read(path);
            var mine = detector.Detect(image).FirstOrDefault();
            var reference = yunet.Detect(image).FirstOrDefault();
            eachFace?.Invoke(path, mine);
            if (mine?.Landmarks is not { } m || reference?.Landmarks is not { } r || mine.Box.IoU(reference.Box) < 0.3f)
                continue;
            if (IsPlausible(m))
                plausible++;
            static float Distance(PointF p, PointF q) => MathF.Sqrt((p.X - q.X) * (p.X - q.X) + (p.Y - q.Y) * (p.Y - q.Y));
            errors.Add((Distance(m.LeftEye, r.LeftEye) + Distance(m.RightEye, r.RightEye) + Distance(m.Nose, r.Nose)) / 3 / r.InterocularDistance);
        }
        return (errors, plausible);
    }

    public static bool IsPlausible(FaceLandmarks l) =>
        l.LeftEye.X < l.RightEye.X &&
        MathF.Max(l.LeftEye.Y, l.RightEye.Y) < l.Nose.Y &&
        l.Nose.Y < l.MouthCenter.Y &&
        l.MouthLeft is { } ml && l.MouthRight is { } mr && ml.X < mr.X;
}
