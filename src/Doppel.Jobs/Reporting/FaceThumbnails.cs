using System.Globalization;
using Doppel.Jobs.Dedup;
using Doppel.Reports.Dedup;
using Doppel.Vision;
using Doppel.Vision.Alignment;
using Doppel.Vision.Decoding;

namespace Doppel.Jobs.Reporting;

/// <summary>
/// Report thumbnails of faces as the recogniser sees them (aligned ArcFace 112x112), cut from the original
/// photo only when a report draws them, so a run keeps no pixels. Shared by the dedup and curation reports.
/// </summary>
public static class FaceThumbnails
{
    /// <summary>The aligned face of <paramref name="imagePath"/> at <paramref name="landmarks"/> (image pixels).
    /// <paramref name="source"/> names the photo's content (a content hash, or path, size and time) so that a
    /// paged report in the same folder reuses the thumbnail file undrawn.</summary>
    public static ReportThumbnail Aligned(ImageDecoder decoder, string imagePath, string source, FaceLandmarks landmarks) =>
        ReportThumbnail.Rendered(CropKey(source, LandmarkCodec.Flatten(landmarks)!), () => AlignedCrop(decoder, imagePath, landmarks));

    /// <summary>What a face crop shows: the photo's content and where its landmarks put the face. The
    /// report names thumbnail files after it, so a run into the same folder reuses them undrawn.</summary>
    public static string CropKey(string source, float[] landmarks) =>
        $"arcface112 {source} {string.Join(' ', landmarks.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}";

    /// <summary>The face aligned as the recogniser sees it (ArcFace 112x112), as lossless BMP bytes: the
    /// report shrinks and JPEG-encodes it once, so it is not compressed twice. Null when the photo no longer decodes.</summary>
    public static byte[]? AlignedCrop(ImageDecoder decoder, string imagePath, FaceLandmarks landmarks)
    {
        using var decoded = decoder.Decode(imagePath);
        if (!decoded.IsOk)
            return null;
        using var face = FaceAligner.Align(decoded.Image!, landmarks, AlignmentTemplate.ArcFace112);
        return face.ImEncode(".bmp");
    }
}
