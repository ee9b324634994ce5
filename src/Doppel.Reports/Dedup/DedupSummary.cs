using System.Text;
using System.Text.Json;

namespace Doppel.Reports.Dedup;

/// <summary>
/// <c>summary.json</c>: counts a script can check without parsing HTML — images, faces, reason codes
/// (sorted), duplicate pairs (of which ungrouped: above the threshold, no group holds them together), groups, persons, seconds — plus the settings when known.
/// </summary>
public static class DedupSummary
{
    public static string ToJson(DedupReport report, int pairCount)
    {
        var stats = report.Statistics;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("images", stats.Images);
            json.WriteNumber("faces", stats.Faces);
            json.WriteStartObject("reasons");
            foreach (var (code, count) in stats.ReasonCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                json.WriteNumber(code, count);
            json.WriteEndObject();
            json.WriteNumber("pairs", pairCount);
            json.WriteNumber("ungrouped_pairs", report.UngroupedPairs.Count);
            json.WriteNumber("groups", report.Groups.Count);
            json.WriteNumber("grouped_images", report.Groups.Sum(g => g.Members.Count));
            json.WriteNumber("persons", report.Persons.Count);
            json.WriteNumber("rejected_images", report.Rejected.Count);
            json.WriteNumber("seconds", Math.Round(stats.Seconds, 3));
            if (stats.Detector is not null) json.WriteString("detector", stats.Detector);
            if (stats.Model is not null) json.WriteString("model", stats.Model);
            if (stats.Threshold is double threshold) json.WriteNumber("threshold", threshold);
            if (stats.GroupCut is double groupCut) json.WriteNumber("group_cut", groupCut);
            if (stats.GroupCutProbability is double groupP) json.WriteNumber("group_cut_probability", Math.Round(groupP, 4));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
