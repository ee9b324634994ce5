using System.Diagnostics;
using Doppel.Vision.Decoding;
using OpenCvSharp;
using SkiaSharp;

namespace Doppel.Vision.Bench;

/// <summary>
/// Which decoder for big photos (issue 12): a 20 MP JPEG (given, or made by upscaling an LFW photo)
/// decoded in full by OpenCV, scaled by OpenCV's libjpeg (IMREAD_REDUCED_COLOR_N, what ImageDecoder
/// does), scaled by SkiaSharp's SKCodec and by libvips (NetVips thumbnail, shrink-on-load); the LFW images decoded by ImageDecoder before and after
/// must be the same pixels. Prints ms per decode (median of N) and the pixels each holds. One thread.
/// </summary>
internal static class DecoderChoice
{
    public static int Run(string lfwDir, string? bigJpeg, int repeats)
    {
        var bytes = bigJpeg is not null ? File.ReadAllBytes(bigJpeg) : MakeTwentyMegapixel(lfwDir);
        var header = ImageHeader.TryRead(bytes, ImageHeader.Jpeg, out _)!;
        Console.WriteLine($"input: {header.Width}x{header.Height} JPEG ({header.PixelCount / 1e6:0.0} MP), {bytes.Length / 1024} KB, progressive {header.Progressive}");
        var decoder = new ImageDecoder(new ImageDecoderOptions { DecodeTimeout = null });
        Measure("opencv full (before)", repeats, () => { using var m = Cv2.ImDecode(bytes, ImreadModes.Color); return (m.Width, m.Height); });
        Measure("opencv reduced (ImageDecoder)", repeats, () => { using var d = decoder.Decode(bytes); return (d.Width, d.Height); });
        Measure("skiasharp scaled (SKCodec)", repeats, () =>
        {
            using var codec = SKCodec.Create(new SKMemoryStream(bytes));
            var size = codec.GetScaledDimensions(0.5f);
            using var bitmap = new SKBitmap(new SKImageInfo(size.Width, size.Height, SKColorType.Bgra8888));
            var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
            return result == SKCodecResult.Success ? (size.Width, size.Height) : (0, 0);
        });
        // libvips' shrink-on-load: JPEG decoded at 1/2 by libjpeg, sequential access, to the same size
        // as ImageDecoder's output, then written out as packed 8-bit pixels like the others hold.
        int target = (header.Width + 1) / 2;
        Measure("netvips shrink-on-load (thumbnail)", repeats, () =>
        {
            using var image = NetVips.Image.ThumbnailBuffer(bytes, target, height: header.Height, noRotate: true);
            var pixels = image.WriteToMemory<byte>();
            return pixels.Length > 0 ? (image.Width, image.Height) : (0, 0);
        });
        return 0;
    }

    private static void Measure(string name, int repeats, Func<(int Width, int Height)> decode)
    {
        var size = decode(); // warm-up
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            decode();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"{name,-32} {times[times.Count / 2],8:0.0} ms  -> {size.Width}x{size.Height} ({size.Width * (long)size.Height * 3 / 1048576.0:0.0} MiB of pixels)");
    }

    private static byte[] MakeTwentyMegapixel(string lfwDir)
    {
        var photo = Directory.EnumerateFiles(lfwDir, "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        using var small = Cv2.ImRead(photo);
        using var big = new Mat();
        Cv2.Resize(small, big, new Size(5472, 3648), interpolation: InterpolationFlags.Cubic);
        using var noise = new Mat(big.Size(), MatType.CV_8UC3);
        Cv2.Randn(noise, Scalar.All(0), Scalar.All(6));
        Cv2.Add(big, noise, big);
        return big.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 92));
    }
}
