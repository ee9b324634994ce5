using Doppel.Models;
using Doppel.Vision.Detection.Landmarks;

namespace Doppel.Vision.Detection;

/// <summary>
/// Detectors by catalogue name, for the CLI and the pipeline. Each entry makes a detector from
/// the installed model; <c>scoreThreshold</c>, when given, replaces the detector's own (evaluation
/// wants low thresholds to trace the whole precision–recall curve). A name "DETECTOR+LANDMARKS"
/// adds a landmark model to a box-only detector, e.g. "ultraface-rfb320+faceplugin-landmark68".
/// </summary>
public static class DetectorRegistry
{
    /// <summary>
    /// The default detector: the <see cref="CascadeDetector"/> ("blazeface-yunet") for boxes, face-api's
    /// 68-point net (MIT, same package as the default recogniser) for landmarks. Portraits and crops
    /// take BlazeFace back-256 as before (every LFW dev image does, so LFW's vectors, 98.9 % and the
    /// dlib thresholds are unchanged); group and in-the-wild photos, strips, dark and tight crops take
    /// YuNet at the image's size: WIDER subset AP 0.674 / 0.436 / 0.210 → 0.883 / 0.845 / 0.749
    /// (docs/benchmarks-detection.md). dlib's chip is fitted on the 68 points: LFW dev test 98.4 → 98.9 %
    /// over BlazeFace's six keypoints (docs/benchmarks.md), for ~1.3 ms per face.
    /// </summary>
    public const string Default = CascadeDetector.RegistryName + "+" + ModelNames.FaceApiLandmark68;

    /// <summary>The default before the cascade (BlazeFace alone for boxes), for comparisons.</summary>
    public const string PortraitOnly = ModelNames.BlazeFaceBack + "+" + ModelNames.FaceApiLandmark68;

    private static readonly Dictionary<string, Func<float?, IFaceDetector>> Detectors = new(StringComparer.Ordinal)
    {
        [ModelNames.BlazeFaceBack] = t => new BlazeFaceDetector(t is { } v ? new BlazeFaceOptions { ScoreThreshold = v } : null),
        [ModelNames.BlazeFaceFront] = t => new BlazeFaceDetector(t is { } v
            ? new BlazeFaceOptions { Model = BlazeFaceModel.Front128, ScoreThreshold = v }
            : new BlazeFaceOptions { Model = BlazeFaceModel.Front128 }),
        [ModelNames.Res10Ssd] = t => Res10SsdDetector.FromModelStore(Res10SsdFormat.TensorFlow8Bit,
            t is { } v ? new Res10SsdOptions { ScoreThreshold = v } : null),
        [ModelNames.Res10SsdCaffe] = t => Res10SsdDetector.FromModelStore(Res10SsdFormat.Caffe,
            t is { } v ? new Res10SsdOptions { ScoreThreshold = v } : null),
        [ModelNames.UltraFace] = t => UltraFaceDetector.FromModelStore(t is { } v ? new UltraFaceOptions { ScoreThreshold = v } : null),
        [ModelNames.YuNet] = t => YuNetDetector.FromModelStore(t is { } v ? new YuNetOptions { ScoreThreshold = v } : null),
        [SizedYuNetDetector.RegistryName] = t => SizedYuNetDetector.FromModelStore(t is { } v ? new SizedYuNetOptions { ScoreThreshold = v } : null),
        [CascadeDetector.RegistryName] = t => CascadeDetector.FromModelStore(t),
    };

    /// <summary>The name the detector made from <paramref name="name"/> reports as its
    /// <see cref="IFaceDetector.Name"/> ("a" or "a+landmarks", spaces trimmed), found without opening
    /// a model; throws the same clear error as <see cref="Create"/> for an unknown name.</summary>
    public static string CanonicalName(string name)
    {
        Resolve(name);
        return string.Join('+', name.Split('+', 2, StringSplitOptions.TrimEntries));
    }

    private static (Func<float?, IFaceDetector> MakeDetector, Func<ILandmarkRefiner>? MakeRefiner) Resolve(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var parts = name.Split('+', 2, StringSplitOptions.TrimEntries);
        if (!Detectors.TryGetValue(parts[0], out var makeDetector))
            throw new ArgumentException($"Unknown detector '{parts[0]}'. Known: {string.Join(", ", Detectors.Keys)}.", nameof(name));
        Func<ILandmarkRefiner>? makeRefiner = null;
        if (parts.Length == 2 && !Refiners.TryGetValue(parts[1], out makeRefiner))
            throw new ArgumentException($"Unknown landmark model '{parts[1]}'. Known: {string.Join(", ", Refiners.Keys)}.", nameof(name));
        return (makeDetector, makeRefiner);
    }

    private static readonly Dictionary<string, Func<ILandmarkRefiner>> Refiners = new(StringComparer.Ordinal)
    {
        [ModelNames.FaceApiLandmark68] = () => FaceApiLandmark68.FromModelStore(),
        [ModelNames.FacepluginLandmark68] = () => FacepluginLandmark68.FromModelStore(),
    };

    public static IReadOnlyCollection<string> DetectorNames => Detectors.Keys;

    /// <summary>The catalogue models the named detector (optionally "+landmark-model") runs: a composite such as the
    /// cascade names no catalogue model itself, so installing a profile must install its parts.</summary>
    public static IReadOnlyList<string> ModelsOf(string name)
    {
        Resolve(name);
        var parts = name.Split('+', 2, StringSplitOptions.TrimEntries);
        IEnumerable<string> boxes = parts[0] switch
        {
            CascadeDetector.RegistryName => [ModelNames.BlazeFaceFront, ModelNames.BlazeFaceBack, ModelNames.YuNet],
            SizedYuNetDetector.RegistryName => [ModelNames.YuNet],
            _ => [parts[0]],
        };
        return [.. boxes, .. parts.Skip(1)];
    }

    public static IReadOnlyCollection<string> LandmarkNames => Refiners.Keys;

    /// <summary>Makes the named detector (optionally "+landmark-model"); throws a clear error for an
    /// unknown name and <see cref="ModelNotInstalledException"/> when its model is not installed.</summary>
    public static IFaceDetector Create(string name, float? scoreThreshold = null)
    {
        var (makeDetector, makeRefiner) = Resolve(name);

        var detector = makeDetector(scoreThreshold);
        if (makeRefiner is null)
            return detector;
        try
        {
            return new LandmarkRefinedDetector(detector, makeRefiner());
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }
}
