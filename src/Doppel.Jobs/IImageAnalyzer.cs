using Doppel.Vision;

namespace Doppel.Jobs;

/// <summary>
/// The face pipeline as the jobs see it: files in, <see cref="ImageAnalysis"/> out, streamed as
/// they complete (in any order). Lets the jobs be tested and reused without knowing which
/// detector or embedder runs.
/// </summary>
public interface IImageAnalyzer : IDisposable
{
    string DetectorName { get; }

    /// <summary>The name embeddings are stored under (catalogue name of the embedder or ensemble).</summary>
    string EmbeddingModel { get; }

    /// <summary>Changes when the model's file or preprocessing changes, so stale vectors are noticed.</summary>
    string EmbeddingModelVersion { get; }

    /// <summary>The recogniser behind <see cref="EmbeddingModel"/>, for faces stored earlier without one of its vectors.</summary>
    IFaceEmbedder Embedder { get; }

    /// <summary>Opens the models now if they are not open yet. Jobs call it once they know there is
    /// work, before recording a run, so a model that is not installed fails before anything is written;
    /// an analyzer that is never asked to analyse or load may open no model at all.</summary>
    void Load();

    /// <summary>The model's calibrated cosine threshold for "same person".</summary>
    float DefaultThreshold { get; }

    /// <summary>The recogniser as a pipeline names it, an ensemble's weights kept ("a*2+b"): what
    /// <see cref="Doppel.Vision.Embedding.RecognitionProfiles.For"/> and <see cref="FacePipelineRecipe.WithEmbedder"/> take, and
    /// what a queued set records so every worker scores and embeds it the same. The default is the stored name.</summary>
    string Recogniser => EmbeddingModel;

    /// <summary>The recogniser's thresholds, score normalisation and calibration. The default reads the
    /// stored name, which drops an ensemble's weights; an analyzer that knows them says so.</summary>
    Doppel.Vision.Embedding.RecognitionProfile Profile => Doppel.Vision.Embedding.RecognitionProfiles.For(EmbeddingModel);

    IEnumerable<ImageAnalysis> Analyze(IReadOnlyList<string> paths, CancellationToken cancellationToken = default);

    /// <summary>Analyses images read from the caller's media store: each source is opened once, and each result
    /// carries the content hash and size of exactly the bytes it analysed (<see cref="ImageAnalysis.ContentHash"/>;
    /// null when the source could not be read), so a job reads an image once and never stores an analysis under
    /// the hash of other bytes.</summary>
    IEnumerable<ImageAnalysis> Analyze(IReadOnlyList<Doppel.Vision.Decoding.ImageSource> sources, CancellationToken cancellationToken = default);
}
