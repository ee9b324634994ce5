namespace Doppel.Vision;

/// <summary>One face of an analysed image: where it is, its vector under each embedder that ran,
/// and a quality score in [0, 1] when a quality assessor (or the embedding norm) provides one.</summary>
public sealed record FaceAnalysis(
    DetectedFace Detection,
    IReadOnlyDictionary<string, float[]> Embeddings,
    float? Quality)
{
    /// <summary>Every assessor's score by assessor name (<see cref="Quality"/> is the first's).</summary>
    public IReadOnlyDictionary<string, float> Qualities { get; init; } = new Dictionary<string, float>();
}

/// <summary>The outcome of running the pipeline on one image file. <see cref="Status"/> is always
/// set; <see cref="Faces"/> is empty unless the status is <see cref="ImageStatus.Ok"/> (or
/// <see cref="ImageStatus.SeveralFaces"/> when the caller keeps all faces).</summary>
public sealed record ImageAnalysis(
    string Path,
    ImageStatus Status,
    string? Detail,
    string? Format,
    int Width,
    int Height,
    IReadOnlyList<FaceAnalysis> Faces)
{
    /// <summary>SHA-256 (lowercase hex) of exactly the bytes analysed, when the pipeline read them itself from an
    /// <see cref="Decoding.ImageSource"/>; null for a path or byte array given to it, or a source it could not read.</summary>
    public string? ContentHash { get; init; }

    /// <summary>How many bytes were read, with <see cref="ContentHash"/>.</summary>
    public long? SizeBytes { get; init; }
}
