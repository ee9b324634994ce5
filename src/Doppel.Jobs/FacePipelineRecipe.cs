using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;

namespace Doppel.Jobs;

/// <summary>
/// Which models and settings make a face pipeline, by name: enough to know the detector's name and
/// the embeddings' model and version without opening a model (they come from the catalogue), so a
/// job that finds nothing to do never pays the second it takes to load them, nor needs them installed.
/// Unknown names fail here, at once; a model that is not installed only when it is built.
/// </summary>
public sealed record FacePipelineRecipe
{
    public FacePipelineRecipe(string detector, string embedder)
    {
        Detector = DetectorRegistry.CanonicalName(detector);
        Embedder = embedder;
        // Reads the catalogue entries: an unknown recogniser or a bad weight is reported now.
        _ = EmbedderRegistry.Describe(embedder);
    }

    /// <summary>Detector name as its detector reports it ("blazeface-back", "ultraface-rfb320+faceplugin-landmark68").</summary>
    public string Detector { get; }

    /// <summary>Recogniser or ensemble ("a+b", "a*2+b").</summary>
    public string Embedder { get; }

    /// <summary>The detector's score threshold; null = its own.</summary>
    public float? DetectorScore { get; init; }

    public EmbedderOptions EmbedderOptions { get; init; } = new();

    public FacePipelineOptions Options { get; init; } = new();

    /// <summary>Quality assessors (<see cref="Doppel.Vision.Quality.QualityRegistry"/> names) run on every
    /// kept face; the first one's score is the face's stored quality.</summary>
    public IReadOnlyList<string> Qualities { get; init; } = [];

    /// <summary>The name embeddings are stored under: the members' names joined by "+", as the built embedder reports it.</summary>
    public string EmbeddingModel => EmbedderRegistry.StoredName(Embedder);

    /// <summary>The version of the vectors the built embedder makes (<see cref="FacePipelineAnalyzer.ModelVersionOf(string, EmbedderOptions)"/>).</summary>
    public string EmbeddingModelVersion => FacePipelineAnalyzer.ModelVersionOf(Embedder, EmbedderOptions);

    /// <summary>The same pipeline with another recogniser (a model profile's), every other setting kept.</summary>
    public FacePipelineRecipe WithEmbedder(string embedder) =>
        new(Detector, embedder) { DetectorScore = DetectorScore, EmbedderOptions = EmbedderOptions, Options = Options, Qualities = Qualities };

    /// <summary>Opens the models; throws <see cref="Doppel.Models.ModelNotInstalledException"/> naming the install command when one is missing.</summary>
    public FacePipeline Build()
    {
        var detector = DetectorRegistry.Create(Detector, DetectorScore);
        try
        {
            var embedder = EmbedderRegistry.Create(Embedder, EmbedderOptions);
            var qualities = new List<Doppel.Vision.Quality.IFaceQuality>();
            try
            {
                foreach (var name in Qualities)
                    qualities.Add(Doppel.Vision.Quality.QualityRegistry.Create(name, embedder, EmbedderOptions));
                return new FacePipeline(detector, [embedder], Options) { Qualities = qualities };
            }
            catch
            {
                foreach (var q in qualities) q.Dispose();
                embedder.Dispose();
                throw;
            }
        }
        catch
        {
            detector.Dispose();
            throw;
        }
    }
}
