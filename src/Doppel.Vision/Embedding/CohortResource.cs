using Doppel.Matching;

namespace Doppel.Vision.Embedding;

/// <summary>
/// A <see cref="ReferenceCohort"/> shipped inside this assembly (<c>Embedding/Cohorts/NAME.cohort</c>, made by
/// <c>bench/peers/make_cohort.py</c>) with the sha256 it must have: it is checked once, at first use, and a
/// file that does not match is an error rather than a silent change of every score.
/// </summary>
public sealed class CohortResource(string name, string sha256)
{
    private readonly Lazy<ReferenceCohort> _cohort = new(() => Load(name, sha256));

    /// <summary>File name under Embedding/Cohorts.</summary>
    public string Name { get; } = name;

    public string Sha256 { get; } = sha256;

    public ReferenceCohort Cohort => _cohort.Value;

    private static ReferenceCohort Load(string name, string sha256)
    {
        var assembly = typeof(CohortResource).Assembly;
        using var stream = assembly.GetManifestResourceStream($"Doppel.Vision.Cohorts.{name}")
            ?? throw new InvalidOperationException($"Reference cohort {name} is not embedded in {assembly.GetName().Name}.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return ReferenceCohort.Read(buffer.ToArray(), sha256, name);
    }
}
