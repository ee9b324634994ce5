using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Doppel.Models.Publishing;

/// <summary>
/// <c>models.json</c> at the root of a models container: for each model, the version processes
/// must run and every file of it with its sha256 and its blob. A version is a content hash of the
/// file list, so publishing the same files twice is the same version and any changed byte is a new one.
/// </summary>
public sealed record ModelContainerManifest(int Format, IReadOnlyList<PublishedModel> Models)
{
    public const string BlobName = "models.json";
    public const int CurrentFormat = 1;

    public static ModelContainerManifest Empty { get; } = new(CurrentFormat, []);

    public PublishedModel? Find(string name) => Models.FirstOrDefault(m => m.Name == name);

    /// <summary>This manifest with <paramref name="model"/> replacing any entry of the same name (names kept sorted).</summary>
    public ModelContainerManifest With(PublishedModel model) =>
        this with { Models = [.. Models.Where(m => m.Name != model.Name).Append(model).OrderBy(m => m.Name, StringComparer.Ordinal)] };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static ModelContainerManifest Parse(ReadOnlySpan<byte> json, string address)
    {
        ModelContainerManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelContainerManifest>(json, Json);
        }
        catch (JsonException e)
        {
            throw new ModelContainerException($"{address}/{BlobName} is not a models manifest: {e.Message}", e);
        }
        if (manifest is null || manifest.Models is null)
            throw new ModelContainerException($"{address}/{BlobName} is not a models manifest (no models list).");
        if (manifest.Format > CurrentFormat)
            throw new ModelContainerException($"{address}/{BlobName} has format {manifest.Format}; this Doppel reads up to {CurrentFormat}. Update Doppel.");
        foreach (var model in manifest.Models)
            if (model.Name is null || model.Version is null || model.Files is null || model.Files.Any(f => f.Name is null || f.Blob is null || f.Sha256 is not { Length: 64 }))
                throw new ModelContainerException($"{address}/{BlobName}: an entry lacks a name, version, file name, blob or 64-digit sha256.");
        return manifest;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>One model's current version in a container; <paramref name="PublishedBy"/> is absent from manifests written
/// before it was recorded (readers of format 1 skip it).</summary>
public sealed record PublishedModel(string Name, string Version, DateTimeOffset PublishedAt, string? Origin, IReadOnlyList<PublishedFile> Files, string? PublishedBy = null)
{
    /// <summary>The version of a set of files: the first 16 hex digits of the sha256 of their sorted "name sha256" lines.</summary>
    public static string VersionOf(IEnumerable<(string Name, string Sha256)> files)
    {
        var lines = string.Concat(files.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => $"{f.Name} {f.Sha256}\n"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lines)))[..16];
    }

    /// <summary>Blob name of a file: under the model and version, so a new version never overwrites a file being read.</summary>
    public static string BlobNameOf(string model, string version, string file) => $"{model}/{version}/{file}";
}

public sealed record PublishedFile(string Name, string Sha256, long Bytes, string Blob);
