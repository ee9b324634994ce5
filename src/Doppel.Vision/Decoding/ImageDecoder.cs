using OpenCvSharp;

namespace Doppel.Vision.Decoding;

/// <summary>
/// The budgets one image may spend, all checked before the decoder allocates for it (README "Limits").
/// With them one decode holds at most <see cref="MaxFileBytes"/> of file plus about
/// <see cref="MaxDecodeBytes"/> of pixels, whatever the file claims.
/// </summary>
public sealed record ImageDecoderOptions
{
    /// <summary>Images whose header claims more pixels than this are refused (<c>too_large</c>) before decoding.</summary>
    public long MaxPixels { get; init; } = 100_000_000;

    /// <summary>Files larger than this are refused (<c>too_large</c>) without being read; a file is
    /// never read past it (a file that grows while read is cut there and refused).</summary>
    public long MaxFileBytes { get; init; } = 64L << 20;

    /// <summary>The decoder's working memory for one image, estimated from the header (samples of the
    /// stored image, a progressive JPEG's coefficient buffers, the 8-bit copy): above it, <c>too_large</c>.
    /// 256 MiB admits an 8-bit RGB PNG of 40 MP, a progressive JPEG of 28 MP, any baseline JPEG up to
    /// <see cref="MaxPixels"/> (decoded scaled), and refuses a 16-bit 10000x10000 PNG.</summary>
    public long MaxDecodeBytes { get; init; } = 256L << 20;

    /// <summary>JPEG scans (SOS segments) allowed: libjpeg decodes each scan of a progressive file over
    /// the whole image, so the time grows with their number (a 2.6 MB file of 20,000 scans took 22 s).
    /// Real encoders write 1 (baseline) to about 12 (mozjpeg, libjpeg's progressive script is 10).</summary>
    public int MaxJpegScans { get; init; } = 100;

