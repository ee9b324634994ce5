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
        var model = FaceLandmark68Graph.Build(TfjsWeights.Read(context, CatalogEntries.FaceApiLandmarkManifestEntry, CatalogEntries.FaceApiLandmarkWeightsEntry));
        File.WriteAllBytes(context.Output(ModelNames.OnnxFile), model.ToByteArray());
    }
}
