using Doppel.Vision.Embedding;

namespace Doppel.Vision.Tests;

/// <summary>Every threshold comes from one recognition profile per recogniser.</summary>
public class RecognitionProfileTests
{
    [Fact]
    public void Measured_profiles_hold_the_thresholds_the_pipeline_uses()
    {
        var dlib = RecognitionProfiles.For("dlib-resnet29");
        dlib.ShouldBeSameAs(RecognitionProfiles.DlibResNet29);
        EmbedderSpec.DlibResNet29.DefaultThreshold.ShouldBe(dlib.VerificationThreshold);
        dlib.Normalisation.ShouldNotBeNull();
        dlib.Calibration.ShouldNotBeNull();
        dlib.Cluster.DbscanEps.ShouldBe(0.04f);
        // The calibration puts the dedup threshold where about 4 in 10 pairs are the same person (fitted: 0.386).
        dlib.Probability(dlib.DedupThreshold)!.Value.ShouldBeInRange(0.3, 0.5);

        var mfn = RecognitionProfiles.For("mobilefacenet-192");
        mfn.Quality.ShouldBe(QualitySource.EmbeddingNorm);
        EmbedderSpec.FromCatalog("mobilefacenet-192").NormIsQuality.ShouldBeTrue();
        EmbedderSpec.FromCatalog("mobilefacenet-192").DefaultThreshold.ShouldBe(mfn.VerificationThreshold);
        mfn.Normalisation.ShouldBeNull();
    }

    [Fact]
    public void An_ensemble_is_found_however_its_weights_are_written()
    {
        RecognitionProfiles.For("dlib-resnet29*2+mobilefacenet-192+faceplugin-feature-512").ShouldBeSameAs(RecognitionProfiles.Accurate);
        RecognitionProfiles.For("dlib-resnet29*1 + mobilefacenet-192*0.5+faceplugin-feature-512*0.5").ShouldBeSameAs(RecognitionProfiles.Accurate);
        RecognitionProfiles.For("dlib-resnet29*2+mobilefacenet-192").ShouldBeSameAs(RecognitionProfiles.DlibMobileFaceNet);
        RecognitionProfiles.For("dlib-resnet29*4 + mobilefacenet-192*2").ShouldBeSameAs(RecognitionProfiles.DlibMobileFaceNet);
        RecognitionProfiles.For("dlib-resnet29*0.6666667+mobilefacenet-192*0.3333333").ShouldBeSameAs(RecognitionProfiles.DlibMobileFaceNet);

        // An unmeasured ensemble: the weighted mean of its members' raw dedup thresholds, no calibration.
        var even = RecognitionProfiles.For("dlib-resnet29+mobilefacenet-192");
        even.Measured.ShouldBeFalse();
        even.DedupThreshold.ShouldBe((0.9481f + 0.595f) / 2, 1e-5f);
        even.Calibration.ShouldBeNull();
        even.Probability(0.9f).ShouldBeNull();
    }

    [Fact]
    public void Profiles_name_their_models_and_the_ones_whose_licence_needs_accepting()
    {
        ModelProfiles.LicenceClean.NeedingAcceptance.ShouldBeEmpty();
        ModelProfiles.LicenceClean.Recognition.ShouldBeSameAs(RecognitionProfiles.LicenceCleanFusion);
        ModelProfiles.Accurate.NeedingAcceptance.Select(m => m.Name).ShouldBe(["mobilefacenet-192", "faceplugin-feature-512"]);
        ModelProfiles.Accurate.Models.Select(m => m.Name).ShouldContain("dlib-resnet29");
        // The default detector is a cascade: its parts are what a profile installs.
        ModelProfiles.LicenceClean.Models.Select(m => m.Name).ShouldBe(["blazeface-front", "blazeface-back", "yunet", "faceapi-landmark68", "dlib-resnet29", "faceres"]);
        Should.Throw<ArgumentException>(() => ModelProfiles.Get("fastest")).Message.ShouldContain("licence-clean, accurate");
    }

