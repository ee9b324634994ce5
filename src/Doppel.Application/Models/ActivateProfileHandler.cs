using System.Text.Json;
using Doppel.Storage;
using Doppel.Vision.Embedding;

namespace Doppel.Application.Models;

/// <summary>
/// Activating a model profile (<c>doppel models install --profile</c> once its models are in place, and the admin
/// page's "Activate"): the profile becomes the model cache's selection, which every process started afterwards runs
/// by default (the service and <c>doppel worker</c> at their next start; a running pipeline never changes under a set).
/// A profile whose weights' licence is unclear needs the caller's acceptance, and every model it runs must be
/// installed. Vectors of the previous profile are never compared with the new ones: they carry another version and
/// set processing re-embeds them. With an audit catalog each activation is a run of kind <see cref="RunKind"/>.
/// </summary>
public sealed class ActivateProfileHandler(string cacheRoot, IDoppelDatabase? audit = null)
{
    public const string RunKind = "model-activate";

    public ModelProfile Selected => ModelProfiles.SelectedIn(cacheRoot);

    /// <summary>The profile's models missing from the cache (a model with any catalogue file absent).</summary>
    public IReadOnlyList<string> Missing(ModelProfile profile) =>
        [.. profile.Models.Where(m => m.Files.Any(f => !File.Exists(Path.Combine(cacheRoot, m.Name, f.FileName)))).Select(m => m.Name)];

    public async Task<ModelProfile> ActivateAsync(string name, bool licenceAccepted, string actor, CancellationToken cancellationToken = default)
    {
        var profile = ModelProfiles.All.FirstOrDefault(p => p.Name == name)
            ?? throw new ValidationException($"Unknown profile '{name}'; profiles: {string.Join(", ", ModelProfiles.All.Select(p => p.Name))}.");
        var unclear = profile.NeedingAcceptance;
        if (unclear.Count > 0 && !licenceAccepted)
            throw new ValidationException($"Profile {profile.Name} runs {string.Join(", ", unclear.Select(m => $"{m.Name} (licence: {m.Licence}; risk: {m.RiskNote})"))}: accept the licence risk to activate it.");
        var missing = Missing(profile);
        if (missing.Count > 0)
            throw new ConflictException($"Profile {profile.Name} needs {string.Join(", ", missing)}, not installed in {cacheRoot}. Run: doppel models install --profile {profile.Name}");
        ModelProfiles.SelectIn(profile, cacheRoot);
        if (audit is not null)
        {
            var runs = audit.For(TenantId.Default).Runs;
            var run = await runs.StartAsync(RunKind, JsonSerializer.Serialize(new { profile = profile.Name, embedder = profile.Embedder, by = actor, licence_accepted = licenceAccepted }), 0, CancellationToken.None);
            await runs.FinishAsync(run, RunState.Completed, cancellationToken: CancellationToken.None);
        }
        return profile;
    }
}
