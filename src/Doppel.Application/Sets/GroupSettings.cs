using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Doppel.Vision.Embedding;

namespace Doppel.Application.Sets;

/// <summary>
/// A group's settings, with the HOPE engine's names and defaults (docs/hde-api.md): floats in 0–1, quality gates
/// 0 = off. Snapshotted into each set at creation, so a set always runs with the settings it was opened with.
/// <see cref="DuplicateConfidenceThreshold"/> is a <see cref="Confidence"/> value: its default 0.5 is the model's
/// calibrated dedup threshold. <see cref="ModelProfile"/> names the recogniser (<see cref="ModelProfiles"/>); a group that names
/// none takes the service's active profile, and a set always records the profile it was opened with, so its analysis,
/// vectors and thresholds never change under it when the group's or the service's profile changes later.
/// </summary>
public sealed record GroupSettings
{
    [JsonPropertyName("face_detection_confidence_threshold")] public double FaceDetectionConfidenceThreshold { get; init; } = 0.9;
    [JsonPropertyName("duplicate_confidence_threshold")] public double DuplicateConfidenceThreshold { get; init; } = 0.5;
    [JsonPropertyName("sharpness_threshold")] public double SharpnessThreshold { get; init; }
    [JsonPropertyName("dynamic_range_threshold")] public double DynamicRangeThreshold { get; init; }
    [JsonPropertyName("no_head_cover_threshold")] public double NoHeadCoverThreshold { get; init; }
    [JsonPropertyName("eyes_open_threshold")] public double EyesOpenThreshold { get; init; }
    [JsonPropertyName("inter_eye_distance_threshold")] public double InterEyeDistanceThreshold { get; init; }
    [JsonPropertyName("unified_quality_score_threshold")] public double UnifiedQualityScoreThreshold { get; init; }

    /// <summary>The model profile (<c>licence-clean</c>, <c>accurate</c>); null: the service's active one when a set opens.</summary>
    [JsonPropertyName("model_profile")] public string? ModelProfile { get; init; }

    /// <summary>The name that accepts, in the same change, the licence risk of a profile that needs it.</summary>
    public const string AcceptLicence = "accept_licence";

    public static GroupSettings Default { get; } = new();

    private static readonly JsonSerializerOptions Json = new() { UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip };

    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>The profile this snapshot names, else <paramref name="active"/> (a set opened before groups named one).</summary>
    public ModelProfile ProfileOr(ModelProfile active) => ModelProfile is { } name ? ModelProfiles.Get(name) : active;

    private static string? ProfileOf(JsonNode? value, bool licenceAccepted)
    {
        if (value is null)
            return null;
        if (value is not JsonValue v || !v.TryGetValue<string>(out var name))
            throw new ValidationException("Setting 'model_profile' must be a profile's name or null.");
        var profile = ModelProfiles.All.FirstOrDefault(p => p.Name == name)
            ?? throw new ValidationException($"Unknown profile '{name}'; profiles: {string.Join(", ", ModelProfiles.All.Select(p => p.Name))}.");
        if (profile.NeedingAcceptance.Count > 0 && !licenceAccepted)
            throw new ValidationException($"Profile {profile.Name} runs {string.Join(", ", profile.NeedingAcceptance.Select(m => $"{m.Name} (licence: {m.Licence})"))}: send \"{AcceptLicence}\": true to accept the licence risk.");
        return profile.Name;
    }

    public static GroupSettings FromJson(string json) => JsonSerializer.Deserialize<GroupSettings>(json, Json) ?? Default;

    /// <summary>These settings with the given values merged in (HOPE's POST semantics); unknown names and values
    /// outside 0–1 are a <see cref="ValidationException"/>. v0.1's <c>face_distance_threshold</c> is accepted as
    /// a distance: confidence = 1 − distance. <c>model_profile</c> takes a profile's name (null: the service's active one);
    /// one whose weights' licence is unclear needs <c>"accept_licence": true</c> beside it, as activating it does.</summary>
    public GroupSettings Merge(JsonObject changes)
    {
        var current = JsonNode.Parse(ToJson())!.AsObject();
        foreach (var (name, value) in changes)
        {
            if (name == AcceptLicence)
            {
                if (value is not JsonValue flag || !flag.TryGetValue<bool>(out _))
                    throw new ValidationException($"'{AcceptLicence}' must be true or false.");
                continue;
            }
            if (name == "model_profile")
            {
                // Naming the profile the group already has (a form sending every setting back) asks no acceptance again.
                var kept = current[name] is JsonValue c && value is JsonValue n && c.TryGetValue<string>(out var was) && n.TryGetValue<string>(out var now) && was == now;
                current[name] = ProfileOf(value, kept || (changes[AcceptLicence] is JsonValue a && a.TryGetValue<bool>(out var accepted) && accepted));
                continue;
            }
            var target = name == "face_distance_threshold" ? "duplicate_confidence_threshold" : name;
            if (!current.ContainsKey(target))
                throw new ValidationException($"Unknown setting '{name}' (known: {string.Join(", ", current.Select(p => p.Key))}).");
            if (value is not JsonValue v || !v.TryGetValue<double>(out var number) || double.IsNaN(number) || number < 0 || number > 1)
                throw new ValidationException($"Setting '{name}' must be a number from 0 to 1.");
            current[target] = name == "face_distance_threshold" ? 1 - number : number;
        }
        return JsonSerializer.Deserialize<GroupSettings>(current, Json)!;
    }
}

/// <summary>
/// The 0–1 confidence reported as a finding's HOPE <c>score</c>: a straight line through the model's calibrated
/// dedup threshold (confidence 0.5; <see cref="Doppel.Jobs.Dedup.DedupThresholds"/>, measured on the LFW dev split)
/// and a perfect match (cosine 1 → confidence 1), clamped to 0–1. So "0.5" means the same evidence for every model,
/// and HOPE's default duplicate threshold 0.5 is Doppel's measured default.
/// </summary>
public static class Confidence
{
    public static float Of(float cosine, float modelThreshold) =>
        Math.Clamp(0.5f + 0.5f * (cosine - modelThreshold) / (1 - modelThreshold), 0f, 1f);

    /// <summary>The cosine at which a pair reaches <paramref name="confidence"/>.</summary>
    public static float CosineAt(double confidence, float modelThreshold) =>
        (float)(modelThreshold + (confidence - 0.5) * 2 * (1 - modelThreshold));
}
