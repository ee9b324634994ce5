using System.Text.Json;
using Doppel.Models.Catalog;
using Doppel.Models.Publishing;
using Doppel.Storage;

namespace Doppel.Application.Models;

/// <summary>
/// Publishing models to a models container (<c>doppel models publish</c> and the admin page's "Publish"): names are
/// checked against the catalogue, the default set stands for none, and each model goes through
/// <see cref="ModelPublisher"/> (installed, checksum-verified files, or an administrator's replacement folder for one
/// model). With an audit catalog every publication is recorded as a run of kind <see cref="RunKind"/> naming the model,
/// the version, the container and who asked, finished Completed or Failed with the error, so the admin page can show
/// who published what and when, failures included.
/// </summary>
public sealed class PublishModelsHandler(IModelContainer container, string cacheRoot, IDoppelDatabase? audit = null, Action<string>? log = null)
{
    public const string RunKind = "model-publish";

    /// <summary>The container's address (never with a secret in it).</summary>
    public string Address => container.Address;

    /// <summary>The catalogue entries to publish: the named ones (an unknown name is a <see cref="ValidationException"/>),
    /// else the default set; <paramref name="fromDirectory"/> needs exactly one name.</summary>
    public static IReadOnlyList<ModelSpec> Resolve(IReadOnlyList<string> names, string? fromDirectory)
    {
        var unknown = names.Where(n => !ModelCatalog.TryGet(n, out _)).ToList();
        if (unknown.Count > 0)
            throw new ValidationException($"Unknown model name{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown)}. Valid names: {string.Join(", ", ModelCatalog.Names)}.");
        if (fromDirectory is not null && names.Count != 1)
            throw new ValidationException("Publishing a folder's files (--from) publishes one model: name exactly one.");
        return names.Count > 0 ? [.. names.Select(ModelCatalog.Get)] : [.. ModelCatalog.DefaultSet];
    }

    /// <summary>Publishes one model as <paramref name="actor"/>. A model that is not installed or is damaged, or a
    /// container that refuses, throws <see cref="ModelContainerException"/> once the failure is recorded. The audit
    /// run is written when the outcome is known (its start time is the publication's), because a run's arguments
    /// cannot change afterwards and a successful one names the version.</summary>
    public async Task<PublishedModel> PublishAsync(ModelSpec spec, string actor, string? fromDirectory = null, CancellationToken cancellationToken = default)
    {
        PublishedModel published;
        try
        {
            published = await new ModelPublisher(container, cacheRoot, log) { PublishedBy = actor }.PublishAsync(spec, fromDirectory, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await RecordAsync(spec, actor, fromDirectory, null, e.Message.Length <= 500 ? e.Message : e.Message[..500]);
            throw;
        }
        await RecordAsync(spec, actor, fromDirectory, published.Version, null);
        return published;
    }

    private async Task RecordAsync(ModelSpec spec, string actor, string? fromDirectory, string? version, string? error)
    {
        if (audit is null)
            return;
        var runs = audit.For(TenantId.Default).Runs;
        // Recorded even when the caller gave up: the container may already hold the new version.
        var run = await runs.StartAsync(RunKind, JsonSerializer.Serialize(new { model = spec.Name, version, container = container.Address, by = actor, from = fromDirectory }), 0, CancellationToken.None);
        await runs.FinishAsync(run, error is null ? RunState.Completed : RunState.Failed, error, CancellationToken.None);
    }

    /// <summary>What the container publishes now (empty when it holds no manifest yet).</summary>
    public async Task<IReadOnlyList<PublishedModel>> PublishedAsync(CancellationToken cancellationToken = default) =>
        (await container.ReadManifestAsync(cancellationToken))?.Manifest.Models ?? [];
}
