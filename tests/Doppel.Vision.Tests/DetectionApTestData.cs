using Doppel.Models;
using Doppel.Testing;
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
    public static bool IsPlausible(FaceLandmarks l) =>
        l.LeftEye.X < l.RightEye.X &&
        MathF.Max(l.LeftEye.Y, l.RightEye.Y) < l.Nose.Y &&
        l.Nose.Y < l.MouthCenter.Y &&
        l.MouthLeft is { } ml && l.MouthRight is { } mr && ml.X < mr.X;
}
