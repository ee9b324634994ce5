using Doppel.Application.Dedup;
using Doppel.Jobs.Dedup;
using Doppel.Jobs.Ingest;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;

namespace Doppel.Jobs.Tests;

/// <summary>
/// The main job (<see cref="DedupSetHandler"/>, what <c>doppel dedup</c> runs) over the whole LFW dev set (4,992 images, 3,189 same-person pairs among 12.4 M) with
/// the default models, scored against the folder names. Measured 2026-12-07 (licence-clean profile:
/// dlib-resnet29, levels against the fixed reference cohort, normalised threshold 0.0271, average-linkage
/// groups): 2,957 image pairs in 1,095 groups, pair precision 0.876, recall 0.811 (levels over the set
/// itself: 0.849 / 0.804; before normalisation and grouping: 2,720 pairs, 0.831 / 0.708, largest group 201
/// images of many people, 22 % of grouped images in mixed groups); largest group 8 = the largest identity,
/// 8.4 % of grouped images in a group mixing people; 1,013 of the 1,165 people with several photos found in
/// a group with another photo of themselves (86.9 %). Groups cut at p 0.6 (session 6): 1,036 groups, 4.9 % mixed.
/// Cut corrected for the set's size (2026-12-07, trust7: 4,992 faces against the calibration's 3,443, cut 0.0300 →
/// 0.0316): the same 2,957 pairs in 1,010 groups, 3.9 % of grouped images in mixed groups (100 of 2,543), BCubed F
/// 0.944, about 966 of the 1,165 people found (82.9 %, from the same groups in bench/peers' Python).
/// Flip (session 9: each face averaged with its mirror image, cohort, threshold 0.0272 and calibration refitted): 2,997
/// pairs, P 0.899, R 0.844, F1 0.871, 1,046 groups, 3.2 % of grouped images in mixed groups (86 of 2,653), BCubed F 0.954.
/// Until session 11 this test built dlib alone (the figures above); since then the product's default, the licence-clean
/// fusion (session 10, dlib with flip + faceres): 3,101 pairs, P 0.913, R 0.887, F1 0.900, 1,077 groups,
/// 2.3 % mixed (64 of 2,761), BCubed F 0.966. Groups at p 0.8 (session 11, odds 4 to 1 for a group; pairs unchanged): 1,043
/// groups, 1.4 % mixed (37 of 2,651), BCubed F 0.959, 1,020 of the 1,165 people found (87.6 %).
/// </summary>
public class LfwDedupTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Lfw_dev_people_with_several_photos_come_out_as_duplicate_groups()
    {
        var images = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var db = Path.Combine(RepoPaths.NewTempDir("doppel-lfw-dedup"), "lfw.db");
        DedupOutcome outcome;
        await using (var database = SqliteDatabase.Open(db))
        // The product's default: the default detector and the licence-clean profile's recogniser (the fusion), as `doppel dedup` builds it.
        using (var analyzer = new FacePipelineAnalyzer(new FacePipelineRecipe(DetectorRegistry.Default, ModelProfiles.Default.Embedder)))
            outcome = await new DedupSetHandler(database, TenantId.Default, LocalFolderMediaStore.Instance, analyzer)
                .HandleAsync(new DedupSetCommand { Roots = [images] }, TestContext.Current.CancellationToken);

        var personOf = outcome.Images.ToDictionary(i => i.Media.Id, i => Path.GetFileName(Path.GetDirectoryName(i.Media.Path))!);
        int truePairs = personOf.Values.GroupBy(p => p).Sum(g => g.Count() * (g.Count() - 1) / 2);
        int correct = outcome.Pairs.Count(p => personOf[p.MediaA] == personOf[p.MediaB]);
        double precision = correct / (double)outcome.Pairs.Count, recall = correct / (double)truePairs;

        // People with several photos, and how many of them appear in at least one group with another
        // photo of themselves.
        var several = personOf.Values.GroupBy(p => p).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        var grouped = outcome.Groups.SelectMany(g => g.GroupBy(id => personOf[id]).Where(x => x.Count() > 1).Select(x => x.Key)).ToHashSet();
        double peopleFound = grouped.Count(several.Contains) / (double)several.Count;
        output.WriteLine($"images {outcome.Images.Count}, faces {outcome.Faces.Count}, pairs {outcome.Pairs.Count} in {outcome.Groups.Count} groups, threshold {outcome.Threshold:0.000}");
        output.WriteLine($"pair precision {precision:0.000}, recall {recall:0.000} (of {truePairs} same-person pairs); people with several photos found as a group: {grouped.Count(several.Contains)} of {several.Count} ({peopleFound:P1})");

        outcome.Images.Count.ShouldBe(4992);
        outcome.Faces.Count.ShouldBeGreaterThanOrEqualTo(4990);
        outcome.Model.ShouldBe(EmbedderRegistry.StoredName(RecognitionProfiles.LicenceCleanFusionName));
        int largestIdentity = personOf.Values.GroupBy(p => p).Max(g => g.Count());
        int largestGroup = outcome.Groups.Max(g => g.Count);
        int groupedImages = outcome.Groups.Sum(g => g.Count);
        int mixed = outcome.Groups.Where(g => g.Select(id => personOf[id]).Distinct().Count() > 1).Sum(g => g.Count);
        output.WriteLine($"largest group {largestGroup} (largest identity {largestIdentity}); {mixed} of {groupedImages} grouped images in groups mixing people");

        outcome.Images.Count.ShouldBe(4992);
        outcome.Faces.Count.ShouldBeGreaterThanOrEqualTo(4990);
        // Floors 0.02-0.04 under the fusion's measurement (P 0.913, R 0.887, F1 0.900, 87.6 % of people found; another
        // machine's ONNX Runtime may round differently); pair F1 well above issue 14's bound of 0.85.
        precision.ShouldBeGreaterThanOrEqualTo(0.89);
        recall.ShouldBeGreaterThanOrEqualTo(0.86);
        (2 * precision * recall / (precision + recall)).ShouldBeGreaterThanOrEqualTo(0.875);
        peopleFound.ShouldBeGreaterThanOrEqualTo(0.85);
        // Groups do not chain: the bound is 2x the largest identity (it was 201 images of many people).
        largestGroup.ShouldBeLessThanOrEqualTo(2 * largestIdentity);
        // Issue 14's bound: at most 2 % of grouped images in a group mixing people. Measured 1.4 % (the fusion, groups at
        // p 0.8; 2.3 % at p 0.6, 3.2 % with dlib alone); slack 0.6 points, about five two-image groups of strangers.
        ((double)mixed / groupedImages).ShouldBeLessThanOrEqualTo(0.02);
        // Every pair carries a calibrated probability, in [0, 1] and ordered like the scores.
        var byScore = outcome.Pairs.OrderBy(p => p.Score).ToList();
        byScore.ShouldAllBe(p => p.Probability >= 0 && p.Probability <= 1);
        for (int i = 1; i < byScore.Count; i++)
            byScore[i].Probability!.Value.ShouldBeGreaterThanOrEqualTo(byScore[i - 1].Probability!.Value);
    }
}
