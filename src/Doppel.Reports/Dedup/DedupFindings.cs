using System.Globalization;
using System.Text;
using Doppel.Reports.Html;

namespace Doppel.Reports.Dedup;

/// <summary>One row of findings.csv: a duplicate pair of images, paths relative to the scanned folder, its
/// score, its match probability (null when the recogniser has no calibration) and its group (1-based, in
/// report order; 0 for a pair no group holds together).</summary>
public sealed record FindingRow(string ImageA, string ImageB, double Score, double? Probability = null, int Group = 0);

/// <summary>
/// <c>findings.csv</c>: header <c>image_a,image_b,score,probability,group</c>, one row per duplicate pair
/// of images: those inside a group with its number, then those no group holds together with the group empty
/// (<see cref="DedupReport.UngroupedPairs"/>); probability empty when the recogniser has no calibration.
/// Paths are relative to the scanned folder with '/' separators; in each row the ordinally smaller
/// path comes first; rows go by score descending, then paths, so the file is stable across runs.
/// Scores have six decimals. Fields are quoted per RFC 4180 when they need it.
/// </summary>
public static class DedupFindings
{
    public const string Header = "image_a,image_b,score,probability,group";

    public static IReadOnlyList<FindingRow> Rows(DedupReport report)
    {
        var rows = new Dictionary<(string, string), FindingRow>();
        for (int g = 0; g < report.Groups.Count; g++)
        {
            var group = report.Groups[g];
            foreach (var pair in group.Pairs)
            {
                if (pair.A < 0 || pair.A >= group.Members.Count || pair.B < 0 || pair.B >= group.Members.Count || pair.A == pair.B)
                    throw new ArgumentException($"Group {g + 1} has a pair ({pair.A}, {pair.B}) that does not name two of its {group.Members.Count} members.");
                if (!double.IsFinite(pair.Score) || pair.Score < 0 || pair.Score > 1)
                    throw new ArgumentException($"Group {g + 1} has a pair score {pair.Score} outside [0, 1]; map similarities to [0, 1] before reporting.");
                var a = ReportPaths.Relative(report.ScannedRoot, group.Members[pair.A].Path);
                var b = ReportPaths.Relative(report.ScannedRoot, group.Members[pair.B].Path);
                if (string.CompareOrdinal(a, b) > 0)
                    (a, b) = (b, a);
                // The same two images reached twice (two faces each) count once, at their best score.
                if (!rows.TryGetValue((a, b), out var known) || known.Score < pair.Score)
                    rows[(a, b)] = new FindingRow(a, b, pair.Score, pair.Probability, g + 1);
            }
        }
        var ungrouped = new Dictionary<(string, string), FindingRow>();
        foreach (var pair in report.UngroupedPairs)
        {
            if (!double.IsFinite(pair.Score) || pair.Score < 0 || pair.Score > 1)
                throw new ArgumentException($"An ungrouped pair has a score {pair.Score} outside [0, 1]; map similarities to [0, 1] before reporting.");
            var a = ReportPaths.Relative(report.ScannedRoot, pair.ImageA);
            var b = ReportPaths.Relative(report.ScannedRoot, pair.ImageB);
            if (string.CompareOrdinal(a, b) > 0)
                (a, b) = (b, a);
            if (!rows.ContainsKey((a, b)) && (!ungrouped.TryGetValue((a, b), out var known) || known.Score < pair.Score))
                ungrouped[(a, b)] = new FindingRow(a, b, pair.Score, pair.Probability);
        }
        return Sorted(rows.Values).Concat(Sorted(ungrouped.Values)).ToList();
    }

    private static IEnumerable<FindingRow> Sorted(IEnumerable<FindingRow> rows) =>
        rows.OrderByDescending(r => r.Score)
            .ThenBy(r => r.ImageA, StringComparer.Ordinal)
            .ThenBy(r => r.ImageB, StringComparer.Ordinal);

    public static string ToCsv(IReadOnlyList<FindingRow> rows)
    {
        var csv = new StringBuilder(Header).Append('\n');
        foreach (var row in rows)
            csv.Append(CsvText.Field(row.ImageA)).Append(',').Append(CsvText.Field(row.ImageB)).Append(',')
               .Append(row.Score.ToString("F6", CultureInfo.InvariantCulture)).Append(',')
               .Append(row.Probability is double p ? p.ToString("F4", CultureInfo.InvariantCulture) : "").Append(',')
               .Append(row.Group > 0 ? row.Group.ToString(CultureInfo.InvariantCulture) : "").Append('\n');
        return csv.ToString();
    }

}

internal static class ReportPaths
{
    /// <summary>A path as the report shows it: relative to the scanned folder (or container prefix), '/' separated.
    /// A file outside that folder keeps its full path, which reads better than a chain of "../".</summary>
    public static string Relative(string root, string path)
    {
        if (!Path.IsPathRooted(path))
        {
            // A blob name: relative to the listed prefix, as a file is to its folder.
            var key = Path.DirectorySeparatorChar == '\\' ? path.Replace('\\', '/') : path;
            var prefix = root.Length == 0 || root.EndsWith('/') ? root : root + "/";
            return prefix.Length > 0 && !Path.IsPathRooted(prefix) && key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key;
        }
        var full = Path.GetFullPath(path);
        var relative = Path.GetRelativePath(Path.GetFullPath(root), full);
        var outside = relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || relative.StartsWith("..\\", StringComparison.Ordinal) || Path.IsPathRooted(relative);
        var shown = outside ? full : relative;
        // On Windows '\\' separates folders; elsewhere it is a character of a name, shown as it is.
        return Path.DirectorySeparatorChar == '\\' ? shown.Replace('\\', '/') : shown;
    }
}
