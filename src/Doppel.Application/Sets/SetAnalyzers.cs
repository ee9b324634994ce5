using System.Collections.Concurrent;
using Doppel.Jobs;
using Doppel.Vision.Embedding;

namespace Doppel.Application.Sets;

/// <summary>
/// The pipelines sets are processed with, one per model profile. A set records its profile when it opens (its group's
/// <see cref="GroupSettings.ModelProfile"/>, else <see cref="Active"/>) and is analysed, embedded and matched by
/// <see cref="For"/> of that profile from start to end, so its vectors are of one model version whatever changes meanwhile.
/// </summary>
public interface ISetAnalyzers
{
    /// <summary>The profile a set opens with when its group names none: the service's active one, read when asked
    /// (activating a profile takes effect for the next set without a restart). Null when the service runs one fixed
    /// pipeline that is no profile's.</summary>
    ModelProfile? Active { get; }

    /// <summary>The pipeline of <paramref name="profile"/> (null: <see cref="Active"/>'s).</summary>
    IImageAnalyzer For(ModelProfile? profile);
}

/// <summary>
/// One pipeline per profile, created at the first set that needs it and kept (two profiles exist, so at most two
/// pipelines stay open). <see cref="Active"/> reads the model cache's selection each time, which is what the admin
/// page's and <c>models install --profile</c>'s activation writes.
/// </summary>
public sealed class ProfileAnalyzers(Func<ModelProfile, IImageAnalyzer> create, Func<ModelProfile> active) : ISetAnalyzers, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IImageAnalyzer>> _open = new();

    public ModelProfile Active => active();

    public IImageAnalyzer For(ModelProfile? profile)
    {
        var chosen = profile ?? active();
        return _open.GetOrAdd(chosen.Name, _ => new Lazy<IImageAnalyzer>(() => create(chosen))).Value;
    }

    /// <summary>The profiles whose pipeline is open now.</summary>
    public IReadOnlyCollection<string> Opened => [.. _open.Where(p => p.Value.IsValueCreated).Select(p => p.Key).Order()];

    public void Dispose()
    {
        foreach (var analyzer in _open.Values.Where(v => v.IsValueCreated))
            analyzer.Value.Dispose();
        _open.Clear();
    }
}

/// <summary>
/// One pipeline for every set: a service started with an explicit <c>--model</c>, a worker's job (handed the pipeline of
/// the set's own profile), a test's scripted analyzer.
/// A set opened with a profile whose recogniser is another one is refused rather than run on the wrong model (an
/// analyzer that is no profile's recogniser, a scripted one, serves every set).
/// </summary>
public sealed class FixedSetAnalyzers(IImageAnalyzer analyzer) : ISetAnalyzers
{
    public ModelProfile? Active => ModelProfiles.All.FirstOrDefault(p => ModelOf(p) == analyzer.EmbeddingModel);

    public IImageAnalyzer For(ModelProfile? profile)
    {
        if (profile is not null && ModelOf(profile) != analyzer.EmbeddingModel && Active is not null)
            throw new ConflictException($"The set was opened with profile {profile.Name} ({profile.Embedder}); this process runs only {analyzer.EmbeddingModel}.");
        return analyzer;
    }

    /// <summary>The name a profile's vectors are stored under (an ensemble's members, weights dropped).</summary>
    private static string ModelOf(ModelProfile profile) => string.Join('+', EmbedderRegistry.Describe(profile.Embedder).Select(m => m.Spec.Name));
}
