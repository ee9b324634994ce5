using Doppel.Testing;

namespace Doppel.Vision.Tests.Support;

/// <summary>The LFW dev split in ../shared: image paths and the verification pairs.</summary>
internal static class Lfw
{
    public static string Root => SharedData.Require("data/lfw-dev");

    public static string[] AllImages() =>
        Directory.GetFiles(Path.Combine(Root, "images"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();

    public static string ImagePath(string name, int index) => Path.Combine(Root, "images", name, $"{name}_{index:0000}.jpg");

    /// <summary>Pairs of <c>pairsDevTrain.txt</c> or <c>pairsDevTest.txt</c>: (path a, path b, same person).</summary>
    public static List<(string A, string B, bool Same)> Pairs(string file)
    {
        var pairs = new List<(string, string, bool)>();
        foreach (var line in File.ReadLines(Path.Combine(Root, file)).Skip(1))
        {
            var f = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 3)
                pairs.Add((ImagePath(f[0], int.Parse(f[1])), ImagePath(f[0], int.Parse(f[2])), true));
            else if (f.Length == 4)
                pairs.Add((ImagePath(f[0], int.Parse(f[1])), ImagePath(f[2], int.Parse(f[3])), false));
        }
        return pairs;
    }
}
