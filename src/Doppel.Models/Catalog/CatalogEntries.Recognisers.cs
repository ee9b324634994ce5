namespace Doppel.Models.Catalog;

internal static partial class CatalogEntries
{
    internal const string FaceApiManifestEntry = "model/face_recognition_model-weights_manifest.json";
    internal const string FaceApiWeightsEntry = "model/face_recognition_model.bin";

    internal static readonly ModelSpec DlibResNet29 = new()
    {
        Name = ModelNames.DlibResNet29,
        Task = ModelTask.Embedder,
        Description = "dlib ResNet-29 face recogniser (face-api TF.js weights converted to ONNX by Doppel). Input N x 3 x 150 x 150 dlib chip; output 128-d raw (not normalised).",
        Sources = [new NpmSource(FaceApiPackage, FaceApiVersion, FaceApiTarball, [FaceApiManifestEntry, FaceApiWeightsEntry])],
        Licence = "Weights: Davis King (dlib), public domain; face-api code MIT",
        RiskNote = "Vectors are not centred: use Euclidean distance on raw vectors (cosine between different people averages 0.83).",
        Input = new InputSpec("input", 150, 150, TensorLayout.Nchw, ChannelOrder.Rgb, [122.782f, 117.001f, 104.298f], Same3(255f), DynamicBatch: true),
        OutputDimension = 128,
        Metric = ModelMetric.Euclidean,
        DefaultThreshold = 0.6f,
        IsDefault = true,
        Conversion = ConversionKind.FaceApiTfjs,
        ConverterId = ConverterIds.FaceApiRecognition,
        Files =
        [
            new(ModelNames.OnnxFile, Checksum.Sha256("80e74bef296778e36d54251febb3739f6424be8010aa4b558d35b3395aa12ce4")),
            new(ModelNames.Int8OnnxFile, Checksum.Sha256("8e06c24fa9c63afc72afd6073af0edf1950b25637a1ac254bd9cea927c2cfdf9")),
        ],
    };

    private const string FacepluginFeatureEntry = "model/fr_feature.onnx";

    internal static readonly ModelSpec FacepluginFeature512 = new()
    {
        Name = ModelNames.FacepluginFeature512,
        Task = ModelTask.Embedder,
        Description = "faceplugin fr_feature (MobileFaceNet-style, 512-d) on 112x112 ArcFace-aligned faces; its fixed batch-1 Reshape is made dynamic at install.",
        Sources = [Faceplugin(FacepluginFeatureEntry)],
        Licence = "Package says MIT (template copyright); weights of unknown origin",
        RiskNote = "Opt-in: weight provenance unknown (no training-data or licence statement for the weights).",
        LicenceUnclear = true,
        Input = new InputSpec("input", 112, 112, TensorLayout.Nchw, ChannelOrder.Rgb, Same3(127f), Same3(128f), DynamicBatch: true),
        OutputDimension = 512,
        Metric = ModelMetric.Cosine,
        DefaultThreshold = 0.29f,
        Conversion = ConversionKind.OnnxEdit,
        ConverterId = ConverterIds.DynamicBatchReshape,
        Files = [new(ModelNames.OnnxFile, Checksum.Sha256("35eaaded89c978f77fb71a7a9321f3deecc8485fd320a0b35ea7cf8a9e3f60ea"))],
    };

    internal const string FaceApiLandmarkManifestEntry = "model/face_landmark_68_model-weights_manifest.json";
    internal const string FaceApiLandmarkWeightsEntry = "model/face_landmark_68_model.bin";

    internal static readonly ModelSpec FaceApiLandmark68 = new()
    {
        Name = ModelNames.FaceApiLandmark68,
        Task = ModelTask.Landmarks,
        Description = "face-api FaceLandmark68Net (TF.js weights converted to ONNX by Doppel): 68 points from the detector box padded to a centred square, 112x112 RGB; output 136 values (x, y) in [0,1] of that square.",
        Sources = [new NpmSource(FaceApiPackage, FaceApiVersion, FaceApiTarball, [FaceApiLandmarkManifestEntry, FaceApiLandmarkWeightsEntry])],
        Licence = "MIT (face-api.js, Vincent Mühler; @vladmandic/face-api)",
        RiskNote = "Trained by face-api.js's author on public landmark sets; weights stored 8-bit quantised.",
        Input = new InputSpec("input", 112, 112, TensorLayout.Nchw, ChannelOrder.Rgb, [122.782f, 117.001f, 104.298f], Same3(255f), DynamicBatch: true),
        OutputDimension = 136,
        IsDefault = true,
        Conversion = ConversionKind.FaceApiTfjs,
        ConverterId = ConverterIds.FaceApiLandmark68,
        Files = [new(ModelNames.OnnxFile, Checksum.Sha256("fabd7e3d0f5962766c383f449ce90af1ee36f966d1992cde4c649781cf1c550d"))],
    };

