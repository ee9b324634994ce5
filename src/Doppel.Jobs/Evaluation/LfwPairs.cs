namespace Doppel.Jobs.Evaluation;

/// <summary>One LFW verification pair: two image paths relative to the images folder, and whether
/// they show the same person. <see cref="Fold"/> is the View 2 fold (0-based), or 0 for a dev file.</summary>
public sealed record LfwPair(string ImageA, string ImageB, bool Same, int Fold);

/// <summary>
/// Reads LFW pairs files. Two layouts exist: View 1 (the development split, <c>pairsDevTrain.txt</c> /
/// <c>pairsDevTest.txt</c>) starts with one number N then N same-person lines and N different-person
/// lines; View 2 (<c>pairs.txt</c>) starts with "folds n" then, per fold, n same then n different lines.
/// A same line is <c>name i j</c>; a different line is <c>name1 i name2 j</c>. Images are
/// <c>name/name_000i.jpg</c>.
/// </summary>
public static class LfwPairs
{
    public sealed record PairsFile(IReadOnlyList<LfwPair> Pairs, int Folds);

    public static PairsFile Read(string path) => Parse(File.ReadAllLines(path), path);

    public static PairsFile Parse(IReadOnlyList<string> lines, string source = "pairs")
    {
        var content = lines.Where(l => l.Trim().Length > 0).ToList();
        if (content.Count == 0)
            throw new FormatException($"{source}: empty pairs file.");
        var header = Split(content[0]);
        int folds, perSide;
        if (header.Length == 1 && int.TryParse(header[0], out perSide))
            folds = 1;
        else if (header.Length == 2 && int.TryParse(header[0], out folds) && int.TryParse(header[1], out perSide))
        { }
        else
            throw new FormatException($"{source}: first line must be 'N' (View 1) or 'folds N' (View 2), got '{content[0]}'.");

        int expected = folds * perSide * 2;
        if (content.Count - 1 != expected)
            throw new FormatException($"{source}: header promises {expected} pairs, file has {content.Count - 1}.");

        var pairs = new List<LfwPair>(expected);
        int line = 1;
        for (int fold = 0; fold < folds; fold++)
            for (int side = 0; side < 2; side++)
                for (int k = 0; k < perSide; k++, line++)
                {
                    var f = Split(content[line]);
                    pairs.Add(side == 0
                        ? f.Length == 3 ? new LfwPair(ImagePath(f[0], f[1]), ImagePath(f[0], f[2]), true, fold)
                            : throw new FormatException($"{source}:{line + 1}: expected 'name i j', got '{content[line]}'.")
                        : f.Length == 4 ? new LfwPair(ImagePath(f[0], f[1]), ImagePath(f[2], f[3]), false, fold)
                            : throw new FormatException($"{source}:{line + 1}: expected 'name1 i name2 j', got '{content[line]}'."));
                }
        return new PairsFile(pairs, folds);
    }

    public static string ImagePath(string name, string index) =>
        int.TryParse(index, out var i) ? $"{name}/{name}_{i:0000}.jpg" : throw new FormatException($"Bad image index '{index}' for {name}.");

    private static string[] Split(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
