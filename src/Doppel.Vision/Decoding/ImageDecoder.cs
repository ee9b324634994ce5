using OpenCvSharp;

namespace Doppel.Vision.Decoding;

public sealed record ImageDecoderOptions
{
    /// <summary>Images whose header claims more pixels than this are refused before decoding.</summary>
    public long MaxPixels { get; init; } = 100_000_000;
}

/// <summary>
/// The outcome of decoding one file. <see cref="Image"/> is an 8-bit 3-channel BGR <see cref="Mat"/>,
/// upright (EXIF orientation applied), and is set only when <see cref="Status"/> is
/// <see cref="ImageStatus.Ok"/>. Width and height are those of <see cref="Image"/>, or the header's
/// when the image was refused as too large. Dispose to free the pixels.
/// </summary>
public sealed record DecodedImage(ImageStatus Status, Mat? Image, string? Format, int Width, int Height, string? Detail) : IDisposable
{
    public bool IsOk => Status == ImageStatus.Ok && Image is not null;

    public void Dispose() => Image?.Dispose();

    internal static DecodedImage Fail(ImageStatus status, string? format, string detail, int width = 0, int height = 0) =>
        new(status, null, format, width, height, detail);
}

/// <summary>
/// Turns image files into upright 8-bit BGR pixels with OpenCV, whatever they hold (grayscale, alpha,
/// 16-bit, CMYK, palette; GIF gives its first frame). The format is taken from magic bytes and the
/// size from the header before any pixel is decoded. Bad input never throws: it comes back as
/// <see cref="ImageStatus.Unsupported"/>, <see cref="ImageStatus.TooLarge"/> or
/// <see cref="ImageStatus.Unreadable"/> with a detail string. Thread-safe.
/// </summary>
public sealed class ImageDecoder(ImageDecoderOptions? options = null)
{
    public ImageDecoderOptions Options { get; } = options ?? new ImageDecoderOptions();

    public DecodedImage Decode(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return DecodedImage.Fail(ImageStatus.Unreadable, null, $"cannot read file: {e.Message}");
        }
        return Decode(bytes);
    }

    public DecodedImage Decode(byte[] bytes)
    {
        if (bytes.Length == 0)
            return DecodedImage.Fail(ImageStatus.Unreadable, null, "file is empty (0 bytes)");
        var format = ImageHeader.SniffFormat(bytes);
        if (format is null)
            return DecodedImage.Fail(ImageStatus.Unsupported, null, $"not a recognised image format (first bytes {Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)))})");
        var header = ImageHeader.TryRead(bytes, format, out var problem);
        if (header is null)
            return DecodedImage.Fail(ImageStatus.Unreadable, format, problem ?? "malformed header");
        if (header.PixelCount > Options.MaxPixels)
            return DecodedImage.Fail(ImageStatus.TooLarge, format,
                $"{header.Width}x{header.Height} = {header.PixelCount / 1e6:0.#} MP exceeds the limit of {Options.MaxPixels / 1e6:0.#} MP",
                header.Width, header.Height);
        if (format == ImageHeader.Jpeg && !ImageHeader.JpegHasEndMarker(bytes))
            return DecodedImage.Fail(ImageStatus.Unreadable, format, "jpeg is truncated (no end-of-image marker after the scan data)");

        Mat raw;
        try
        {
            // Orientation is applied below from our own header parse so that it is the same for every
            // format and OpenCV version; AnyDepth keeps 16-bit samples so they can be scaled, not clipped.
            raw = Cv2.ImDecode(bytes, ImreadModes.AnyDepth | ImreadModes.AnyColor | ImreadModes.IgnoreOrientation);
        }
        catch (Exception e) when (e is OpenCVException or OpenCvSharpException)
        {
            return DecodedImage.Fail(ImageStatus.Unreadable, format, $"{format} decoder failed: {e.Message}");
        }
        if (raw.Empty())
        {
            raw.Dispose();
            return DecodedImage.Fail(ImageStatus.Unreadable, format, $"{format} data is corrupt or truncated (decoder returned no image)");
        }

        try
        {
            var bgr = ToBgr8(raw);
            ApplyOrientation(bgr, header.Orientation);
            return new DecodedImage(ImageStatus.Ok, bgr, format, bgr.Width, bgr.Height, null);
        }
        catch (Exception e) when (e is OpenCVException or OpenCvSharpException or NotSupportedException)
        {
            raw.Dispose();
            return DecodedImage.Fail(ImageStatus.Unreadable, format, $"cannot convert {format} pixels: {e.Message}");
        }
    }

    /// <summary>Converts any depth and channel count to 8-bit BGR, consuming <paramref name="src"/>.</summary>
    private static Mat ToBgr8(Mat src)
    {
        var image = src;
        var depth = image.Depth();
        if (depth != MatType.CV_8U)
        {
            // 16-bit spans 0..65535 and float 0..1: map both onto 0..255.
            double scale = depth == MatType.CV_16U ? 255.0 / 65535.0
                : depth == MatType.CV_16S ? 255.0 / 32767.0
                : depth is var d && (d == MatType.CV_32F || d == MatType.CV_64F) ? 255.0
                : throw new NotSupportedException($"pixel depth {image.Type()}");
            var converted = new Mat();
            image.ConvertTo(converted, MatType.CV_8U, scale);
            image.Dispose();
            image = converted;
        }
        var code = image.Channels() switch
        {
            1 => ColorConversionCodes.GRAY2BGR,
            3 => (ColorConversionCodes?)null,
            4 => ColorConversionCodes.BGRA2BGR,
            var n => throw new NotSupportedException($"{n} channels"),
        };
        if (code is { } c)
        {
            var converted = new Mat();
            Cv2.CvtColor(image, converted, c);
            image.Dispose();
            image = converted;
        }
        return image;
    }

    /// <summary>Rotates/flips in place so that EXIF orientation 1 (upright) results.</summary>
    internal static void ApplyOrientation(Mat image, int orientation)
    {
        switch (orientation)
        {
            case 2: Cv2.Flip(image, image, FlipMode.Y); break;
            case 3: Cv2.Rotate(image, image, RotateFlags.Rotate180); break;
            case 4: Cv2.Flip(image, image, FlipMode.X); break;
            case 5: Cv2.Transpose(image, image); break;
            case 6: Cv2.Rotate(image, image, RotateFlags.Rotate90Clockwise); break;
            case 7: Cv2.Rotate(image, image, RotateFlags.Rotate90Clockwise); Cv2.Flip(image, image, FlipMode.X); break;
            case 8: Cv2.Rotate(image, image, RotateFlags.Rotate90Counterclockwise); break;
        }
    }
}
