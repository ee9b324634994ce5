namespace Doppel.Models.Catalog;

internal static partial class CatalogEntries
{
    private const string BlazeBackEntry = "ONNX/face_detection_back_256x256_barracuda.onnx";
    private const string BlazeFrontEntry = "ONNX/face_detection_front_128x128_barracuda.onnx";

    internal static readonly ModelSpec BlazeFaceBack = new()
    {
        Name = ModelNames.BlazeFaceBack,
        Task = ModelTask.Detector,
        Description = "MediaPipe BlazeFace back-camera 256x256: box + 6 keypoints (eyes, nose tip, mouth centre, ears). ONNX as shipped (opset 12).",
        Sources = [BlazeFace(BlazeBackEntry)],
        Licence = "Apache-2.0 (Google MediaPipe model)",
        RiskNote = "Misses faces that fill the frame; detect again on a 50 % padded copy for tight crops.",
        Input = new InputSpec("input:0", 256, 256, TensorLayout.Nhwc, ChannelOrder.Rgb, Same3(127.5f), Same3(127.5f)),
        DefaultThreshold = 0.5f,
        IsDefault = true,
        Conversion = ConversionKind.None,
        ConverterId = ConverterIds.Copy,
        Files = [new(ModelNames.OnnxFile, Checksum.Sha256("427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2"), BlazeBackEntry)],
    };

    internal static readonly ModelSpec BlazeFaceFront = BlazeFaceBack with
    {
        Name = ModelNames.BlazeFaceFront,
        Description = "MediaPipe BlazeFace front-camera 128x128 (short range, faces filling much of the frame). ONNX as shipped (opset 12).",
        Sources = [BlazeFace(BlazeFrontEntry)],
        RiskNote = "Short range only: small faces in large photos are missed.",
        Input = new InputSpec("input:0", 128, 128, TensorLayout.Nhwc, ChannelOrder.Rgb, Same3(127.5f), Same3(127.5f)),
        // Default since the cascade's close-up path: ID-photo-like images take it at a quarter of back-256's work.
        IsDefault = true,
        Files = [new(ModelNames.OnnxFile, Checksum.Sha256("d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51"), BlazeFrontEntry)],
    };

    private const string UltraFaceEntry = "model/fr_detect.onnx";

    internal static readonly ModelSpec UltraFace = new()
    {
        Name = ModelNames.UltraFace,
        Task = ModelTask.Detector,
        Description = "UltraFace RFB-320 (faceplugin fr_detect.onnx, byte-for-byte the MIT upstream): whole image resized to 320x240, priors decoded in the graph; box only.",
        Sources = [Faceplugin(UltraFaceEntry)],
        Licence = "MIT (UltraFace upstream; shipped inside faceplugin-face-recognition-js)",
        RiskNote = "Opt-in: fetched from the faceplugin package, whose other weights are of unclear provenance. Box only, so alignment needs a landmark model.",
        Input = new InputSpec("input", 320, 240, TensorLayout.Nchw, ChannelOrder.Rgb, Same3(127f), Same3(128f)),
        DefaultThreshold = 0.7f,
        Conversion = ConversionKind.None,
        ConverterId = ConverterIds.Copy,
        Files = [new(ModelNames.OnnxFile, Checksum.Sha256("6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854"), UltraFaceEntry)],
    };

    internal const string YuNetFile = "face_detection_yunet_2023mar.onnx";

    internal static readonly ModelSpec YuNet = new()
    {
        Name = ModelNames.YuNet,
        Task = ModelTask.Detector,
        Description = "YuNet 2023mar (OpenCV Zoo): box + 5 landmarks (eyes, nose, mouth corners). Input made dynamic at install (N x 3 x H x W, H and W multiples of 32); best aligner measured here.",
        Sources = [new UrlSource(YuNetFile, Checksum.Sha256("8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"),
            [OpenCvZoo + "face_detection_yunet/" + YuNetFile], 232_589)],
        Licence = "MIT (Shiqi Yu, OpenCV Zoo)",
        RiskNote = "Not on any registry: comes from DOPPEL_MODEL_MIRROR or the OpenCV Zoo URL.",
        // Default since the cascade (blazeface-yunet): YuNet finds the faces BlazeFace's portrait path does not.
        IsDefault = true,
        Input = new InputSpec("input", 320, 320, TensorLayout.Nchw, ChannelOrder.Bgr, Zero3, One3, DynamicSize: true, DynamicBatch: true),
        DefaultThreshold = 0.6f,
        Conversion = ConversionKind.OnnxEdit,
        ConverterId = ConverterIds.YuNetDynamicInput,
        Files = [new(ModelNames.OnnxFile, Checksum.Sha256("a0bc84e39ade60d0b8d4138b636c48b7939f7fed9228f2ab6195cf07ff27caa3"))],
    };

