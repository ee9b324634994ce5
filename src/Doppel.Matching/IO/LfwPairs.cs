using System.Globalization;

namespace Doppel.Matching.IO;

/// <summary>One verification pair: two image paths (relative, <c>images/Name/Name_0001.jpg</c>) and whether they show one person.</summary>
public readonly record struct ImagePair(string PathA, string PathB, bool Same);

/// <summary>
/// LFW pair lists (pairsDevTrain.txt, pairsDevTest.txt, pairs.txt). The first line is either
/// <c>N</c> (one set: N same pairs then N different pairs) or <c>folds N</c> (View 2: per fold N
/// same then N different). Same pairs are <c>name i j</c>, different pairs <c>name1 i name2 j</c>.
/// </summary>
public static class LfwPairs
{
    /// <summary>The pairs in file order, with the fold of each (0 for the single-set files).</summary>
    public static (IReadOnlyList<ImagePair> Pairs, int[] Folds) Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Pairs file '{path}' does not exist.", path);
        var lines = File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
        if (lines.Count == 0)
            throw new InvalidDataException($"{path}: empty.");
        var head = lines[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int folds, perSide;
        if (head.Length == 1 && int.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out perSide))
            folds = 1;
        else if (head.Length == 2 && int.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out folds)
                 && int.TryParse(head[1], NumberStyles.None, CultureInfo.InvariantCulture, out perSide))
        { }
        else
            throw new InvalidDataException($"{path}:1: expected 'N' or 'FOLDS N', found '{lines[0]}'.");
        int expected = folds * perSide * 2;
        if (lines.Count - 1 != expected)
            throw new InvalidDataException($"{path}: header promises {expected} pairs, found {lines.Count - 1}.");

        var pairs = new List<ImagePair>(expected);
        var foldOf = new int[expected];
        for (int k = 0; k < expected; k++)
        {
            int lineNumber = k + 2;
            var f = lines[k + 1].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            bool same = k % (2 * perSide) < perSide;
            pairs.Add(same switch
            {
                true when f.Length == 3 => new ImagePair(ImagePath(f[0], f[1], path, lineNumber), ImagePath(f[0], f[2], path, lineNumber), true),
                false when f.Length == 4 => new ImagePair(ImagePath(f[0], f[1], path, lineNumber), ImagePath(f[2], f[3], path, lineNumber), false),
                _ => throw new InvalidDataException(
                    $"{path}:{lineNumber}: expected a {(same ? "same pair 'name i j'" : "different pair 'name1 i name2 j'")}, found '{lines[k + 1]}'."),
            });
            foldOf[k] = k / (2 * perSide);
        }
        return (pairs, foldOf);
    }

    /// <summary><c>images/Name/Name_0007.jpg</c> for name "Name" and number 7, as the LFW folders are laid out.</summary>
    public static string ImagePath(string name, string number, string file = "", int line = 0)
    {
        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            throw new InvalidDataException($"{file}:{line}: image number '{number}' is not a positive integer.");
        return $"images/{name}/{name}_{n:D4}.jpg";
    }
}