    /// <summary>Wall-clock time one decode may take before the image gets <c>timeout</c>; null = none.
    /// Applies to images over <see cref="UnwatchedPixels"/>.</summary>
    public TimeSpan? DecodeTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Images of at most this many pixels (and, for JPEG, at most <see cref="UnwatchedJpegScans"/>
    /// scans) decode on the caller's thread, without the watchdog thread of <see cref="DecodeTimeout"/>:
    /// starting that thread cost 0.36 ms CPU per LFW image, 0.84 against 0.48 ms for the whole decode
    /// (Doppel.Vision.Bench stages, 1,000 LFW images, with and without DOPPEL_DECODE_TIMEOUT_S=0,
    /// 2026-12-07), 4 % of the pipeline. A decode's time is bounded by its pixels and scans: the slowest
    /// 4 MP decodes measured (random noise as quality-100 WebP, PNG, TIFF, progressive JPEG) took at most
    /// 1.2 s on a machine at load 25, so one of 1 MP stays far below any sensible time limit.</summary>
    public long UnwatchedPixels { get; init; } = 1_000_000;

    /// <summary>See <see cref="UnwatchedPixels"/>: libjpeg decodes each scan over the whole image; real
    /// progressive encoders write up to about 12.</summary>
    public int UnwatchedJpegScans { get; init; } = 12;

    /// <summary>A JPEG of more pixels than this is decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's DCT
    /// scaling: the full image is never in memory), at the smallest scale that keeps at least this many.
    /// 2048x2048 keeps a face of 1/20 of a 4:3 photo's width over 100 px, more than the 150 px dlib crop
    /// needs from a detector that sees the photo at 256 px, where such a face is 13 px wide. Counted in
    /// pixels, not by the long side, so a 20000x250 strip keeps its faces' size.</summary>
    public long JpegTargetPixels { get; init; } = 2048L * 2048;

    /// <summary>A decoded image of more pixels than this is shrunk to it (area averaging, aspect kept)
    /// before it leaves the decoder, so what the detector holds is bounded whatever the format (the
    /// padded retry of BlazeFace alone copies 2.25 times the image: 290 MB for a 43 MP PNG).</summary>
    public long MaxOutputPixels { get; init; } = 4096L * 4096;

    /// <summary>The most one image in flight can hold: its file, the decoder's working memory, and the
    /// detector's copies of the (shrunk) output: a letterboxed padded copy of 2.25 times the image plus
    /// the image itself, 3 bytes a pixel. A run's bound is (workers + 1) times this over its memory on
    /// ordinary photos (README "Limits"; measured in HostileMemoryTests).</summary>
    /// <summary>
    /// The defaults with any of these environment variables applied (how a CLI user changes the
    /// budgets): <c>DOPPEL_MAX_FILE_MB</c>, <c>DOPPEL_MAX_MEGAPIXELS</c>, <c>DOPPEL_MAX_DECODE_MB</c>,
    /// <c>DOPPEL_MAX_JPEG_SCANS</c>, <c>DOPPEL_DECODE_TIMEOUT_S</c> (0 = no time limit). A value that is
    /// not a positive number is an <see cref="ArgumentException"/> naming the variable.
    /// </summary>
    public static ImageDecoderOptions FromEnvironment()
    {
        var options = new ImageDecoderOptions();
        if (Number("DOPPEL_MAX_FILE_MB") is { } fileMb) options = options with { MaxFileBytes = (long)(fileMb * 1048576) };
        if (Number("DOPPEL_MAX_MEGAPIXELS") is { } mp) options = options with { MaxPixels = (long)(mp * 1e6) };
        if (Number("DOPPEL_MAX_DECODE_MB") is { } decodeMb) options = options with { MaxDecodeBytes = (long)(decodeMb * 1048576) };
        if (Number("DOPPEL_MAX_JPEG_SCANS") is { } scans) options = options with { MaxJpegScans = (int)scans };
        if (Number("DOPPEL_DECODE_TIMEOUT_S", allowZero: true) is { } seconds) options = options with { DecodeTimeout = seconds == 0 ? null : TimeSpan.FromSeconds(seconds) };
        return options;
    }

    private static double? Number(string variable, bool allowZero = false)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value) && (value > 0 || (allowZero && value == 0)))
            return value;
        throw new ArgumentException($"{variable}={text} is not a {(allowZero ? "non-negative" : "positive")} number.");
    }

    public long MemoryPerImage => MaxFileBytes + MaxDecodeBytes + (long)(3.25 * 3 * MaxOutputPixels);
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
/// 16-bit, CMYK, palette; GIF gives its first frame), within the budgets of <see cref="ImageDecoderOptions"/>.
/// The format is taken from magic bytes and the size, depth and scan count from the header before any
/// pixel is decoded; a big JPEG is decoded scaled down by libjpeg. Bad input never throws: it comes
/// back as <see cref="ImageStatus.Unsupported"/>, <see cref="ImageStatus.TooLarge"/>,
/// <see cref="ImageStatus.Unreadable"/> or <see cref="ImageStatus.Timeout"/> with a detail string. Thread-safe.
/// </summary>
public sealed class ImageDecoder(ImageDecoderOptions? options = null)
{
    public ImageDecoderOptions Options { get; } = options ?? ImageDecoderOptions.FromEnvironment();

    /// <summary>Decodes that outlived their timeout and still run: at most one at a time, so a run's
    /// memory bound is (workers + 1) decodes; a second timeout waits for its own decode instead.</summary>
    private readonly SemaphoreSlim _abandoned = new(1, 1);

    public DecodedImage Decode(string path)
    {
        // A FIFO named x.jpg blocks open() until someone writes to it, /dev/zero never ends: read
        // regular files only, and never more than the byte budget.
        var probe = FileSystemProbe.Stat(path);
        if (probe.Kind == FileKind.Missing)
            return DecodedImage.Fail(ImageStatus.Unreadable, null, $"cannot read file: no such file ({path})");
        if (probe.Kind != FileKind.Regular)
            return DecodedImage.Fail(ImageStatus.Unreadable, null, $"not a regular file ({probe.Kind}): not read");
        if (probe.Size > Options.MaxFileBytes)
            return DecodedImage.Fail(ImageStatus.TooLarge, null, $"file of {probe.Size / 1048576.0:0.#} MiB exceeds the limit of {Options.MaxFileBytes / 1048576.0:0.#} MiB");
        byte[] bytes;
        try
        {
            bytes = ReadAtMost(path, Options.MaxFileBytes, out bool tooLong);
            if (tooLong)
                return DecodedImage.Fail(ImageStatus.TooLarge, null, $"file grew past the limit of {Options.MaxFileBytes / 1048576.0:0.#} MiB while read");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return DecodedImage.Fail(ImageStatus.Unreadable, null, $"cannot read file: {e.Message}");
        }
        return Decode(bytes);
    }

