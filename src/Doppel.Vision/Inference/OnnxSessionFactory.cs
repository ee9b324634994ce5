using Microsoft.ML.OnnxRuntime;

namespace Doppel.Vision.Inference;

public sealed record OnnxSessionOptions
{
    /// <summary>Threads one Run may use. The pipeline runs several sessions side by side on few
    /// cores, so the default is 1 and parallelism comes from running images concurrently.</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Use the CUDA execution provider when the runtime has it; falls back to CPU otherwise.</summary>
    public bool UseCuda { get; init; }

    public static OnnxSessionOptions Default { get; } = new();
}

/// <summary>
/// The one place that creates ONNX Runtime sessions, so every model gets the same settings: a fixed
/// intra-op thread count, no spin-waiting (several sessions spinning on 2 cores made the pipeline
/// 2–4x slower) and full graph optimisation.
/// </summary>
public static class OnnxSessionFactory
{
    public static InferenceSession Create(string modelPath, OnnxSessionOptions? options = null)
    {
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"ONNX model not found: {modelPath}", modelPath);
        using var so = SessionOptionsFor(options ?? OnnxSessionOptions.Default);
        return new InferenceSession(modelPath, so);
    }

    /// <summary>A session for a graph held in memory (e.g. one edited at load time).</summary>
    public static InferenceSession Create(byte[] model, OnnxSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var so = SessionOptionsFor(options ?? OnnxSessionOptions.Default);
        return new InferenceSession(model, so);
    }

    private static SessionOptions SessionOptionsFor(OnnxSessionOptions options)
    {
        var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = Math.Max(1, options.IntraOpThreads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            // Unused-initialiser warnings of converted graphs are noise on the console.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        so.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        if (options.UseCuda && CudaAvailable())
            so.AppendExecutionProvider_CUDA();
        return so;
    }

    public static bool CudaAvailable()
    {
        try
        {
            return OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");
        }
        catch (OnnxRuntimeException)
        {
            return false;
        }
    }
}
