using System.Text.Json;
using System.Text.Json.Serialization;

namespace Doppel.Models.Install;

/// <summary>manifest.json written beside an installed model: what it was built from and what it contains.
/// A model synced from a models container (<see cref="Publishing.ModelSync"/>) has
/// <see cref="PublishedVersion"/> set, and its <see cref="Files"/> checksums are the published ones.</summary>
public sealed record InstallManifest(
    string Name,
    string Converter,
    IReadOnlyList<InstallManifest.SourceRecord> Sources,
    IReadOnlyList<InstallManifest.FileRecord> Files,
    DateTimeOffset InstalledAt,
    string DoppelVersion,
    string? PublishedVersion = null)
{
    public const string FileName = "manifest.json";

    /// <summary>The <see cref="Converter"/> of a model synced from a models container.</summary>
    public const string PublishedConverter = "published";

    /// <summary>An npm package (Package@Version) or a single file (File) with its checksum and where it was taken from.</summary>
    public sealed record SourceRecord(string? Package, string? File, string Checksum, string Origin, IReadOnlyList<string>? Entries);

    public sealed record FileRecord(string Name, string Checksum, long Bytes);

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public void Write(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json));

    public static InstallManifest? TryRead(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<InstallManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
