namespace Doppel.Models.Catalog;

public enum ModelTask { Detector, Landmarks, Embedder, Quality }

/// <summary>How vectors from an embedder are compared.</summary>
public enum ModelMetric { None, Euclidean, Cosine }

public enum TensorLayout { Nchw, Nhwc }

public enum ChannelOrder { Rgb, Bgr, Gray }

/// <summary>What install does between fetching the sources and the final files.</summary>
public enum ConversionKind
{
    /// <summary>Files are used as shipped (copied under their catalogue file names).</summary>
    None,
    /// <summary>An ONNX graph edit (dynamic input size or batch).</summary>
    OnnxEdit,
    /// <summary>TF.js layers-weights (face-api) rebuilt as an ONNX graph.</summary>
    FaceApiTfjs,
    /// <summary>A TFLite flatbuffer rebuilt as an ONNX graph.</summary>
    Tflite,
    /// <summary>A TF.js graph model (frozen GraphDef + weights) translated op by op to ONNX.</summary>
    TfjsGraph,
}

/// <summary>
/// How a network wants its pixels: tensor value = (pixel − Mean[c]) / Std[c] with pixels in
/// 0–255 in <see cref="Channels"/> order. <see cref="DynamicSize"/> means any size works
/// (multiples of 32 for YuNet) and Width/Height are the recommended size. A null
/// <see cref="TensorName"/> means "the model's only input" (name not pinned).
/// </summary>
public sealed record InputSpec(
    string? TensorName,
    int Width,
    int Height,
    TensorLayout Layout,
    ChannelOrder Channels,
    IReadOnlyList<float> Mean,
    IReadOnlyList<float> Std,
    bool DynamicSize = false,
    bool DynamicBatch = false)
{
    public int ChannelCount => Channels == ChannelOrder.Gray ? 1 : 3;
}

/// <summary>A file Doppel runs, in the model's folder, with its pinned checksum.</summary>
/// <param name="FileName">Name in the model folder (e.g. <c>model.onnx</c>).</param>
/// <param name="Checksum">Pinned hash of the final file; install fails if the result differs.</param>
/// <param name="CopiedFrom">For <see cref="ConversionKind.None"/>: the source key copied to this name.</param>
public sealed record ModelFile(string FileName, Checksum Checksum, string? CopiedFrom = null);

/// <summary>
/// One catalogue entry: everything needed to fetch, convert, verify and describe a model.
/// </summary>
public sealed record ModelSpec
{
    public required string Name { get; init; }
    public required ModelTask Task { get; init; }
    public required string Description { get; init; }
    public required IReadOnlyList<ModelSource> Sources { get; init; }
    public required string Licence { get; init; }
    /// <summary>Why a model is opt-in, or what to watch for; empty when there is nothing to say.</summary>
    public string RiskNote { get; init; } = "";
    /// <summary>The weights' licence is unclear (no upstream licence, or unknown provenance): a profile that
    /// needs this model installs only with the user's explicit acceptance (<c>--accept-licence</c>).</summary>
    public bool LicenceUnclear { get; init; }
    public InputSpec? Input { get; init; }
    /// <summary>Embedding length for embedders, values per face for landmarks, 1 for quality; null for detectors.</summary>
    public int? OutputDimension { get; init; }
    public ModelMetric Metric { get; init; } = ModelMetric.None;
    /// <summary>
    /// Embedders: same-person threshold in <see cref="Metric"/> (distance for Euclidean,
    /// similarity for cosine). Detectors: minimum face score. Null when there is no default.
    /// </summary>
    public float? DefaultThreshold { get; init; }
    /// <summary>Installed by a plain <c>doppel models install</c>.</summary>
    public bool IsDefault { get; init; }
    public required ConversionKind Conversion { get; init; }
    /// <summary>Key of the <see cref="Install.IModelConverter"/> in <see cref="Install.ModelConverters"/>.</summary>
    public required string ConverterId { get; init; }
    public required IReadOnlyList<ModelFile> Files { get; init; }

    /// <summary>The file an ONNX Runtime session opens, when the model is ONNX.</summary>
    public ModelFile? OnnxFile => Files.FirstOrDefault(f => f.FileName == ModelNames.OnnxFile);

    /// <summary>The 8-bit graph, for models that install one beside the float graph.</summary>
    public ModelFile? Int8OnnxFile => Files.FirstOrDefault(f => f.FileName == ModelNames.Int8OnnxFile);

    /// <summary>True when every source can come from npm or the given mirror folder, with no URL download.</summary>
    public bool InstallableOffline(string? mirrorDirectory) =>
        Sources.All(s => s switch
        {
            NpmSource => true,
            UrlSource url => mirrorDirectory is not null && File.Exists(Path.Combine(mirrorDirectory, url.FileName)),
            _ => false,
        });
}
