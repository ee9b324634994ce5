using Doppel.Models.Onnx.Proto;
using Google.Protobuf;

namespace Doppel.Models.Conversion;

/// <summary>Names and shape choices for the ONNX graph made from a TFLite model.</summary>
public sealed record TfliteToOnnxOptions
{
    public string GraphName { get; init; } = "tflite";
    public string InputName { get; init; } = "input";
    public string OutputName { get; init; } = "output";

    /// <summary>Symbolic name of the batch dimension, which becomes dynamic whatever the file fixed.</summary>
    public string BatchDimension { get; init; } = "N";
}

/// <summary>
/// Converts a float TFLite model (one subgraph, one input, one output) to an ONNX model that ONNX
/// Runtime runs. Activations become NCHW; instead of transposing activations at run time, the
/// converter transposes the weights (OHWI → OIHW) and the constants that broadcast against 4-D
/// activations. TF "SAME" padding becomes explicit, possibly asymmetric, pads. An operator it
/// does not know stops the conversion with a <see cref="NotSupportedException"/> naming it.
/// </summary>
public static class TfliteToOnnxConverter
{
    public static ModelProto Convert(TfliteModel model, TfliteToOnnxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new TfliteGraphTranslator(model, options ?? new TfliteToOnnxOptions()).Translate();
    }

    /// <summary>Reads <paramref name="tflitePath"/>, converts it and writes the ONNX file.</summary>
    public static void ConvertFile(string tflitePath, string onnxPath, TfliteToOnnxOptions? options = null)
    {
        var onnx = Convert(TfliteModelReader.ReadFile(tflitePath), options);
        var directory = Path.GetDirectoryName(Path.GetFullPath(onnxPath));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        File.WriteAllBytes(onnxPath, onnx.ToByteArray());
    }
}