    private const string FacepluginLandmarkEntry = "model/fr_landmark.onnx";

    internal static readonly ModelSpec FacepluginLandmark68 = new()
    {
        Name = ModelNames.FacepluginLandmark68,
        Task = ModelTask.Landmarks,
        Description = "faceplugin fr_landmark: 68 points from a 64x64 grey crop of the detector box; output 136 values (x, y) in [0,1] of the crop.",
        Sources = [Faceplugin(FacepluginLandmarkEntry)],
        Licence = "Package says MIT (template copyright); weights of unknown origin",
        RiskNote = "Opt-in: weight provenance unknown.",
        LicenceUnclear = true,
        // faceplugin's own preprocessing: BGR->grey, pixel / 256.
        Input = new InputSpec("input", 64, 64, TensorLayout.Nchw, ChannelOrder.Gray, [0f], [256f]),
        OutputDimension = 136,
        Conversion = ConversionKind.None,
        ConverterId = ConverterIds.Copy,
        Files = [new(ModelNames.OnnxFile, Checksum.Sha256("f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258"), FacepluginLandmarkEntry)],
    };

    internal const string SFaceFile = "face_recognition_sface_2021dec.onnx";

    internal static readonly ModelSpec SFace = new()
    {
        Name = ModelNames.SFace,
        Task = ModelTask.Embedder,
        Description = "SFace 2021dec (OpenCV Zoo): 128-d, cosine, on 112x112 ArcFace-aligned RGB 0-255; LFW 99.40 % published.",
        Sources = [new UrlSource(SFaceFile, Checksum.Sha256("0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79"),
            [OpenCvZoo + "face_recognition_sface/" + SFaceFile], 38_696_353)],
        Licence = "Apache-2.0",
        RiskNote = "Download only (38.7 MB from the OpenCV Zoo); not mirrored on this machine.",
        Input = new InputSpec(null, 112, 112, TensorLayout.Nchw, ChannelOrder.Rgb, Zero3, One3),
        OutputDimension = 128,
        Metric = ModelMetric.Cosine,
        DefaultThreshold = 0.363f,
        Conversion = ConversionKind.None,
        ConverterId = ConverterIds.Copy,
        Files = [new(ModelNames.OnnxFile, Checksum.Sha256("0ba9fbfa01b5270c96627c4ef784da859931e02f04419c829e83484087c34e79"), SFaceFile)],
    };

    internal const string EDifFiqaFile = "ediffiqa_tiny_jun2024.onnx";

    internal static readonly ModelSpec EDifFiqaTiny = new()
    {
        Name = ModelNames.EDifFiqaTiny,
        Task = ModelTask.Quality,
        Description = "eDifFIQA(T) face image quality (OpenCV Zoo): 112x112 aligned RGB, (v/255 - 0.5)/0.5; one score, higher is better.",
        Sources = [new UrlSource(EDifFiqaFile, Checksum.Sha256("9426c899cc0f01665240cb7d9e7f98e18e24e456c178326c771a43da289bfc6a"),
            [OpenCvZoo + "face_image_quality_assessment_ediffiqa/" + EDifFiqaFile], 7_272_678)],
        Licence = "CC-BY-4.0",
        RiskNote = "Download only (7.3 MB from the OpenCV Zoo); not mirrored on this machine.",
        Input = new InputSpec(null, 112, 112, TensorLayout.Nchw, ChannelOrder.Rgb, Same3(127.5f), Same3(127.5f)),
        OutputDimension = 1,
        Conversion = ConversionKind.None,
        ConverterId = ConverterIds.Copy,
        Files = [new(ModelNames.OnnxFile, Checksum.Sha256("9426c899cc0f01665240cb7d9e7f98e18e24e456c178326c771a43da289bfc6a"), EDifFiqaFile)],
    };
}
