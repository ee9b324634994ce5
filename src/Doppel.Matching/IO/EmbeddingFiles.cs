using System.Text;
using System.Text.Json;

namespace Doppel.Matching.IO;

/// <summary>
/// Reads and writes embeddings in the two exchange formats: a <c>.npy</c> matrix with its ids
/// beside it (<c>NAME.ids.txt</c>, one id per line, or a JSONL file whose lines carry <c>"id"</c>),
/// and JSONL with one <c>{"id": "...", "vector": [...]}</c> object per line.
/// </summary>
public static class EmbeddingFiles
{
    /// <summary>
    /// Reads <paramref name="path"/> (<c>.npy</c> or <c>.jsonl</c>). For <c>.npy</c> the ids come from
    /// <paramref name="idsPath"/> when given, else from <c>NAME.ids.txt</c> next to it.
    /// </summary>
    public static EmbeddingSet Read(string path, string? idsPath = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Embeddings file '{path}' does not exist.", path);
        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            var matrix = NpyMatrix.Read(path);
            idsPath ??= DefaultIdsPath(path);
            if (!File.Exists(idsPath))
                throw new FileNotFoundException(
                    $"Ids file '{idsPath}' for '{path}' does not exist; write one id per line (row order) or pass the ids file explicitly.", idsPath);
            var ids = idsPath.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? ReadJsonlIds(idsPath) : ReadIdLines(idsPath);
            if (ids.Count != matrix.Rows)
                throw new InvalidDataException($"'{idsPath}' has {ids.Count} ids but '{path}' has {matrix.Rows} rows.");
            return new EmbeddingSet(ids, matrix.Data, Math.Max(matrix.Columns, 1));
        }
        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase))
            return ReadJsonl(path);
        throw new ArgumentException($"'{path}': embeddings must be a .npy (with NAME.ids.txt) or a .jsonl file.", nameof(path));
    }

    /// <summary><c>emb.npy</c> → <c>emb.ids.txt</c>.</summary>
    public static string DefaultIdsPath(string npyPath) => Path.ChangeExtension(npyPath, ".ids.txt");

    /// <summary>Writes <c>.npy</c> (float32) and its <c>NAME.ids.txt</c>.</summary>
    public static void WriteNpy(EmbeddingSet set, string npyPath)
    {
        foreach (var id in set.Ids)
            if (id.Contains('\n') || id.Contains('\r'))
                throw new ArgumentException($"Id '{id}' contains a line break and cannot go in an ids file; use JSONL.");
        new NpyMatrix(set.Vectors, set.Count, set.Dimension).Write(npyPath);
        File.WriteAllLines(DefaultIdsPath(npyPath), set.Ids, new UTF8Encoding(false));
    }

    public static void WriteJsonl(EmbeddingSet set, string path)
    {
        using var stream = File.Create(path);
        var options = new JsonWriterOptions { Indented = false, SkipValidation = false };
        for (int i = 0; i < set.Count; i++)
        {
            using (var writer = new Utf8JsonWriter(stream, options))
            {
                writer.WriteStartObject();
                writer.WriteString("id", set.Ids[i]);
                writer.WriteStartArray("vector");
                foreach (var v in set.Row(i))
                    writer.WriteNumberValue(v);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        }
    }

    private static EmbeddingSet ReadJsonl(string path)
    {
        var ids = new List<string>();
        var values = new List<float>();
        int dimension = -1;
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var (id, vector) = ParseLine(line, path, lineNumber, requireVector: true);
            if (dimension < 0)
                dimension = vector!.Count;
            else if (vector!.Count != dimension)
                throw new InvalidDataException($"{path}:{lineNumber}: vector has {vector.Count} values, earlier lines have {dimension}.");
            ids.Add(id);
            values.AddRange(vector);
        }
        if (dimension <= 0)
            throw new InvalidDataException($"{path}: no embeddings found.");
        return new EmbeddingSet(ids, values.ToArray(), dimension);
    }

    private static List<string> ReadJsonlIds(string path)
    {
        var ids = new List<string>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (!string.IsNullOrWhiteSpace(line))
                ids.Add(ParseLine(line, path, lineNumber, requireVector: false).Id);
        }
        return ids;
    }

    private static List<string> ReadIdLines(string path)
    {
        var ids = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            var id = line.TrimEnd('\r');
            if (id.Length > 0)
                ids.Add(id);
        }
        return ids;
    }

    private static (string Id, List<float>? Vector) ParseLine(string line, string path, int lineNumber, bool requireVector)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var idElement))
                throw new InvalidDataException($"{path}:{lineNumber}: expected an object with \"id\".");
            var id = idElement.ValueKind switch
            {
                JsonValueKind.String => idElement.GetString()!,
                JsonValueKind.Number => idElement.GetRawText(),
                _ => throw new InvalidDataException($"{path}:{lineNumber}: \"id\" must be a string or a number."),
            };
            if (!requireVector)
                return (id, null);
            if (!root.TryGetProperty("vector", out var vectorElement) || vectorElement.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{path}:{lineNumber}: expected \"vector\": [numbers].");
            var vector = new List<float>(vectorElement.GetArrayLength());
            foreach (var v in vectorElement.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number)
                    throw new InvalidDataException($"{path}:{lineNumber}: \"vector\" holds a non-number: {v.GetRawText()}.");
                vector.Add(v.GetSingle());
            }
            if (vector.Count == 0)
                throw new InvalidDataException($"{path}:{lineNumber}: \"vector\" is empty.");
            return (id, vector);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{lineNumber}: not valid JSON ({e.Message}).", e);
        }
    }
}