    internal const string Res10PbFile = "opencv_face_detector_uint8.pb";
    internal const string Res10PbtxtFile = "opencv_face_detector.pbtxt";
    internal const string Res10PrototxtFile = "deploy.prototxt";
    internal const string Res10CaffemodelFile = "res10_300x300_ssd_iter_140000.caffemodel";

    private static readonly InputSpec Res10Input =
        new("data", 300, 300, TensorLayout.Nchw, ChannelOrder.Bgr, [104f, 177f, 123f], One3);

    internal static readonly ModelSpec Res10Ssd = new()
    {
        Name = ModelNames.Res10Ssd,
        Task = ModelTask.Detector,
        Description = "res10 300x300 SSD (OpenCV's 8-bit TensorFlow graph): the seed's detector, run through OpenCV DNN (ReadNetFromTensorflow(model.pb, model.pbtxt)).",
        Sources =
        [
            new UrlSource(Res10PbFile, Checksum.Sha256("5c71d752ef2cbf2f457ac82fdd580fcb2522fd04c5efdaed18eb6d9e2843fbed"),
                ["https://raw.githubusercontent.com/opencv/opencv_3rdparty/dnn_samples_face_detector_20180220_uint8/" + Res10PbFile], 2_727_750),
            new UrlSource(Res10PbtxtFile, Checksum.Sha256("5397808362fc6fb7c4044484848e297b22449d913a267fa7f8bd9d86dce29144"),
                ["https://raw.githubusercontent.com/opencv/opencv_extra/4.x/testdata/dnn/" + Res10PbtxtFile], 34_912),
        ],
        Licence = "OpenCV sample data (BSD-3-Clause / Apache-2.0 OpenCV terms)",
        RiskNote = "Returns several boxes for ~20 % of LFW images at confidence 0.5 / NMS 0.4; ~20 ms per image.",
        Input = Res10Input,
        DefaultThreshold = 0.5f,
        Conversion = ConversionKind.None,
        ConverterId = ConverterIds.Copy,
        Files =
        [
            new("model.pb", Checksum.Sha256("5c71d752ef2cbf2f457ac82fdd580fcb2522fd04c5efdaed18eb6d9e2843fbed"), Res10PbFile),
            new("model.pbtxt", Checksum.Sha256("5397808362fc6fb7c4044484848e297b22449d913a267fa7f8bd9d86dce29144"), Res10PbtxtFile),
        ],
    };

    // Only the SHA-1 of the Caffe weights is published (OpenCV's download script) and the file is
    // not reachable from the machine the catalogue was written on, so it is pinned by SHA-1.
    private static readonly Checksum Res10CaffemodelSha1 = Checksum.Sha1("15aa726b4d46d9f023526d85537db81cbc8dd566");

    internal static readonly ModelSpec Res10SsdCaffe = Res10Ssd with
    {
        Name = ModelNames.Res10SsdCaffe,
        Description = "res10 300x300 SSD as Caffe (the 10.4 MB float weights the HDE seed names), run through OpenCV DNN (ReadNetFromCaffe(deploy.prototxt, model.caffemodel)).",
        Sources =
        [
            new UrlSource(Res10PrototxtFile, Checksum.Sha256("dcd661dc48fc9de0a341db1f666a2164ea63a67265c7f779bc12d6b3f2fa67e9"),
                ["https://raw.githubusercontent.com/opencv/opencv/4.x/samples/dnn/face_detector/" + Res10PrototxtFile], 28_104),
            new UrlSource(Res10CaffemodelFile, Res10CaffemodelSha1,
                ["https://raw.githubusercontent.com/opencv/opencv_3rdparty/dnn_samples_face_detector_20170830/" + Res10CaffemodelFile]),
        ],
        RiskNote = "The Caffe weights are downloaded from GitHub (not mirrored here); same accuracy caveats as res10-ssd.",
        Files =
        [
            new(Res10PrototxtFile, Checksum.Sha256("dcd661dc48fc9de0a341db1f666a2164ea63a67265c7f779bc12d6b3f2fa67e9"), Res10PrototxtFile),
            new("model.caffemodel", Res10CaffemodelSha1, Res10CaffemodelFile),
        ],
    };
}
