using Doppel.Models.Catalog;
using Doppel.Models.Install;

namespace Doppel.Models;

/// <summary>
/// The checksum each installed model file must have. Normally the catalogue's pin. A model synced
/// from a models container (<c>--models-container</c>) may be a version an administrator published
/// (a retrained or replaced file), verified at sync against the container's manifest: then that
/// manifest's checksums, recorded in the model folder's manifest.json, are the pins. Stored vectors
/// carry the pin of the file that made them, so a newly published version re-embeds them.
/// </summary>
public static class ModelPins
{
    /// <summary>Every file of <paramref name="spec"/> with the checksum it must have in <paramref name="cacheRoot"/>.</summary>
    public static IReadOnlyList<ModelFile> FilesOf(ModelSpec spec, string cacheRoot)
    {
        var published = PublishedManifest(spec.Name, cacheRoot);
        if (published is null)
            return spec.Files;
        return [.. spec.Files.Select(f => published.Files.FirstOrDefault(p => p.Name == f.FileName) is { } record && TryParseSha256(record.Checksum) is { } pin
            ? f with { Checksum = pin }
            : f)];
    }

    /// <summary>The pin of one file in the default model cache, or null for a model or file the catalogue does not know.</summary>
    public static Checksum? ChecksumOf(string modelName, string fileName) =>
        ModelCatalog.TryGet(modelName, out var spec) && FilesOf(spec, ModelStore.CacheRoot).FirstOrDefault(f => f.FileName == fileName) is { } file
            ? file.Checksum
            : null;

    /// <summary>The published version a model folder holds, or null when it was installed from the catalogue.</summary>
    public static string? PublishedVersion(string modelName, string cacheRoot) => PublishedManifest(modelName, cacheRoot)?.PublishedVersion;

    private static InstallManifest? PublishedManifest(string modelName, string cacheRoot) =>
        InstallManifest.TryRead(Path.Combine(cacheRoot, modelName)) is { PublishedVersion: not null } manifest ? manifest : null;

    private static Checksum? TryParseSha256(string text) =>
        text.StartsWith("sha256:", StringComparison.Ordinal) && text.Length == 7 + 64 ? Checksum.Sha256(text[7..]) : null;
}
