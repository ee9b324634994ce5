using Doppel.Reports.Dedup;

namespace Doppel.Reports.Html;

/// <summary>How a page shows its thumbnails: embedded in the page (<see cref="EmbeddedThumbnails"/>) or
/// as files beside it (<see cref="ThumbnailFolder"/>).</summary>
internal interface IThumbnailMarkup
{
    /// <summary>The markup of one thumbnail box: the picture, or a labelled placeholder when there is none
    /// or it cannot be read. <paramref name="pageDepth"/> is how many folders below the report folder
    /// the page lies, for relative URLs.</summary>
    string Box(ReportThumbnail? thumbnail, string label, int pageDepth);
}

internal static class ThumbnailPlaceholder
{
    public static string Box(ReportThumbnail? thumbnail, string label) =>
        $"<div class=\"thumb missing\" role=\"img\" aria-label=\"{Html.E(label)}\">{(thumbnail is null ? "no preview" : "preview unreadable")}</div>";
}

/// <summary>Identifies where a thumbnail comes from, so a source met twice is read once.</summary>
internal static class ThumbnailSources
{
    /// <summary>"file:PATH" or "render:KEY"; null for in-memory bytes, which are told apart by content.</summary>
    public static string? Key(ReportThumbnail thumbnail) =>
        thumbnail.FilePath is { } path ? "file:" + path
        : thumbnail.RenderKey is { } key ? "render:" + key
        : null;
}
