namespace Doppel.Models.Catalog;

/// <summary>
/// Every model Doppel knows how to install. Adding a model is one <see cref="ModelSpec"/> here
/// (plus its converter registered in <see cref="Install.ModelConverters"/> when it needs one).
/// Facts (checksums, normalisation, thresholds) come from ../shared/docs/models.md and were
/// re-measured when the entries were written; a test checks every pinned hash reproduces.
/// </summary>
public static class ModelCatalog
{
    private static readonly List<ModelSpec> Entries =
    [
        CatalogEntries.BlazeFaceBack,
        CatalogEntries.BlazeFaceFront,
        CatalogEntries.UltraFace,
        CatalogEntries.YuNet,
        CatalogEntries.Res10Ssd,
        CatalogEntries.Res10SsdCaffe,
        CatalogEntries.FaceApiLandmark68,
        CatalogEntries.FacepluginLandmark68,
        CatalogEntries.DlibResNet29,
        CatalogEntries.FacepluginFeature512,
        CatalogEntries.SFace,
        CatalogEntries.EDifFiqaTiny,
        CatalogEntries.MobileFaceNet192,
        CatalogEntries.FaceRes,
    ];

    private static readonly Lock Gate = new();

    public static IReadOnlyList<ModelSpec> All
    {
        get
        {
            lock (Gate)
                return [.. Entries];
        }
    }

    /// <summary>The models a plain <c>doppel models install</c> gets.</summary>
    public static IReadOnlyList<ModelSpec> DefaultSet => [.. All.Where(s => s.IsDefault)];

    public static IReadOnlyList<string> Names => [.. All.Select(s => s.Name)];

    public static bool TryGet(string name, out ModelSpec spec)
    {
        spec = All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal))!;
        return spec is not null;
    }

    /// <summary>The entry named <paramref name="name"/>, or an error listing the valid names.</summary>
    public static ModelSpec Get(string name) =>
        TryGet(name, out var spec)
            ? spec
            : throw new UnknownModelException(name, Names);

    /// <summary>
    /// Adds an entry defined outside this file (e.g. a converter's own project). Names are
    /// unique; adding the same spec twice is a no-op so static registration can be idempotent.
    /// </summary>
    public static void Add(ModelSpec spec)
    {
        lock (Gate)
        {
            var existing = Entries.FirstOrDefault(s => s.Name == spec.Name);
            if (existing is not null)
            {
                if (existing == spec)
                    return;
                throw new ArgumentException($"The catalogue already has a different model named '{spec.Name}'.", nameof(spec));
            }
            Entries.Add(spec);
        }
    }
}

public sealed class UnknownModelException(string name, IReadOnlyList<string> validNames)
    : Exception($"Unknown model '{name}'. Valid names: {string.Join(", ", validNames)}.")
{
    public string Name { get; } = name;
}
