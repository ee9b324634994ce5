using Doppel.Application.Ingest;
using Doppel.Jobs.Ingest;
using Doppel.Jobs;
using Doppel.Jobs.Persons;
using Doppel.Storage;
using Doppel.Vision;
using Doppel.Vision.Embedding;
using Serilog;

namespace Doppel.Cli.Infrastructure;

/// <summary>Recognise's first step for <c>recognize</c>, <c>recluster</c> and <c>run --all</c>: faces
/// stored without a vector of the model (found while another recogniser was chosen) get one, with
/// progress. Vectors made by an older recipe of the model (another version) are replaced too. The
/// version comes from the catalogue, so the model is opened only when some face needs a vector.</summary>
public static class CatalogEmbed
{
    /// <summary>For <paramref name="model"/> with default settings, through the application's handler (any engine).</summary>
    public static async Task<EmbedMissingOutcome> EmbedMissingAsync(IDoppelDatabase db, string model, CancellationToken cancellationToken = default)
    {
        var version = FacePipelineAnalyzer.ModelVersionOf(model, new EmbedderOptions());
        IFaceEmbedder? created = null;
        ConsoleProgress? progress = null;
        try
        {
            var outcome = await new EmbedMissingHandler(db, TenantId.Default, LocalFolderMediaStore.Instance)
            {
                OnMessage = message => { Console.Error.WriteLine(message); Log.Information("{Message}", message); },
                OnProgress = (done, total) => (progress ??= new ConsoleProgress("faces", total)).Report(done),
            }.HandleAsync(EmbedderRegistry.StoredName(model), version, () => created = EmbedderRegistry.Create(model), null, null, cancellationToken);
            progress?.Dispose();
            if (outcome.Missing > 0)
                Console.WriteLine($"Embedded {outcome.Embedded} faces with {model}" +
                                  $"{(outcome.Skipped > 0 ? $"; {outcome.Skipped} skipped (file gone, unreadable or changed)" : "")}.");
            return outcome;
        }
        finally
        {
            progress?.Dispose();
            created?.Dispose();
        }
    }
}
