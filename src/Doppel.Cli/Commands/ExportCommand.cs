using System.CommandLine;
using Doppel.Cli.Infrastructure;
using Doppel.Matching.IO;
using Doppel.Storage.Sqlite;
using Doppel.Vision.Embedding;

namespace Doppel.Cli.Commands;

/// <summary><c>doppel export embeddings</c>: every stored face vector of one model, as a .npy matrix
/// with a .ids.txt beside it, or as JSONL <c>{"id","vector"}</c>. Ids are <c>PATH#FACE_INDEX</c>, so
/// <c>doppel eval cluster</c> can score them against a labels CSV keyed by path.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "Catalog database file.", DefaultValueFactory = _ => "doppel.db" };
        var model = new Option<string>("--model") { Description = "Embedding model whose vectors to export.", DefaultValueFactory = _ => ModelProfiles.Selected().Embedder };
        var format = new Option<string>("--format") { Description = "npy (matrix + .ids.txt) or jsonl.", DefaultValueFactory = _ => "npy" };
        format.AcceptOnlyFromAmong("npy", "jsonl");
        var output = new Option<string>("--out") { Description = "Output file.", Required = true };
        var embeddings = new Command("embeddings", "Write every stored face vector of a model to a file.") { db, model, format, output };
        embeddings.SetAction(parse =>
        {
            using var catalog = CatalogCommands.OpenExisting(parse.GetValue(db)!);
            var path = catalog.ListMedia().ToDictionary(m => m.Id, m => m.Path);
            var faces = catalog.ListFaces().ToDictionary(f => f.Id);
            var ids = new List<string>();
            var data = new List<float>();
            int dimension = 0;
            foreach (var e in catalog.ReadEmbeddings(parse.GetValue(model)!))
            {
                var face = faces[e.FaceId];
                ids.Add($"{path[face.MediaId]}#{face.FaceIndex}");
                data.AddRange(e.Vector);
                dimension = e.Dimension;
            }
            if (ids.Count == 0)
                throw new ArgumentException($"The catalog holds no '{parse.GetValue(model)}' vectors.");
            var set = new EmbeddingSet(ids, [.. data], dimension);
            var file = parse.GetValue(output)!;
            if (parse.GetValue(format) == "jsonl")
                EmbeddingFiles.WriteJsonl(set, file);
            else
                EmbeddingFiles.WriteNpy(set, file);
            Console.WriteLine($"Wrote {ids.Count} vectors of dimension {dimension} to {file}.");
        });
        return new Command("export", "Export data from the catalog.") { embeddings };
    }
}
