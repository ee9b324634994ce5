using Doppel.Reports.Dedup;

namespace Doppel.Reports.Curation;

/// <summary>One photo of a curated training set: the identity it is filed under, whether it was kept,
/// why not (<c>redundant</c>, <c>mislabelled</c>, <c>low_quality</c>, <c>surplus</c>, <c>no_face</c>) and
/// its face's quality (null without a face).</summary>
public sealed record CuratedFace(string Path, string Identity, bool Kept, string? Reason, float? Quality, ReportThumbnail? Thumbnail);

/// <summary>Everything <c>doppel curate --report</c> shows: the decisions and the settings that made them
/// (label, value: model, assessor, --keep, thresholds).</summary>
public sealed record CurationReport(
    string Root,
    IReadOnlyList<CuratedFace> Faces,
    IReadOnlyList<(string Label, string Value)> Settings,
    string Title = "Doppel curation report")
{
    /// <summary>The drop reasons in the order the report lists them: the ones a reviewer should check first.</summary>
    public static IReadOnlyList<string> Reasons { get; } = ["mislabelled", "low_quality", "no_face", "redundant", "surplus"];
}
