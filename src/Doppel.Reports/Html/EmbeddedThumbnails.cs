using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Doppel.Reports.Dedup;

namespace Doppel.Reports.Html;

/// <summary>
/// The thumbnails of a one-file report. Each distinct picture is embedded once as a CSS class with a
/// data-URI background, so the page is self-contained and an image shown in several places (group
/// grid, pair rows) costs its bytes once. Write the page's style sheet after its sections.
/// </summary>
internal sealed class EmbeddedThumbnails : IThumbnailMarkup
{
    private readonly Dictionary<string, string> _classByContent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _classBySource = new(StringComparer.Ordinal);
    private readonly StringBuilder _css = new();

    public int Count => _classByContent.Count;

    public string Box(ReportThumbnail? thumbnail, string label, int pageDepth)
    {
        var cssClass = thumbnail is null ? null : ClassFor(thumbnail);
        return cssClass is null
            ? ThumbnailPlaceholder.Box(thumbnail, label)
            : $"<div class=\"thumb {cssClass}\" role=\"img\" aria-label=\"{Html.E(label)}\" title=\"{Html.E(label)}\"></div>";
    }

    public string StyleRules() => _css.ToString();

    private string? ClassFor(ReportThumbnail thumbnail)
    {
        var sourceKey = ThumbnailSources.Key(thumbnail);
        if (sourceKey is not null && _classBySource.TryGetValue(sourceKey, out var known))
            return known;
        var cssClass = Embed(thumbnail);
        if (sourceKey is not null)
            _classBySource[sourceKey] = cssClass;
        return cssClass;
    }

    private string? Embed(ReportThumbnail thumbnail)
    {
        var original = thumbnail.LoadEncoded();
        if (original is null)
            return null;
        var contentKey = Convert.ToHexString(SHA256.HashData(original));
        if (_classByContent.TryGetValue(contentKey, out var existing))
            return existing;
        var jpeg = ThumbnailJpeg.Shrink(original);
        if (jpeg is null)
            return null;
        var cssClass = "t" + _classByContent.Count.ToString(CultureInfo.InvariantCulture);
        _classByContent[contentKey] = cssClass;
        _css.Append('.').Append(cssClass).Append("{background-image:url(data:image/jpeg;base64,")
            .Append(Convert.ToBase64String(jpeg)).Append(")}\n");
        return cssClass;
    }
}
