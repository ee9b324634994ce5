using Doppel.Vision;
using Doppel.Vision.Pipeline;

namespace Doppel.Jobs.Evaluation;

/// <summary>Runs the face pipeline over image files and keeps, per file, the vector of its selected
/// face (null when the image yielded none): what the evaluation protocols score.</summary>
public static class PipelineEmbeddings
{
    public static IReadOnlyDictionary<string, float[]?> Embed(FacePipeline pipeline, IReadOnlyList<string> paths, Action<int, int>? onProgress = null)
    {
        var model = pipeline.Embedders[0].Name;
        var result = new Dictionary<string, float[]?>(paths.Count, StringComparer.Ordinal);
        foreach (var analysis in pipeline.AnalyzeManyAsync(paths).ToBlockingEnumerable())
        {
            var face = analysis.Status is ImageStatus.Ok or ImageStatus.SeveralFaces ? analysis.Faces.FirstOrDefault() : null;
            result[analysis.Path] = face is not null && face.Embeddings.TryGetValue(model, out var v) ? v : null;
            onProgress?.Invoke(result.Count, paths.Count);
        }
        return result;
    }
}
