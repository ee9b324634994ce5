using Doppel.Jobs.Dedup;
using Doppel.Matching;
using Doppel.Models;
using Doppel.Storage;
using Doppel.Vision.Embedding;

namespace Doppel.Jobs.Tests;

/// <summary>The licence-clean profile levels faces against its shipped reference cohort, of the vectors' own version only,
/// so a pair scores the same whatever else is in the set (issue 12: hostile files must not move the real photos' findings).</summary>
public class ReferenceCohortTests
{
    private static readonly RecognitionProfile Profile = RecognitionProfiles.DlibResNet29;

    [Fact]
    public void The_cohort_is_the_one_of_the_vectors_version_and_no_other()
    {
        var version = FacePipelineAnalyzer.ModelVersionOf(ModelNames.DlibResNet29, new EmbedderOptions());
        var cohort = Profile.CohortFor(version).ShouldNotBeNull();
        // The LFW dev images of the 2,132 people of pairsDevTrain (one image holds two faces), 128-d.
        cohort.Count.ShouldBe(3443);
        cohort.Dimension.ShouldBe(128);
        // The default flips (the profile was fitted so); vectors made without flip have a cohort of their own.
        version.ShouldEndWith(" flip");
        FacePipelineAnalyzer.ModelVersionOf(ModelNames.DlibResNet29, new EmbedderOptions { FlipTta = true }).ShouldBe(version);
        var unflipped = FacePipelineAnalyzer.ModelVersionOf(ModelNames.DlibResNet29, new EmbedderOptions { FlipTta = false });
        Profile.CohortFor(unflipped).ShouldNotBeNull().ModelVersion.ShouldBe(unflipped);
        cohort.ShouldNotBeSameAs(Profile.CohortFor(unflipped));
        // The float graph and jitters make other vectors: no cohort, every face gets the fallback level.
        Profile.CohortFor(FacePipelineAnalyzer.ModelVersionOf(ModelNames.DlibResNet29, new EmbedderOptions { Precision = ModelPrecision.Float32 })).ShouldBeNull();
        Profile.CohortFor(FacePipelineAnalyzer.ModelVersionOf(ModelNames.DlibResNet29, new EmbedderOptions { Jitters = 4 })).ShouldBeNull();
        Profile.CohortFor(null).ShouldBeNull();
        RecognitionProfiles.MobileFaceNet192.Cohorts.ShouldBeEmpty();
    }

    [Fact]
    public void The_default_fusion_levels_with_its_members_cohorts_and_flips_dlib_only()
    {
        var fusion = RecognitionProfiles.LicenceCleanFusion;
        ModelProfiles.LicenceClean.Recognition.ShouldBeSameAs(fusion);
        var version = FacePipelineAnalyzer.ModelVersionOf(fusion.Model, new EmbedderOptions());
        // The pipeline's default vectors have a fused cohort: a mismatch would give every face the fallback level silently.
        var cohort = fusion.CohortFor(version).ShouldNotBeNull();
        cohort.Dimension.ShouldBe(128 + 1024);
        cohort.Members.ShouldNotBeNull().Select(m => (m.Cohort.Dimension, m.Weight)).ShouldBe([(128, 0.86f), (1024, 0.14f)]);
        // dlib flips, faceres does not; --flip / --no-flip name every member.
        version.Split(" + ")[0].ShouldEndWith(" flip *0.86");
        version.Split(" + ")[1].ShouldNotContain("flip");
        FacePipelineAnalyzer.ModelVersionOf(fusion.Model, new EmbedderOptions { FlipTta = true }).Split(" + ").ShouldAllBe(p => p.Contains(" flip"));
        var unflipped = FacePipelineAnalyzer.ModelVersionOf(fusion.Model, new EmbedderOptions { FlipTta = false });
        unflipped.ShouldNotContain("flip");
        // dlib has a cohort without flip too, so that fusion is levelled as well; faceres's float graph has none.
        fusion.CohortFor(unflipped).ShouldNotBeNull();
        fusion.CohortFor(FacePipelineAnalyzer.ModelVersionOf(fusion.Model, new EmbedderOptions { Precision = ModelPrecision.Float32 })).ShouldBeNull();
        Doppel.Matching.Clustering.ClusterDefaults.IsTuned(fusion.Model).ShouldBeTrue();
    }

