using Doppel.Vision.Embedding;
using Doppel.Workers;

namespace Doppel.Workers.Tests;

/// <summary>
/// Every job scores a work set with the recognition profile of the recogniser it recorded, an ensemble's weights kept;
/// the stored model name drops them (the accurate profile's fusion read as an unweighted ensemble: another threshold and
/// no calibration), so it is only the fallback of a set queued before sets recorded their recogniser.
/// </summary>
public sealed class WorkSetProfileTests
{
    private static WorkSet Set(string model, string? recogniser) =>
        new(1, 1, 1, WorkState.Analysing, model, null, null, "average", 64, 16384, [], 0, 0, null, 0, null, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)
        {
            Recogniser = recogniser,
        };

    [Fact]
    public void TheRecordedRecognisersProfileScoresTheSetAndTheStoredNameIsOnlyTheFallback()
    {
        var accurate = new Doppel.Jobs.FacePipelineRecipe(Doppel.Vision.Detection.DetectorRegistry.Default, ModelProfiles.Accurate.Embedder);
        Set(accurate.EmbeddingModel, accurate.Embedder).Profile.ShouldBe(RecognitionProfiles.Accurate);
        var clean = new Doppel.Jobs.FacePipelineRecipe(Doppel.Vision.Detection.DetectorRegistry.Default, ModelProfiles.LicenceClean.Embedder);
        Set(clean.EmbeddingModel, clean.Embedder).Profile.ShouldBe(RecognitionProfiles.LicenceCleanFusion);

        var unrecorded = Set(accurate.EmbeddingModel, null).Profile;
        unrecorded.ShouldNotBe(RecognitionProfiles.Accurate);
        unrecorded.RawDedupThreshold.ShouldNotBe(RecognitionProfiles.Accurate.RawDedupThreshold);
        // A single recogniser's stored name is its own name: its profile either way.
        Set(Doppel.Models.ModelNames.DlibResNet29, null).Profile.ShouldBe(RecognitionProfiles.DlibResNet29);
    }
}