    private static byte[] ReadAtMost(string path, long limit, out bool tooLong)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
        long expected = stream.Length;
        var buffer = new byte[Math.Min(expected, limit)];
        int read = 0;
        while (read < buffer.Length)
        {
            int n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0) break;
            read += n;
        }
        // One byte more than allowed means the file grew past the budget.
        Span<byte> probe = stackalloc byte[1];
        tooLong = read == limit && stream.Read(probe) > 0;
        return read == buffer.Length ? buffer : buffer[..read];
    }

    /// <summary>Reads <paramref name="source"/> once (<see cref="SourceBytes.Read"/>: hashed as it is read, held only
    /// up to the file budget) and decodes those bytes. <paramref name="read"/> is what was read, null when the
    /// source could not be opened or read (status <see cref="ImageStatus.Unreadable"/>).</summary>
    public DecodedImage Decode(ImageSource source, CancellationToken cancellationToken, out SourceBytes? read)
    {
        read = null;
        try
        {
            using var stream = source.Open(cancellationToken);
            read = SourceBytes.Read(stream, Options.MaxFileBytes, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return DecodedImage.Fail(ImageStatus.Unreadable, null, $"cannot read file: {e.Message}");
        }
        if (read.Bytes is null)
            return DecodedImage.Fail(ImageStatus.TooLarge, null, $"file of {read.Length / 1048576.0:0.#} MiB exceeds the limit of {Options.MaxFileBytes / 1048576.0:0.#} MiB");
        return Decode(read.Bytes);
    }

    public DecodedImage Decode(byte[] bytes)
    {
        if (bytes.Length == 0)
            return DecodedImage.Fail(ImageStatus.Unreadable, null, "file is empty (0 bytes)");
        if (bytes.Length > Options.MaxFileBytes)
            return DecodedImage.Fail(ImageStatus.TooLarge, null, $"{bytes.Length / 1048576.0:0.#} MiB exceeds the limit of {Options.MaxFileBytes / 1048576.0:0.#} MiB");
        var format = ImageHeader.SniffFormat(bytes);
        if (format is null)
            return DecodedImage.Fail(ImageStatus.Unsupported, null, $"not a recognised image format (first bytes {Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)))})");
        if (format is ImageHeader.Heif or ImageHeader.Avif)
            return DecodedImage.Fail(ImageStatus.Unsupported, format, $"{format.ToUpperInvariant()} is not decodable by this build (OpenCV has no HEIF/AVIF decoder); convert it to JPEG");
        var header = ImageHeader.TryRead(bytes, format, out var problem);
        if (header is null)
            return DecodedImage.Fail(ImageStatus.Unreadable, format, problem ?? "malformed header");
        if (header.PixelCount > Options.MaxPixels)
            return DecodedImage.Fail(ImageStatus.TooLarge, format,
                $"{header.Width}x{header.Height} = {header.PixelCount / 1e6:0.#} MP exceeds the limit of {Options.MaxPixels / 1e6:0.#} MP",
                header.Width, header.Height);
        int scale = 1, scans = 1;
        if (format == ImageHeader.Jpeg)
        {
            (scans, bool hasEnd) = ImageHeader.JpegLayout(bytes);
            if (scans > Options.MaxJpegScans)
                return DecodedImage.Fail(ImageStatus.TooLarge, format, $"jpeg has {scans} scans, more than the limit of {Options.MaxJpegScans}", header.Width, header.Height);
            if (!hasEnd)
                return DecodedImage.Fail(ImageStatus.Unreadable, format, "jpeg is truncated (no end-of-image marker after the scan data)");
            scale = JpegScale(header);
        }
        long cost = DecodeCost(header, scale);
        if (cost > Options.MaxDecodeBytes)
            return DecodedImage.Fail(ImageStatus.TooLarge, format,
                $"decoding {header.Width}x{header.Height}{(header.Progressive ? " progressive" : "")}{(header.BitDepth > 8 ? $" {header.BitDepth}-bit" : "")} {format} needs about {cost / 1048576.0:0} MiB, over the limit of {Options.MaxDecodeBytes / 1048576.0:0} MiB",
                header.Width, header.Height);
        if (header.PixelCount <= Options.UnwatchedPixels && scans <= Options.UnwatchedJpegScans)
            return DecodePixels(bytes, format, header, scale, Options.MaxOutputPixels);
        return WithinTime(() => DecodePixels(bytes, format, header, scale, Options.MaxOutputPixels), format, header);
    }

    /// <summary>The power-of-two reduction libjpeg applies while decoding: the smallest scale that still
    /// leaves <see cref="ImageDecoderOptions.JpegTargetPixels"/>. A progressive file costs its full
    /// coefficient buffer either way, but scaled output is still smaller.</summary>
    private int JpegScale(ImageHeader header)
    {
        int scale = 1;
        while (scale < 8 && header.PixelCount / ((long)scale * 2 * scale * 2) >= Options.JpegTargetPixels)
            scale *= 2;
        return scale;
    }

    /// <summary>Bytes the decode will hold at its peak, from the header alone (an upper estimate).</summary>
    internal static long DecodeCost(ImageHeader header, int scale)
    {
        long pixels = header.PixelCount;
        long output = (long)Math.Ceiling(header.Width / (double)scale) * (long)Math.Ceiling(header.Height / (double)scale) * 3;
        switch (header.Format)
        {
            case ImageHeader.Jpeg:
                // Baseline: a few rows of MCUs at a time. Progressive: every component's coefficients,
                // 2 bytes each (up to 4 components, e.g. CMYK).
                int components = Math.Clamp(header.Channels, 1, 4);
                return output + (header.Progressive ? pixels * components * 2 : (long)header.Width * 16 * components * 2);
            case ImageHeader.Png:
                // OpenCV's own buffer at the stored depth (palette expands to up to 4 channels), then
                // an 8-bit copy for a 16-bit file, then the BGR result.
                int channels = header.Channels == 1 && header.BitDepth <= 8 ? 4 : Math.Max(1, header.Channels);
                int sampleBytes = header.BitDepth > 8 ? 2 : 1;
                return pixels * channels * sampleBytes + (sampleBytes > 1 ? pixels * channels : 0) + output;
            default:
                // BMP, GIF, WebP, TIFF, PNM: decoded as up to 4 channels (16-bit for TIFF and PNM), plus the result.
                return pixels * 8 + output;
        }
    }

    private DecodedImage WithinTime(Func<DecodedImage> decode, string format, ImageHeader header)
    {
        if (Options.DecodeTimeout is not { } limit)
            return decode();
        var task = Task.Factory.StartNew(decode, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (task.Wait(limit))
            return task.Result;
        var detail = $"decoding took longer than the limit of {limit.TotalSeconds:0.#} s";
        if (_abandoned.Wait(0))
        {
            // OpenCV cannot be interrupted: let the decode finish on its own thread and free its pixels.
            task.ContinueWith(t =>
            {
                if (t.Status == TaskStatus.RanToCompletion) t.Result.Dispose();
                _abandoned.Release();
            }, TaskScheduler.Default);
        }
        else
        {
            // One decode is already running past its time: wait for this one, so no more than one
            // decode beyond the workers' ever holds memory.
            task.Wait();
            task.Result.Dispose();
        }
        return DecodedImage.Fail(ImageStatus.Timeout, format, detail, header.Width, header.Height);
    }

    /// <summary>Shrinks (area averaging, aspect kept) an image of more than <paramref name="maxPixels"/>, consuming it.</summary>
    private static Mat ShrinkToFit(Mat image, long maxPixels)
    {
        long pixels = (long)image.Width * image.Height;
        if (pixels <= maxPixels)
            return image;
        double f = Math.Sqrt(maxPixels / (double)pixels);
        var small = new Mat();
        Cv2.Resize(image, small, new Size(Math.Max(1, (int)(image.Width * f)), Math.Max(1, (int)(image.Height * f))), interpolation: InterpolationFlags.Area);
        image.Dispose();
        return small;
    }

    private static DecodedImage DecodePixels(byte[] bytes, string format, ImageHeader header, int scale, long maxOutputPixels)
    {
        Mat raw;
        try
        {
            // Orientation is applied below from our own header parse so that it is the same for every
            // format and OpenCV version; AnyDepth keeps 16-bit samples so they can be scaled, not clipped.
            // A scaled JPEG decode comes out 8-bit BGR already (IMREAD_REDUCED_COLOR_N).
            var mode = scale switch
            {
                2 => ImreadModes.ReducedColor2,
                4 => ImreadModes.ReducedColor4,
                8 => ImreadModes.ReducedColor8,
                _ => ImreadModes.AnyDepth | ImreadModes.AnyColor,
            };
            raw = Cv2.ImDecode(bytes, mode | ImreadModes.IgnoreOrientation);
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
            // OpenCV's TIFF decoder turns the image upright itself (libtiff's RGBA reader), whatever the
            // flags say: turning it again put portraits on their side.
            if (format != ImageHeader.Tiff)
                ApplyOrientation(bgr, header.Orientation);
            bgr = ShrinkToFit(bgr, maxOutputPixels);
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
