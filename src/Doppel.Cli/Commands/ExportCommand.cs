using System.CommandLine;
using Doppel.Cli.Infrastructure;
using Doppel.Application.Export;
using Doppel.Storage;
using Doppel.Vision.Embedding;

namespace Doppel.Cli.Commands;

/// <summary><c>doppel export embeddings</c>: every stored face vector of one model, as a .npy matrix
/// with a .ids.txt beside it, or as JSONL <c>{"id","vector"}</c>. Ids are <c>PATH#FACE_INDEX</c>, so
/// <c>doppel eval cluster</c> can score them against a labels CSV keyed by path.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var db = new Option<string>("--db") { Description = "Catalog (SQLite file or postgres://...; default $DOPPEL_DB, else doppel.db).", DefaultValueFactory = _ => Doppel.Application.CatalogDatabases.Setting(null, "doppel.db") };
        var model = new Option<string>("--model") { Description = "Embedding model whose vectors to export.", DefaultValueFactory = _ => ModelProfiles.Selected().Embedder };
        var format = new Option<string>("--format") { Description = "npy (matrix + .ids.txt) or jsonl.", DefaultValueFactory = _ => "npy" };
        format.AcceptOnlyFromAmong("npy", "jsonl");
        var output = new Option<string>("--out") { Description = "Output file.", Required = true };
        var embeddings = new Command("embeddings", "Write every stored face vector of a model to a file.") { db, model, format, output };
        embeddings.SetAction(parse =>
        {
            var file = parse.GetValue(output)!;
            var (count, dimension) = Task.Run(async () =>
            {
                await using var catalog = await CatalogCommands.OpenExistingAsync(parse.GetValue(db)!);
                return await new ExportEmbeddingsHandler(catalog.For(TenantId.Default)).HandleAsync(EmbedderRegistry.StoredName(parse.GetValue(model)!), parse.GetValue(format)!, file);
            }).GetAwaiter().GetResult();
            Console.WriteLine($"Wrote {count} vectors of dimension {dimension} to {file}.");
        });
        return new Command("export", "Export data from the catalog.") { embeddings };
    }
}
