using Doppel.Models;

namespace Doppel.Vision.Embedding;

/// <summary>
/// Embedders by name, for the CLI and configuration: a catalogue recogniser ("dlib-resnet29",
/// "mobilefacenet-192", ...), or an ensemble written "a+b" (optionally weighted "a*2+b") whose
/// vector is the weighted concatenation of its members' normalised vectors.
/// </summary>
public static class EmbedderRegistry
{
    public const string Default = ModelNames.DlibResNet29;

    public static IFaceEmbedder Create(string name, EmbedderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var parts = name.Split('+', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 1 && !parts[0].Contains('*'))
            return new OnnxFaceEmbedder(EmbedderSpec.FromCatalog(parts[0]), options);
        var members = new List<(IFaceEmbedder, float)>();
        try
        {
            foreach (var part in parts)
            {
                var (member, weight) = part.Split('*', 2) is [var m, var w]
                    ? (m, float.TryParse(w, System.Globalization.CultureInfo.InvariantCulture, out var f) && f > 0 ? f
                        : throw new ArgumentException($"Bad ensemble weight in '{part}': expected NAME*WEIGHT with a positive number."))
                    : (part, 1f);
                members.Add((new OnnxFaceEmbedder(EmbedderSpec.FromCatalog(member), options), weight));
            }
            return new EnsembleEmbedder(members);
        }
        catch
        {
            foreach (var (m, _) in members) m.Dispose();
            throw;
        }
    }
}
