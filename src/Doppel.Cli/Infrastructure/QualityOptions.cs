using System.CommandLine;
using Doppel.Vision.Quality;

namespace Doppel.Cli.Infrastructure;

/// <summary><c>--quality NAME</c> (which assessor scores each face) and <c>--min-quality Q</c> (faces
/// below it are reported as <c>low_quality</c> and not matched), shared by dedup, recognise and the
/// quality evaluation.</summary>
public sealed class QualityOptions
{
    public Option<string?> Quality { get; } = new("--quality")
    {
        Description = $"Face-quality assessor: {string.Join(", ", QualityRegistry.Names)}. Default: the recogniser profile's "
            + $"({QualityRegistry.MobileFaceNetNorm} for mobilefacenet-192 and the accurate profile, {QualityRegistry.Default} otherwise; see docs/benchmarks.md).",
    };

    public Option<float?> MinQuality { get; } = new("--min-quality")
    {
        Description = "Faces whose quality (0-1) is below this are not matched; an image with no face left gets status low_quality.",
    };

    public QualityOptions(bool withMinimum = true)
    {
        Quality.Validators.Add(result =>
        {
            foreach (var name in (result.GetValueOrDefault<string>() ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                if (!QualityRegistry.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
                    result.AddError($"Unknown quality assessor '{name}'; known: {string.Join(", ", QualityRegistry.Names)}.");
        });
        MinQuality.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<float?>() is { } q && !(q >= 0 && q <= 1))
                result.AddError("--min-quality must be between 0 and 1.");
        });
        _withMinimum = withMinimum;
    }

    private readonly bool _withMinimum;

    public void AddTo(Command command)
    {
        command.Options.Add(Quality);
        if (_withMinimum) command.Options.Add(MinQuality);
    }

    /// <summary>The assessor names given (comma-separated), canonical, in order; none given: the one of
    /// <paramref name="model"/>'s recognition profile (<see cref="QualityRegistry.DefaultFor"/>).</summary>
    public IReadOnlyList<string> Names(ParseResult parse, string model) =>
        (parse.GetValue(Quality) ?? QualityRegistry.DefaultFor(model)).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(QualityRegistry.Canonical).Distinct().ToList();

    /// <summary>The recipe with the assessors asked for (or its recogniser's default) added.</summary>
    public Doppel.Jobs.FacePipelineRecipe Apply(ParseResult parse, Doppel.Jobs.FacePipelineRecipe recipe) =>
        recipe with { Qualities = Names(parse, recipe.Embedder) };
}
