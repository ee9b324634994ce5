namespace Doppel.Vision;

/// <summary>
/// What became of one image. Every image gets exactly one; only <see cref="Ok"/> yields faces
/// that take part in matching. The snake_case names (<see cref="ImageStatusNames"/>) are what
/// reports, JSON and the catalog store.
/// </summary>
public enum ImageStatus
{
    Ok,
    NoFace,
    SeveralFaces,
    FaceTooSmall,
    LowConfidence,
    Unreadable,
    Unsupported,
    TooLarge,
    /// <summary>Decoding took longer than the per-image time budget.</summary>
    Timeout,
    /// <summary>Every face scored below the job's <c>--min-quality</c>: reported, not matched. Decided
    /// at match time from the stored quality, so a later run with another threshold needs no inference.</summary>
    LowQuality,
}

public static class ImageStatusNames
{
    public static string ToCode(this ImageStatus status) => status switch
    {
        ImageStatus.Ok => "ok",
        ImageStatus.NoFace => "no_face",
        ImageStatus.SeveralFaces => "several_faces",
        ImageStatus.FaceTooSmall => "face_too_small",
        ImageStatus.LowConfidence => "low_confidence",
        ImageStatus.Unreadable => "unreadable",
        ImageStatus.Unsupported => "unsupported",
        ImageStatus.TooLarge => "too_large",
        ImageStatus.Timeout => "timeout",
        ImageStatus.LowQuality => "low_quality",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static ImageStatus Parse(string code) =>
        Enum.GetValues<ImageStatus>().FirstOrDefault(s => s.ToCode() == code, (ImageStatus)(-1)) is var s && (int)s >= 0
            ? s
            : throw new FormatException($"Unknown image status code '{code}'.");
}
