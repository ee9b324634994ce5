using System.Security.Cryptography;
using System.Text;
using Doppel.Reports.Dedup;
using SkiaSharp;

namespace Doppel.Reports.Html;

/// <summary>
/// The thumbnails of one HTML page. Each distinct picture is shrunk to at most <see cref="MaxSide"/>
/// pixels, re-encoded as JPEG and embedded once as a CSS class with a data-URI background, so the page
/// is self-contained and an image shown in several places (group grid, pair rows) costs its bytes once.
/// </summary>
internal sealed class ThumbnailSet
{
    public const int MaxSide = 160;

    private readonly Dictionary<string, string> _classByContent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _classBySource = new(StringComparer.Ordinal);
    private readonly StringBuilder _css = new();

    public int Count => _classByContent.Count;

    /// <summary>The markup of a thumbnail box: the picture, or a labelled placeholder when there is none or it cannot be decoded.</summary>
    public string Box(ReportThumbnail? thumbnail, string label, string extraClass = "")
    {
        var cssClass = thumbnail is null ? null : ClassFor(thumbnail);
        var classes = extraClass.Length > 0 ? " " + extraClass : "";
        return cssClass is null
            ? $"<div class=\"thumb missing{classes}\" role=\"img\" aria-label=\"{Html.E(label)}\">{(thumbnail is null ? "no preview" : "preview unreadable")}</div>"
            : $"<div class=\"thumb {cssClass}{classes}\" role=\"img\" aria-label=\"{Html.E(label)}\" title=\"{Html.E(label)}\"></div>";
    }

    public string StyleRules() => _css.ToString();

    private string? ClassFor(ReportThumbnail thumbnail)
    {
        var sourceKey = thumbnail.FilePath is { } path ? "file:" + path : null;
        if (sourceKey is not null && _classBySource.TryGetValue(sourceKey, out var known))
            return known;
        var cssClass = Embed(thumbnail);
        if (sourceKey is not null)
            _classBySource[sourceKey] = cssClass;
        return cssClass;
    }

    private string? Embed(ReportThumbnail thumbnail)
    {
        byte[] original;
        try
        {
            original = thumbnail.Bytes ?? File.ReadAllBytes(thumbnail.FilePath!);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        var contentKey = Convert.ToHexString(SHA256.HashData(original));
        if (_classByContent.TryGetValue(contentKey, out var existing))
            return existing;
        var jpeg = Shrink(original);
        if (jpeg is null)
            return null;
        var cssClass = "t" + _classByContent.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _classByContent[contentKey] = cssClass;
        _css.Append('.').Append(cssClass).Append("{background-image:url(data:image/jpeg;base64,")
            .Append(Convert.ToBase64String(jpeg)).Append(")}\n");
        return cssClass;
    }

    /// <summary>JPEG no larger than <see cref="MaxSide"/> on its longer side, upright per the EXIF
    /// orientation (phone photos are often stored sideways), or null when the bytes are not an image.</summary>
    internal static byte[]? Shrink(byte[] encoded)
    {
        // SKCodec answers null for bytes it cannot read, where SKBitmap.Decode would throw.
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null)
            return null;
        var origin = codec.EncodedOrigin;
        using var decoded = SKBitmap.Decode(codec);
        if (decoded is null)
            return null;
        int w = decoded.Width, h = decoded.Height;
        var sideways = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int uprightWidth = sideways ? h : w, uprightHeight = sideways ? w : h;
        var scale = Math.Min(1.0, (double)MaxSide / Math.Max(uprightWidth, uprightHeight));
        var width = Math.Max(1, (int)Math.Round(uprightWidth * scale));
        var height = Math.Max(1, (int)Math.Round(uprightHeight * scale));

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        // White under transparent PNGs, since JPEG has no alpha.
        canvas.Clear(SKColors.White);
        canvas.Scale((float)width / uprightWidth, (float)height / uprightHeight);
        var upright = UprightTransform(origin, w, h);
        canvas.Concat(in upright);
        using (var image = SKImage.FromBitmap(decoded))
            canvas.DrawImage(image, new SKRect(0, 0, w, h), new SKSamplingOptions(SKCubicResampler.Mitchell));
        using var snapshot = surface.Snapshot();
        using var jpeg = snapshot.Encode(SKEncodedImageFormat.Jpeg, 82);
        return jpeg.ToArray();
    }

    /// <summary>Maps stored pixel (x, y) of a w×h image to where it belongs in the upright picture.</summary>
    private static SKMatrix UprightTransform(SKEncodedOrigin origin, int w, int h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),      // mirrored
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),  // rotated 180°
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),    // flipped
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),        // transposed
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),      // needs 90° clockwise
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),  // transverse
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),    // needs 90° counter-clockwise
        _ => SKMatrix.Identity,
    };
}