    [Fact]
    public void A_pair_scores_the_same_whatever_else_the_set_holds()
    {
        var version = FacePipelineAnalyzer.ModelVersionOf(ModelNames.DlibResNet29, new EmbedderOptions());
        var cohort = Profile.CohortFor(version)!;
        var random = new Random(7);
        // Faces made from real dlib vectors (cohort rows) with noise: two photos per "person", some look-alike hubs.
        FaceEmbedding Face(long id, int row)
        {
            var v = cohort.Row(row).ToArray();
            for (int i = 0; i < v.Length; i++)
                v[i] += (float)(random.NextDouble() - 0.5) * 0.02f;
            return new FaceEmbedding(id, ModelNames.DlibResNet29, version, v);
        }
        var set = Enumerable.Range(0, 60).Select(i => Face(i, i / 2)).ToList();
        var others = Enumerable.Range(0, 300).Select(i => Face(1000 + i, 30 + i / 3)).ToList();
        DedupMatch Run(IReadOnlyList<FaceEmbedding> faces) => DedupMatcher.Match(faces, faces.ToDictionary(f => f.FaceId, f => f.FaceId),
            faces.ToDictionary(f => f.FaceId, f => $"h{f.FaceId}"), new HashSet<(string, string)>(), Profile.DedupThreshold, GroupingMode.Average,
            VectorSearch.Exact, Profile, version, TestContext.Current.CancellationToken);

        var alone = Run(set);
        var mixed = Run([.. set, .. others]);
        alone.Pairs.Count.ShouldBeGreaterThanOrEqualTo(25); // the 30 noisy twins, less a few hub pairs below the threshold
        mixed.Pairs.Where(p => p.MediaA < 1000 && p.MediaB < 1000).ShouldBe(alone.Pairs, ignoreOrder: true);
        foreach (var face in set)
            mixed.FaceLevels![face.FaceId].ShouldBe(alone.FaceLevels![face.FaceId]);
    }

    /// <summary>What the report tells a reviewer a group stands for: the mean score average linkage cut at, and its match
    /// probability, the profile's policy (p 0.8 in a set no larger than the calibration's). Connected groups cut on no mean.</summary>
    [Fact]
    public void Average_linkage_groups_say_the_score_and_probability_they_join_at()
    {
        var version = FacePipelineAnalyzer.ModelVersionOf(ModelNames.DlibResNet29, new EmbedderOptions());
        var cohort = Profile.CohortFor(version)!;
        var faces = Enumerable.Range(0, 40).Select(i => new FaceEmbedding(i, ModelNames.DlibResNet29, version, cohort.Row(i / 2 * 97).ToArray())).ToList();
        DedupMatch Run(GroupingMode grouping) => DedupMatcher.Match(faces, faces.ToDictionary(f => f.FaceId, f => f.FaceId),
            faces.ToDictionary(f => f.FaceId, f => $"h{f.FaceId}"), new HashSet<(string, string)>(), Profile.DedupThreshold, grouping,
            VectorSearch.Exact, Profile, version, TestContext.Current.CancellationToken);

        var average = Run(GroupingMode.Average);
        average.Groups.Count.ShouldBeGreaterThanOrEqualTo(19); // each row twice: twenty pairs of identical faces (two people may meet)
        average.GroupCut.ShouldBe(Profile.GroupCut(Profile.DedupThreshold, 40));
        average.GroupCut!.Value.ShouldBeGreaterThan(Profile.DedupThreshold);
        average.GroupCutProbability!.Value.ShouldBe(RecognitionProfiles.DefaultGroupMinProbability, 1e-4);
        var connected = Run(GroupingMode.Connected);
        connected.Pairs.ShouldBe(average.Pairs, ignoreOrder: true);
        connected.GroupCut.ShouldBeNull();
        connected.GroupCutProbability.ShouldBeNull();
    }
}
