using System.Text;

namespace Doppel.Matching.IO;

/// <summary>
/// Ground-truth identities as CSV lines <c>path,identity</c> (an optional header line
/// <c>path,identity</c>). Fields may be double-quoted (RFC 4180) so paths may hold commas.
/// </summary>
public static class LabelsCsv
{
    public static IReadOnlyDictionary<string, string> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Labels file '{path}' does not exist.", path);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var fields = SplitLine(line, path, lineNumber);
            if (fields.Count != 2)
                throw new InvalidDataException($"{path}:{lineNumber}: expected 2 fields 'path,identity', found {fields.Count}.");
            if (lineNumber == 1 && fields[0] == "path" && fields[1] == "identity")
                continue;
            if (fields[0].Length == 0 || fields[1].Length == 0)
                throw new InvalidDataException($"{path}:{lineNumber}: empty path or identity.");
            if (!labels.TryAdd(fields[0], fields[1]))
                throw new InvalidDataException($"{path}:{lineNumber}: '{fields[0]}' is labelled twice.");
        }
        return labels;
    }

    /// <summary>
    /// The labels keyed the way <paramref name="ids"/> are. A labels CSV lists paths relative to its own folder (LFW's
    /// <c>images/AJ_Cook/AJ_Cook_0001.jpg</c>), while a catalog's export names each vector by the absolute path it was
    /// scanned at (<c>doppel export embeddings</c>). When an id (or its path before <c>#</c>) is not a key but is the
    /// full path of one resolved against <paramref name="labelsFile"/>'s folder, every key is rekeyed to its full path;
    /// otherwise the labels come back as read, and <see cref="Metrics.ClusterEvaluation.IdentitiesOf"/> names what is missing.
    /// </summary>
    public static IReadOnlyDictionary<string, string> KeyedLike(IReadOnlyDictionary<string, string> labels, IReadOnlyList<string> ids, string labelsFile)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(ids);
        int Resolved(IReadOnlyDictionary<string, string> keyed) => ids.Count(id => Metrics.ClusterEvaluation.TryIdentityOf(id, keyed, out _));
        int asRead = Resolved(labels);
        if (asRead == ids.Count)
            return labels;
        var folder = Path.GetDirectoryName(Path.GetFullPath(labelsFile)) ?? ".";
        var full = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, identity) in labels)
            full.TryAdd(Path.IsPathRooted(key) ? key : Path.GetFullPath(Path.Combine(folder, key)), identity);
        return Resolved(full) > asRead ? full : labels;
    }

    public static void Write(string path, IEnumerable<KeyValuePair<string, string>> labels)
    {
        var sb = new StringBuilder("path,identity\n");
        foreach (var (key, identity) in labels)
            sb.Append(Quote(key)).Append(',').Append(Quote(identity)).Append('\n');
        File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;

    private static List<string> SplitLine(string line, string path, int lineNumber)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"' && current.Length == 0) quoted = true;
            else if (c == ',') { fields.Add(current.ToString()); current.Clear(); }
            else if (c != '\r') current.Append(c);
        }
        if (quoted)
            throw new InvalidDataException($"{path}:{lineNumber}: unterminated quote.");
        fields.Add(current.ToString());
        return fields;
    }
}
