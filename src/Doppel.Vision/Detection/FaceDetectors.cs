using Doppel.Models;

namespace Doppel.Vision.Detection;

/// <summary>Detectors by catalogue name, for the CLI and configuration. Detectors written elsewhere
/// add their constructor with <see cref="Register"/>.</summary>
public static class FaceDetectors
{
    public const string Default = ModelNames.BlazeFaceBack;

    private static readonly Dictionary<string, Func<float?, IFaceDetector>> Factories = new(StringComparer.Ordinal)
    {
        [ModelNames.BlazeFaceBack] = score => new BlazeFaceDetector(score is { } s ? new BlazeFaceOptions { ScoreThreshold = s } : null),
    };

    public static IReadOnlyCollection<string> Names
    {
        get { lock (Factories) return [.. Factories.Keys.Order(StringComparer.Ordinal)]; }
    }

    /// <summary>Adds (or replaces) the constructor of a detector; it receives the score threshold, or
    /// null for the detector's own default.</summary>
    public static void Register(string name, Func<float?, IFaceDetector> factory)
    {
        lock (Factories) Factories[name] = factory;
    }

    public static IFaceDetector Create(string name, float? scoreThreshold = null)
    {
        Func<float?, IFaceDetector>? factory;
        lock (Factories) Factories.TryGetValue(name, out factory);
        if (factory is null)
            throw new ArgumentException($"Unknown detector '{name}'. Available: {string.Join(", ", Names)}.", nameof(name));
        return factory(scoreThreshold);
    }
}
