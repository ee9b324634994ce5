using Doppel.Models;
using Doppel.Models.Catalog;
using Doppel.Vision.Detection;

namespace Doppel.Vision.Embedding;

/// <summary>A named choice of recogniser for a whole installation: what <c>doppel models install
/// --profile NAME</c> installs and what dedup, recognise and the other pipeline commands use when no
/// <c>--model</c> is given. Every threshold then comes from the recogniser's <see cref="RecognitionProfile"/>.</summary>
public sealed record ModelProfile(string Name, string Embedder, string Description)
{
    public RecognitionProfile Recognition => RecognitionProfiles.For(Embedder);

    /// <summary>The catalogue models the profile runs: the default detector's, then the recogniser's members.</summary>
    public IReadOnlyList<ModelSpec> Models =>
        DetectorRegistry.ModelsOf(DetectorRegistry.Default).Concat(EmbedderRegistry.Describe(Embedder).Select(m => m.Spec.Name))
            .Distinct().Select(ModelCatalog.Get).ToList();

    /// <summary>Models whose weights' licence is unclear: installing the profile needs the user's acceptance.</summary>
    public IReadOnlyList<ModelSpec> NeedingAcceptance => Models.Where(m => m.LicenceUnclear).ToList();
}

/// <summary>
/// The two profiles and the selected one. <c>licence-clean</c>: dlib ResNet-29 (public-domain weights) fused with
/// faceres (Apache-2.0), on cohort-normalised scores. <c>accurate</c>: dlib fused with MobileFaceNet-192, whose weights have
/// no upstream licence file and were trained on MS1M-derived data, and faceplugin's 512-d model, whose weights'
/// origin is unknown, so it is chosen only with an explicit acceptance. The selection lives in the model cache (<see cref="SelectionFile"/>), written by the
/// installer once every model of the profile is in place.
/// </summary>
public static class ModelProfiles
{
    public const string LicenceCleanName = "licence-clean";
    public const string AccurateName = "accurate";

    public static ModelProfile LicenceClean { get; } = new(LicenceCleanName, RecognitionProfiles.LicenceCleanFusionName,
        "dlib ResNet-29 (public-domain weights, each face averaged with its mirror image) fused with faceres (Apache-2.0, trained on VGGFace2), each member's score normalised against its own reference cohort: LFW held-out pair F1 0.93");

    public static ModelProfile Accurate { get; } = new(AccurateName, RecognitionProfiles.AccurateFusion,
        "dlib ResNet-29 x2 fused with MobileFaceNet-192 and faceplugin-512 (both weights' licence unclear): LFW held-out pair F1 0.96");

    public static IReadOnlyList<ModelProfile> All { get; } = [LicenceClean, Accurate];

    public static ModelProfile Default => LicenceClean;

    public static ModelProfile Get(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"Unknown profile '{name}'; profiles: {string.Join(", ", All.Select(p => p.Name))}.", nameof(name));

    /// <summary>The file naming the selected profile: <c>profile</c> in the model cache.</summary>
    public static string SelectionFile => SelectionFileIn(ModelStore.CacheRoot);

    public static string SelectionFileIn(string cacheRoot) => Path.Combine(cacheRoot, "profile");

    /// <summary>The selected profile: the one the last <c>models install --profile</c> chose, else <see cref="Default"/>.
    /// A file naming no known profile (edited by hand) is an error, not a silent fallback.</summary>
    public static ModelProfile Selected() => SelectedIn(ModelStore.CacheRoot);

    public static ModelProfile SelectedIn(string cacheRoot)
    {
        var file = SelectionFileIn(cacheRoot);
        if (!File.Exists(file))
            return Default;
        var name = File.ReadAllText(file).Trim();
        return All.FirstOrDefault(p => p.Name == name)
            ?? throw new FormatException($"{file} names profile '{name}', which does not exist; run: doppel models install --profile {Default.Name}");
    }

    /// <summary>Records <paramref name="profile"/> as selected (written beside, then renamed: never half a file).</summary>
    public static void Select(ModelProfile profile) => SelectIn(profile, ModelStore.CacheRoot);

    public static void SelectIn(ModelProfile profile, string cacheRoot)
    {
        ArgumentNullException.ThrowIfNull(profile);
        Directory.CreateDirectory(cacheRoot);
        var file = SelectionFileIn(cacheRoot);
        var temp = file + ".tmp";
        File.WriteAllText(temp, profile.Name + "\n");
        File.Move(temp, file, overwrite: true);
    }
}
