using System.CommandLine;
using Doppel.Vision.Quality;

namespace Doppel.Cli.Infrastructure;

/// <summary><c>--quality NAME</c> (which assessor scores each face) and <c>--min-quality Q</c> (faces
/// below it are reported as <c>low_quality</c> and not matched), shared by dedup, recognise and the
/// quality evaluation.</summary>
public sealed class QualityOptions
{
    public Option<string> Quality { get; } = new("--quality")
    {
        Description = $"Face-quality assessor: {string.Join(", ", QualityRegistry.Names)} (default {QualityRegistry.Default}; see docs/benchmarks.md).",
        DefaultValueFactory = _ => QualityRegistry.Default,
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

    /// <summary>The assessor names given (comma-separated), canonical, in order.</summary>
    public IReadOnlyList<string> Names(ParseResult parse) =>
        (parse.GetValue(Quality) ?? QualityRegistry.Default).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(QualityRegistry.Canonical).Distinct().ToList();
}
