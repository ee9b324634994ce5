using Doppel.Jobs;
using Doppel.Jobs.Persons;
using Doppel.Storage;
using Doppel.Vision;
using Doppel.Vision.Embedding;
using Serilog;

namespace Doppel.Cli.Infrastructure;

/// <summary>Recognise's first step for <c>recognize</c>, <c>recluster</c> and <c>run --all</c>: faces
/// stored without a vector of the model (found while another recogniser was chosen) get one, with
/// progress. Vectors made by an older recipe of the model (another version) are replaced too.</summary>
public static class CatalogEmbed
{
    /// <param name="loaded">The model, when the caller already has it open.</param>
    public static EmbedMissingOutcome EmbedMissing(ICatalog catalog, string model, IFaceEmbedder? loaded = null, CancellationToken cancellationToken = default)
    {
        ConsoleProgress? progress = null;
        var job = new EmbedMissingFacesJob(catalog)
        {
            OnMessage = message => { Console.Error.WriteLine(message); Log.Information("{Message}", message); },
            OnProgress = (done, total) => (progress ??= new ConsoleProgress("faces", total)).Report(done),
        };
        // The version depends on the embedder's settings, so the model is loaded (about a second) even
        // when every face turns out to have a current vector.
        using var owned = loaded is null ? EmbedderRegistry.Create(model) : null;
        var embedder = loaded ?? owned!;
        var version = FacePipelineAnalyzer.ModelVersionOf(embedder);
        if (job.FindMissing(model, version).Count == 0)
            return new EmbedMissingOutcome(0, 0, 0);
        EmbedMissingOutcome outcome;
        try
        {
            outcome = job.Run(embedder, version, cancellationToken);
        }
        finally
        {
            progress?.Dispose();
        }
        Console.WriteLine($"Embedded {outcome.Embedded} faces with {model}" +
                          $"{(outcome.Skipped > 0 ? $"; {outcome.Skipped} skipped (file gone, unreadable or changed)" : "")}.");
        return outcome;
    }
}
