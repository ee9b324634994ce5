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

    /// <summary>The members of <paramref name="name"/> and their weights (1 for a single model), read
    /// from the catalogue without opening any model: what an embedder of that name will be, e.g. to
    /// know the version of its vectors before deciding whether it is needed at all.</summary>
    public static IReadOnlyList<(EmbedderSpec Spec, float Weight)> Describe(string name) =>
        Members(name).Select(m => (EmbedderSpec.FromCatalog(m.Name), m.Weight)).ToList();

    /// <summary>The member names and weights of <paramref name="name"/> as written, without reading the
    /// catalogue (what a recognition profile is looked up by).</summary>
    public static IReadOnlyList<(string Name, float Weight)> Members(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var parts = name.Split('+', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return parts.Select(part => part.Split('*', 2) is [var member, var weight]
                ? (member.Trim(), float.TryParse(weight, System.Globalization.CultureInfo.InvariantCulture, out var w) && w > 0 ? w
                    : throw new ArgumentException($"Bad ensemble weight in '{part}': expected NAME*WEIGHT with a positive number."))
                : (part, 1f))
            .ToList();
    }

    /// <summary>True when <paramref name="name"/> is an ensemble ("a+b", or one weighted member "a*2").</summary>
    public static bool IsEnsemble(string name) =>
        name.Split('+', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is not [var single] || single.Contains('*');

    /// <summary>The name a recogniser's vectors are stored under: its members' names joined by "+", an ensemble's weights
    /// dropped (they are in the vectors' version). A catalogue model's is its own name.
    /// Parses only (no catalogue look-up): a name nobody knows stays itself, for the caller to report.</summary>
    public static string StoredName(string recogniser) =>
        IsEnsemble(recogniser) ? string.Join('+', Members(recogniser).Select(m => m.Name)) : recogniser.Trim();

    public static IFaceEmbedder Create(string name, EmbedderOptions? options = null)
    {
        var described = Describe(name);
        options ??= new EmbedderOptions();
        if (!IsEnsemble(name))
            return new OnnxFaceEmbedder(described[0].Spec, options.ResolvedFor(name));
        var members = new List<(IFaceEmbedder, float)>();
        try
        {
            // An ensemble's members take the views its profile was fitted on (EmbedderOptions.ForMember).
            foreach (var (spec, weight) in described)
                members.Add((new OnnxFaceEmbedder(spec, options.ForMember(name, spec.Name)), weight));
            return new EnsembleEmbedder(members);
        }
        catch
        {
            foreach (var (m, _) in members) m.Dispose();
            throw;
        }
    }
}
