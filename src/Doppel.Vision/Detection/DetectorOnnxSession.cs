using Microsoft.ML.OnnxRuntime;

namespace Doppel.Vision.Detection;

/// <summary>
/// ONNX Runtime sessions for the small detector/landmark nets. Spinning is off because several
/// sessions share two cores with the rest of the pipeline: spinning pools made it 2-4x slower.
/// </summary>
internal static class DetectorOnnxSession
{
    public static InferenceSession Open(string modelPath, int intraOpThreads)
    {
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"ONNX model not found: {modelPath}", modelPath);
        if (intraOpThreads < 1)
            throw new ArgumentOutOfRangeException(nameof(intraOpThreads), intraOpThreads, "Need at least one thread.");
        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return new InferenceSession(modelPath, options);
    }

    /// <summary>Fails with the names the graph really has when a model is not the one expected.</summary>
    public static void RequireNames(InferenceSession session, string model, string[] inputs, string[] outputs)
    {
        var missing = inputs.Where(n => !session.InputMetadata.ContainsKey(n))
            .Concat(outputs.Where(n => !session.OutputMetadata.ContainsKey(n))).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{model}: the ONNX graph lacks {string.Join(", ", missing)} (it has inputs {string.Join(", ", session.InputMetadata.Keys)}; " +
                $"outputs {string.Join(", ", session.OutputMetadata.Keys)}). Reinstall the model.");
    }
}
