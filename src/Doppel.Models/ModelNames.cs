namespace Doppel.Models;

/// <summary>
/// Catalogue names, which are also the folder names under <see cref="ModelStore.CacheRoot"/>. An
/// ONNX model's runnable file is always <see cref="OnnxFile"/> in its folder.
/// </summary>
public static class ModelNames
{
    public const string OnnxFile = "model.onnx";

    /// <summary>The 8-bit (QDQ) graph some models also install, run when <c>--precision int8</c> (the default where it exists).</summary>
    public const string Int8OnnxFile = "model.int8.onnx";

    // Detectors
    public const string BlazeFaceBack = "blazeface-back";      // default
    public const string BlazeFaceFront = "blazeface-front";
    public const string UltraFace = "ultraface-rfb320";
    public const string YuNet = "yunet";
    public const string Res10Ssd = "res10-ssd";                // model.pb + model.pbtxt (OpenCV 8-bit TF graph)
    public const string Res10SsdCaffe = "res10-ssd-caffe";     // model.caffemodel + deploy.prototxt

    // Landmarks
    public const string FaceApiLandmark68 = "faceapi-landmark68";
    public const string FacepluginLandmark68 = "faceplugin-landmark68";

    // Embedders
    public const string DlibResNet29 = "dlib-resnet29";        // default
    public const string MobileFaceNet192 = "mobilefacenet-192";
    public const string FacepluginFeature512 = "faceplugin-feature-512";
    public const string SFace = "sface";
    public const string FaceRes = "faceres";

    // Quality
    public const string EDifFiqaTiny = "ediffiqa-tiny";
}
