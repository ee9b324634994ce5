using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;

namespace Doppel.Vision.Tests.Support;

/// <summary>Every LFW dev image through the default pipeline once per embedder configuration,
/// shared by the tests that need it (the run is the expensive part).</summary>
internal static class LfwRun
{
    private static readonly Dictionary<string, Lazy<IReadOnlyDictionary<string, ImageAnalysis>>> Runs = new();

    public static IReadOnlyDictionary<string, ImageAnalysis> Get(EmbedderSpec spec, EmbedderOptions options)
    {
        var key = $"{spec.Name}|{spec.Template.Name}|{spec.NormIsQuality}|{options.FlipTta}|{options.Jitters}|{options.Precision}";
        Lazy<IReadOnlyDictionary<string, ImageAnalysis>> run;
        lock (Runs)
        {
            if (!Runs.TryGetValue(key, out run!))
                Runs[key] = run = new Lazy<IReadOnlyDictionary<string, ImageAnalysis>>(() =>
                {
                    // LFW protocol: the labelled person is the centred face.
                    using var pipeline = new FacePipeline(Doppel.Vision.Detection.DetectorRegistry.Create(Doppel.Vision.Detection.DetectorRegistry.Default), [new OnnxFaceEmbedder(spec, options)],
                        new FacePipelineOptions { SeveralFaces = SeveralFacesPolicy.KeepCentral });
                    return pipeline.AnalyzeMany(Lfw.AllImages()).ToDictionary(a => a.Path);
                });
        }
        return run.Value;
    }

    /// <summary>Cosine scores of the pairs in <paramref name="pairsFile"/>; a pair with an image
    /// without a face scores -1 (counted as "different", as a failed match would be).</summary>
    public static List<(float Score, bool Same)> Score(IReadOnlyDictionary<string, ImageAnalysis> run, string embedder, string pairsFile) =>
        Lfw.Pairs(pairsFile).Select(p =>
        {
            var a = run[p.A].Faces.FirstOrDefault();
            var b = run[p.B].Faces.FirstOrDefault();
            float score = a is null || b is null ? -1f : Verification.Cosine(a.Embeddings[embedder], b.Embeddings[embedder]);
            return (score, p.Same);
        }).ToList();
}
