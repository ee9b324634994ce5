using Doppel.Jobs;
using Doppel.Vision;

namespace Doppel.Application.Recognition;

/// <summary>The face a synchronous call (verify, identify) compares: its vector under the analyzer's model, where it
/// is, and the image's status.</summary>
public sealed record ProbeFace(float[] Vector, BoxF Box, float DetectorScore, string Status)
{
    /// <summary>Runs the pipeline on one image file and keeps the face the pipeline keeps (the largest, by default).
    /// <see cref="ValidationException"/> when the image gives no usable face (its status says why).</summary>
    public static async Task<ProbeFace> AnalyseAsync(IImageAnalyzer analyzer, string path, string what, CancellationToken cancellationToken)
    {
        var analysis = await Task.Run(() => analyzer.Analyze([path], cancellationToken).Single(), cancellationToken).ConfigureAwait(false);
        var face = analysis.Faces.FirstOrDefault();
        if (face is null || !face.Embeddings.TryGetValue(analyzer.EmbeddingModel, out var vector))
            throw new ValidationException($"{what} has no usable face (status {analysis.Status.ToCode()}{(analysis.Detail is { Length: > 0 } d ? $": {d}" : "")}).");
        return new ProbeFace(vector, face.Detection.Box, face.Detection.Score, analysis.Status.ToCode());
    }

    /// <summary>The cosine of two L2-normalised vectors (the analyzer's output).</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new InvalidOperationException($"Vectors of {a.Length} and {b.Length} dimensions cannot be compared.");
        return System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
    }
}
