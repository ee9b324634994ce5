using System.CommandLine;
using System.Globalization;

namespace Doppel.Cli.Infrastructure;

/// <summary>
/// Range rules for numeric options, checked while the command line is parsed: a value out of range is
/// one <c>error:</c> line and exit 1 before any file is read or model opened (a negative threshold
/// used to make one group of everything, <c>--times -1</c> to run forever).
/// </summary>
public static class OptionRules
{
    /// <summary>The value must be a finite number in [min, max] (or (min, max] with <paramref name="minExclusive"/>).</summary>
    public static Option<float> Between(this Option<float> option, float min, float max, bool minExclusive = false)
    {
        option.Validators.Add(result =>
        {
            if (TryParsed(result, out float value))
                Check(result, option.Name, value, min, max, minExclusive);
        });
        return option;
    }

    /// <inheritdoc cref="Between(Option{float}, float, float, bool)"/>
    public static Option<float?> Between(this Option<float?> option, float min, float max, bool minExclusive = false)
    {
        option.Validators.Add(result =>
        {
            if (TryParsed(result, out float? parsed) && parsed is { } value)
                Check(result, option.Name, value, min, max, minExclusive);
        });
        return option;
    }

    /// <summary>The value must be at least <paramref name="min"/>.</summary>
    public static Option<int> AtLeast(this Option<int> option, int min)
    {
        option.Validators.Add(result =>
        {
            if (TryParsed(result, out int value) && value < min)
                result.AddError($"{option.Name} must be at least {min}, got {value}.");
        });
        return option;
    }

    /// <summary>The option's value, or null when it did not parse (System.CommandLine reports that
    /// error itself; asking for the value would throw).</summary>
    private static bool TryParsed<T>(System.CommandLine.Parsing.OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    private static void Check(System.CommandLine.Parsing.OptionResult result, string name, float value, float min, float max, bool minExclusive)
    {
        bool below = minExclusive ? value <= min : value < min;
        if (float.IsFinite(value) && !below && value <= max)
            return;
        var range = $"{(minExclusive ? "(" : "[")}{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]";
        result.AddError($"{name} must be a number in {range}, got {value.ToString(CultureInfo.InvariantCulture)}.");
    }
}
