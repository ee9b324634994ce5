using Doppel.Models.Catalog;
using Doppel.Models.Install;
using Google.Protobuf;

namespace Doppel.Models.Converters.FaceApi;

/// <summary>Installs faceapi-landmark68: face-api's TF.js FaceLandmark68Net weights rebuilt as ONNX.</summary>
public sealed class FaceApiLandmark68Converter : IModelConverter
{
    public string Id => ConverterIds.FaceApiLandmark68;

    public void Convert(ConversionContext context)
    {
        var manifest = context.Source(CatalogEntries.FaceApiLandmarkManifestEntry);
        // The manifest names its shard by file name; the shard was extracted beside it.
        _ = context.Source(CatalogEntries.FaceApiLandmarkWeightsEntry);
        var weights = TfjsWeights.Read(manifest);
        context.Log($"  read {weights.Count} face-api landmark tensors");
        var model = FaceLandmark68Graph.Build(weights);
        File.WriteAllBytes(context.Output(ModelNames.OnnxFile), model.ToByteArray());
    }
}
