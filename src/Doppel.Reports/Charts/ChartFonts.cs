using SkiaSharp;

namespace Doppel.Reports.Charts;

/// <summary>
/// The typefaces charts draw text with. The self-contained Skia natives carry no font lookup, so an
/// unloaded typeface would silently draw no text at all; instead a TrueType file is loaded explicitly:
/// <c>$DOPPEL_FONT</c>, else a common sans-serif from the system font folders, else any TTF found there.
/// </summary>
public static class ChartFonts
{
    private static readonly string[] RegularCandidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/lato/Lato-Regular.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/Library/Fonts/Arial.ttf",
        "C:/Windows/Fonts/arial.ttf",
    ];

    private static readonly string[] FontRoots = ["/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts"];

    private static readonly Lazy<(SKTypeface Regular, SKTypeface Bold)> Faces = new(Load);

    public static SKTypeface Regular => Faces.Value.Regular;

    public static SKTypeface Bold => Faces.Value.Bold;

    private static (SKTypeface, SKTypeface) Load()
    {
        var regularPath = FindRegular() ?? throw new InvalidOperationException(
            "No TrueType font found to draw chart text. Install one (Debian: apt-get install fonts-dejavu-core) or set DOPPEL_FONT to a .ttf file.");
        var regular = SKTypeface.FromFile(regularPath)
            ?? throw new InvalidOperationException($"The font {regularPath} could not be loaded; set DOPPEL_FONT to another .ttf file.");
        var boldPath = BoldSibling(regularPath);
        var bold = boldPath is null ? null : SKTypeface.FromFile(boldPath);
        return (regular, bold ?? regular);
    }

    private static string? FindRegular()
    {
        if (Environment.GetEnvironmentVariable("DOPPEL_FONT") is { Length: > 0 } configured)
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"DOPPEL_FONT points to {configured}, which does not exist.");
        var known = RegularCandidates.FirstOrDefault(File.Exists);
        if (known is not null)
            return known;
        foreach (var root in FontRoots.Where(Directory.Exists))
        {
            var any = Directory.EnumerateFiles(root, "*.ttf", SearchOption.AllDirectories)
                .OrderBy(f => Path.GetFileName(f).Contains("Sans", StringComparison.OrdinalIgnoreCase) ? 0 : 1)
                .ThenBy(f => f, StringComparer.Ordinal)
                .FirstOrDefault(f => !Path.GetFileName(f).Contains("Bold", StringComparison.OrdinalIgnoreCase));
            if (any is not null)
                return any;
        }
        return null;
    }

    private static string? BoldSibling(string regularPath)
    {
        var name = Path.GetFileNameWithoutExtension(regularPath);
        var dir = Path.GetDirectoryName(regularPath) ?? ".";
        string[] names = name.EndsWith("-Regular", StringComparison.Ordinal)
            ? [name[..^"-Regular".Length] + "-Bold"]
            : [name + "-Bold", name + "bd"];
        return names.Select(n => Path.Combine(dir, n + Path.GetExtension(regularPath))).FirstOrDefault(File.Exists);
    }
}
