using Doppel.Vision.Decoding;
using OpenCvSharp;

namespace Doppel.Vision.Detection.Evaluation;

/// <summary>One generated test image: where it came from, which variant it is, the pixels.</summary>
public sealed record HarshCrop(string Source, string Kind, Mat Image) : IDisposable
{
    public void Dispose() => Image.Dispose();
}

/// <summary>
/// Dark and tight-crop test images made from the shared labelled photos (never written into the
/// tree): LFW images cut down to the face box and darkened (gamma, exposure, one-sided light), and
/// ORL and Yale (already tight greyscale crops) as they are and darkened. Every image holds exactly
/// one person's face, so a detector should give exactly one usable face for each. Deterministic:
/// the same shared data gives the same images.
/// </summary>
public static class HarshCrops
{
    /// <summary>LFW's 250x250 images are the Viola–Jones face box enlarged 2.2 times (LFW's
    /// documentation), so the face box is a centred square of about 114 px.</summary>
    public const float LfwFaceSide = 250 / 2.2f;

    /// <summary>The variants made from each LFW image (tight: the face box; tighter: 85 % of it;
    /// loose: 1.4 times, still too tight for most of LFW's bystanders).</summary>
    public static readonly IReadOnlyList<(string Kind, Func<Mat, Mat> Make)> LfwVariants =
    [
        ("lfw-tight", m => TightCrop(m, 1.0f)),
        ("lfw-tighter", m => TightCrop(m, 0.85f)),
        ("lfw-tight-dark", m => Dark(m, 1.0f, 2.2, 0.45)),
        ("lfw-tight-very-dark", m => Dark(m, 1.15f, 3.0, 0.25)),
        ("lfw-loose-dark", m => Dark(m, 1.4f, 2.5, 0.35)),
        ("lfw-tight-side-light", m => SideLit(m, 1.0f, 0.08)),
        ("lfw-tight-night", m => Dark(m, 1.0f, 3.5, 0.12)),
        ("lfw-tight-harsh", m => Harsh(m, 1.0f)),
    ];

    /// <summary>The variants made from each ORL and Yale image.</summary>
    public static readonly IReadOnlyList<(string Kind, Func<Mat, Mat> Make)> GreyVariants =
    [
        ("as-is", m => m.Clone()),
        ("dark", m => Expose(m, 2.2, 0.4)),
    ];

    /// <summary>The centred square of side <see cref="LfwFaceSide"/> x <paramref name="scale"/>.</summary>
    public static Mat TightCrop(Mat lfw, float scale)
    {
        int side = Math.Min(Math.Min(lfw.Width, lfw.Height), (int)MathF.Round(LfwFaceSide * scale * Math.Min(lfw.Width, lfw.Height) / 250f));
        using var view = new Mat(lfw, new Rect((lfw.Width - side) / 2, (lfw.Height - side) / 2, side, side));
        return view.Clone();
    }

    /// <summary>Under-exposure: v' = 255 · gain · (v/255)^gamma per channel.</summary>
    public static Mat Expose(Mat bgr, double gamma, double gain)
    {
        using var lut = new Mat(1, 256, MatType.CV_8UC1);
        for (int v = 0; v < 256; v++)
            lut.Set(0, v, (byte)Math.Clamp(Math.Round(255 * gain * Math.Pow(v / 255.0, gamma)), 0, 255));
        var result = new Mat();
        Cv2.LUT(bgr, lut, result);
        return result;
    }

    /// <summary>Harsh light from the right: each column scaled by a ramp from <paramref name="floor"/>
    /// (left edge) to 1 (right edge).</summary>
    public static Mat SideLight(Mat bgr, double floor)
    {
        int rows = bgr.Rows, cols = bgr.Cols;
        using var row = new Mat(1, cols, MatType.CV_32FC3);
        for (int x = 0; x < cols; x++)
        {
            float f = (float)(floor + (1 - floor) * x / Math.Max(1, cols - 1));
            row.Set(0, x, new Vec3f(f, f, f));
        }
        using var ramp = new Mat();
        Cv2.Repeat(row, rows, 1, ramp);
        using var asFloat = new Mat();
        bgr.ConvertTo(asFloat, MatType.CV_32FC3);
        using var lit = new Mat();
        Cv2.Multiply(asFloat, ramp, lit);
        var result = new Mat();
        lit.ConvertTo(result, MatType.CV_8UC3);
        return result;
    }

    private static Mat Dark(Mat lfw, float scale, double gamma, double gain)
    {
        using var crop = TightCrop(lfw, scale);
        return Expose(crop, gamma, gain);
    }

    private static Mat SideLit(Mat lfw, float scale, double floor)
    {
        using var crop = TightCrop(lfw, scale);
        return SideLight(crop, floor);
    }

    /// <summary>Harsh light: one side nearly black (5 %), the other over-exposed and clipped (gain 1.8).</summary>
    private static Mat Harsh(Mat lfw, float scale)
    {
        using var lit = SideLit(lfw, scale, 0.05);
        return Expose(lit, 1.5, 1.8);
    }

    /// <summary>
    /// Every variant of <paramref name="lfwCount"/> LFW dev images (evenly spread over the sorted
    /// list, so many people) and of <paramref name="greyCount"/> ORL and as many Yale images (also
    /// spread), under <paramref name="sharedData"/> (the shared <c>data</c> folder). The caller
    /// disposes each image.
    /// </summary>
    public static IEnumerable<HarshCrop> Generate(string sharedData, int lfwCount, int greyCount)
    {
        var decoder = new ImageDecoder();
        foreach (var path in Spread(Path.Combine(sharedData, "lfw-dev", "images"), "*.jpg", lfwCount))
        {
            using var decoded = decoder.Decode(path);
            if (!decoded.IsOk)
                throw new InvalidDataException($"Could not decode {path}: {decoded.Detail}");
            foreach (var (kind, make) in LfwVariants)
                yield return new HarshCrop(path, kind, make(decoded.Image!));
        }
        foreach (var (set, pattern) in new[] { ("orl", "*.pgm"), ("yale", "*.gif") })
            foreach (var path in Spread(Path.Combine(sharedData, set), pattern, greyCount))
            {
                using var decoded = decoder.Decode(path);
                if (!decoded.IsOk)
                    throw new InvalidDataException($"Could not decode {path}: {decoded.Detail}");
                foreach (var (kind, make) in GreyVariants)
                    yield return new HarshCrop(path, $"{set}-{kind}", make(decoded.Image!));
            }
    }

    /// <summary><paramref name="count"/> files evenly spaced in sorted order (all when fewer).</summary>
    private static List<string> Spread(string directory, string pattern, int count)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Folder not found: {directory}");
        var all = Directory.EnumerateFiles(directory, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (count <= 0 || count >= all.Count)
            return all;
        return Enumerable.Range(0, count).Select(i => all[(int)((long)i * all.Count / count)]).ToList();
    }
}
