using Microsoft.ML.OnnxRuntime;

namespace Doppel.Models.Tests;

/// <summary>Runs a model with ONNX Runtime on one float input and returns every output.</summary>
internal static class OrtRun
{
    public sealed record Output(string Name, float[] Data, long[] Shape);

    public static Output[] Run(byte[] model, string inputName, float[] data, params long[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        using var session = new InferenceSession(model, options);
        using var input = OrtValue.CreateTensorValueFromMemory(data, shape);
        var outputNames = session.OutputNames.ToArray();
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [inputName], [input], outputNames);
        return [.. results.Select((value, i) => new Output(
            outputNames[i],
            value.GetTensorDataAsSpan<float>().ToArray(),
            value.GetTensorTypeAndShape().Shape))];
    }

    /// <summary>Deterministic pseudo-random values in [-1, 1) (a fixed LCG, so no Random seeding rules apply).</summary>
    public static float[] Deterministic(int count, uint seed)
    {
        var values = new float[count];
        var state = seed;
        for (var i = 0; i < count; i++)
        {
            state = state * 1664525u + 1013904223u;
            values[i] = (state >> 8) / (float)(1 << 23) - 1f;
        }
        return values;
    }
}