    [Fact]
    public void A_run_s_group_probability_replaces_the_profile_s_and_nothing_else()
    {
        var fusion = RecognitionProfiles.LicenceCleanFusion;
        RecognitionProfiles.WithGroupProbability(fusion, null).ShouldBeSameAs(fusion);
        var loose = RecognitionProfiles.WithGroupProbability(fusion, 0.5);
        loose.GroupMinProbability.ShouldBe(0.5);
        // p 0.5 is log-odds 0: the score where the calibration's line crosses zero, 6.440 / 202.447.
        loose.GroupCut(loose.DedupThreshold).ShouldBe(0.0318f, 0.0001f);
        loose.GroupCut(loose.DedupThreshold).ShouldBeLessThan(fusion.GroupCut(fusion.DedupThreshold));
        (loose.DedupThreshold, loose.Calibration, loose.Normalisation, loose.Model).ShouldBe((fusion.DedupThreshold, fusion.Calibration, fusion.Normalisation, fusion.Model));
        fusion.GroupMinProbability.ShouldBe(RecognitionProfiles.DefaultGroupMinProbability); // the shared profile is untouched
        foreach (var bad in new[] { 0, 1, -0.2, 1.5, double.NaN })
            Should.Throw<ArgumentOutOfRangeException>(() => RecognitionProfiles.WithGroupProbability(fusion, bad));
    }

    [Fact]
    public void Groups_in_sets_larger_than_the_calibration_s_ask_for_the_same_probability_after_the_prior_shift()
    {
        var dlib = RecognitionProfiles.DlibResNet29;
        float t = dlib.DedupThreshold, fitted = dlib.GroupCut(t);
        // p 0.8 (odds 4 to 1, every measured profile's group policy) on the fitting set's scale: normalised 0.0333 (flip's
        // calibration: slope 260.43, intercept −7.291).
        RecognitionProfiles.DefaultGroupMinProbability.ShouldBe(0.8);
        fitted.ShouldBe(0.03332f, 0.0001f);
        // Sets up to the calibration's 3,443 faces keep the fitted cut (ORL, Yale, the held-out LFW people).
        dlib.GroupCut(t, 165).ShouldBe(fitted);
        dlib.GroupCut(t, 3443).ShouldBe(fitted);
        // All of LFW dev (4,992 faces): log-odds + ln(4992 / 3443) = 0.37, 0.0014 higher at slope 260.43.
        dlib.GroupCut(t, 4992).ShouldBe(0.0347f, 0.0001f);
        // Ten times the faces: ln 10 = 2.30 more log-odds, 0.0088 higher; it only grows with the set.
        dlib.GroupCut(t, 34430).ShouldBe(fitted + (float)(Math.Log(10) / 260.432), 0.0001f);
        dlib.GroupCut(t, 34430).ShouldBeGreaterThan(dlib.GroupCut(t, 4992));
        // A profile without the fitting set's size keeps its cut at any size.
        var unsized = RecognitionProfiles.Accurate with { CalibrationFaces = null };
        unsized.GroupCut(unsized.DedupThreshold, 100_000).ShouldBe(unsized.GroupCut(unsized.DedupThreshold));
        // The accurate profile, fitted on the same 3,443 images: p 0.8 is 0.7510; at 4,992 faces 0.37 / 64.86 = 0.0057 higher.
        var accurate = RecognitionProfiles.Accurate;
        accurate.GroupCut(accurate.DedupThreshold, 3443).ShouldBe(0.7510f, 0.0001f);
        accurate.GroupCut(accurate.DedupThreshold, 4992).ShouldBe(0.7510f + (float)(Math.Log(4992.0 / 3443) / 64.86), 0.0001f);
        // The licence-clean default (the fusion): p 0.8 is normalised 0.0387 (slope 202.447, intercept −6.440).
        RecognitionProfiles.LicenceCleanFusion.GroupCut(RecognitionProfiles.LicenceCleanFusion.DedupThreshold).ShouldBe(0.0387f, 0.0001f);
    }
}
