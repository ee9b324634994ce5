using System.Globalization;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Reports.Dedup;
using Doppel.Storage;
using Doppel.Vision;
using Doppel.Vision.Alignment;
using Doppel.Vision.Decoding;

namespace Doppel.Jobs.Reporting;

/// <summary>
/// Turns a dedup run's outcome into the report model: duplicate groups with aligned face
/// thumbnails side by side, persons, images with no usable face and why, statistics, and the
/// match-score histogram with the threshold marked. Thumbnails are cut from the original images
/// at report time (only for faces the report shows, on every core, and never again for a thumbnail a
/// paged report in the same folder already has), so ingest stores no pixels.
/// </summary>
public static class DedupReportBuilder
{
    /// <summary>The report from what a dedup found plus the catalog's persons and the vectors of the outcome's
    /// model (read once, for the score histogram), whatever engine they come from.</summary>
    public static DedupReportFiles Write(DedupOutcome outcome, IReadOnlyList<Person> catalogPersons, Func<IEnumerable<FaceEmbedding>> embeddings,
        string outputDirectory, string? detectorName = null, DedupReportPaging? paging = null)
    {
        Directory.CreateDirectory(outputDirectory);
        RemoveOldCropCache(outputDirectory);
        var mediaById = outcome.Images.GroupBy(i => i.Media.Id).ToDictionary(g => g.Key, g => g.First());
        var faceById = outcome.Faces.ToDictionary(f => f.Id);
        var decoder = new ImageDecoder();

        ReportImage Image(long mediaId, long? faceId)
        {
            var image = mediaById[mediaId];
            ReportThumbnail? thumbnail = null;
            float? quality = null;
            if (faceId is long fid && faceById.TryGetValue(fid, out var face))
            {
                quality = face.Quality;
                if (LandmarkCodec.Unflatten(face.Landmarks) is { } landmarks)
                    thumbnail = ReportThumbnail.Rendered(FaceThumbnails.CropKey(image.Media.ContentHash, face.Landmarks!), () => FaceThumbnails.AlignedCrop(decoder, image.Media.Path, landmarks));
            }
            return new ReportImage(image.File.FullPath, thumbnail) { Quality = quality };
        }

        var pairsByMedia = outcome.Pairs.ToLookup(p => p.MediaA);
        var groups = new List<DuplicateGroup>();
        foreach (var members in outcome.Groups)
        {
            var index = members.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
            var pairs = members.SelectMany(a => pairsByMedia[a]).Where(p => index.ContainsKey(p.MediaB)).ToList();
            // Show each image with the face that took part in its best pair.
            var faceOf = new Dictionary<long, long>();
            foreach (var p in pairs.OrderByDescending(p => p.Score))
            {
                faceOf.TryAdd(p.MediaA, p.FaceA);
                faceOf.TryAdd(p.MediaB, p.FaceB);
            }
            groups.Add(new DuplicateGroup(
                members.Select(m => Image(m, faceOf.TryGetValue(m, out var f) ? f : null)).ToList(),
                pairs.Select(p => new DuplicatePair(index[p.MediaA], index[p.MediaB], Math.Clamp(p.Score, 0, 1), p.Probability)).ToList()));
        }
        // Pairs the grouping kept apart are findings too: listed on their own, not hidden.
        var groupOfMedia = new Dictionary<long, int>();
        for (int g = 0; g < outcome.Groups.Count; g++)
            foreach (var m in outcome.Groups[g])
                groupOfMedia[m] = g;
        var ungrouped = outcome.Pairs
            .Where(p => !(groupOfMedia.TryGetValue(p.MediaA, out var ga) && groupOfMedia.TryGetValue(p.MediaB, out var gb) && ga == gb))
            .Select(p => new UngroupedPair(mediaById[p.MediaA].File.FullPath, mediaById[p.MediaB].File.FullPath, Math.Clamp(p.Score, 0, 1), p.Probability))
            .ToList();
        // Largest groups first, then the surest: what a reviewer should see on the report's first page.
        // The sort is stable, so equal groups keep the job's order and the report stays the same across runs.
        groups = groups.OrderByDescending(g => g.Members.Count).ThenByDescending(g => g.Pairs.Count > 0 ? g.Pairs.Max(p => p.Score) : 0).ToList();

        var persons = new List<PersonEntry>();
        var facesByPerson = outcome.Faces.Where(f => f.PersonId is not null).GroupBy(f => f.PersonId!.Value);
        var personById = catalogPersons.ToDictionary(p => p.Id);
        foreach (var group in facesByPerson.OrderByDescending(g => g.Count()).Take(200))
        {
            var label = personById.TryGetValue(group.Key, out var person) && !string.IsNullOrEmpty(person.Name) ? person.Name! : $"Person {group.Key}";
            persons.Add(new PersonEntry(label, group.Count(), group.Take(12).Select(f => Image(f.MediaId, f.Id)).ToList()));
        }

        // Images whose every face fell below --min-quality were detected fine (stored as ok) but not
        // matched: the report lists them with the reason and their best face's quality.
        string? Reason(DedupImage i) => outcome.LowQuality.ContainsKey(i.Media.Id) ? ImageStatus.LowQuality.ToCode() : i.Media.ReasonCode;
        var rejected = outcome.Images
            .Where(i => Reason(i) is not null and not "ok")
            .Select(i => outcome.LowQuality.TryGetValue(i.Media.Id, out var q)
                ? new RejectedImage(i.File.FullPath, ImageStatus.LowQuality.ToCode(), string.Create(CultureInfo.InvariantCulture, $"best face quality {q:0.00} < {outcome.MinQuality:0.00}"))
                : new RejectedImage(i.File.FullPath, i.Media.ReasonCode!, i.Media.ReasonDetail))
            .Concat(outcome.Skipped.Select(e => new RejectedImage(e.FullPath, e.Status.ToCode(), e.Detail)))
            .ToList();
        var reasonCounts = outcome.Images.Select(i => Reason(i) ?? "pending")
            .Concat(outcome.Skipped.Select(e => e.Status.ToCode()))
            .GroupBy(code => code).ToDictionary(g => g.Key, g => g.Count());
        var stats = new DedupRunStatistics(outcome.Images.Count, outcome.Faces.Count, outcome.Elapsed.TotalSeconds, reasonCounts,
            detectorName, outcome.Model, outcome.Threshold, outcome.GroupCut, outcome.GroupCutProbability);

        var report = new DedupReport(
            ScannedRoot: outcome.Images.Count > 0 ? outcome.Images[0].File.Root : outputDirectory,
            Groups: groups,
            Persons: persons,
            Rejected: rejected,
            Statistics: stats,
            ScoreHistogramPng: ScoreHistogram(outcome, embeddings))
        {
            UngroupedPairs = ungrouped,
        };
        return DedupReportWriter.Write(report, outputDirectory, paging);
    }

    /// <summary>Reports before paging kept face crops in <c>thumbnails/face-ID.jpg</c>; thumbnails now live
    /// in <c>thumbs/</c>, so the old files would only go stale (face ids differ between catalogs).</summary>
    private static void RemoveOldCropCache(string outputDirectory)
    {
        var old = Path.Combine(outputDirectory, "thumbnails");
        if (!Directory.Exists(old))
            return;
        foreach (var file in Directory.EnumerateFiles(old, "face-*.jpg"))
            File.Delete(file);
        if (!Directory.EnumerateFileSystemEntries(old).Any())
            Directory.Delete(old);
    }

    /// <summary>Every image's best match score to any other image (not only those above the
    /// threshold), so the histogram shows where the threshold cuts the distribution. The best of its 4
    /// nearest by cosine, normalised when the profile normalises (the nearest by normalised score is
    /// almost always among them).</summary>
    private static byte[]? ScoreHistogram(DedupOutcome outcome, Func<IEnumerable<FaceEmbedding>> embeddings)
    {
        var best = BestMatchScores(outcome, embeddings);
        if (best.Count == 0)
            return null;
        return DedupCharts.ScoreHistogram(best, outcome.Threshold, groupCut: outcome.GroupCut);
    }

    private static IReadOnlyList<double> BestMatchScores(DedupOutcome outcome, Func<IEnumerable<FaceEmbedding>> embeddings)
    {
        var faces = outcome.Faces.ToDictionary(f => f.Id, f => f.MediaId);
        var set = new Doppel.Matching.VectorSet(1, 1);
        var media = new List<long>();
        var levels = new List<float>();
        foreach (var e in embeddings())
        {
            if (!faces.TryGetValue(e.FaceId, out var m))
                continue;
            if (media.Count == 0)
                set = new Doppel.Matching.VectorSet(e.Dimension, faces.Count);
            set.Add(e.FaceId, e.Vector);
            media.Add(m);
            levels.Add(outcome.FaceLevels is { } known && known.TryGetValue(e.FaceId, out var level) ? level : 0);
        }
        if (media.Count < 2)
            return [];
        var top = Doppel.Matching.VectorSearch.Exact.SelfTopK(set, k: 4);
        var best = new Dictionary<long, double>();
        for (int i = 0; i < media.Count; i++)
            foreach (var n in top[i])
            {
                int other = n.A == i ? n.B : n.A;
                if (media[other] == media[i])
                    continue;
                // On the scale of the threshold: normalised like the pairs when the profile normalises.
                double score = outcome.FaceLevels is null ? n.Score : Doppel.Matching.CohortNormalisation.Normalise(n.Score, levels[i], levels[other]);
                if (!best.TryGetValue(media[i], out var s) || score > s)
                    best[media[i]] = score;
            }
        return best.Values.ToList();
    }
}
