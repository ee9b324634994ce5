using System.Text.Json.Nodes;
using Doppel.Application;
using Doppel.Application.Sets;
using Doppel.Storage;

namespace Doppel.Service.Tests;

/// <summary>The rules under the API: the transition table, the 0–1 confidence and HOPE's settings merge.</summary>
public sealed class SetRulesTests
{
    [Fact]
    public void ClosedSetsNeverMoveAndProcessingTwiceIsAConflict()
    {
        foreach (var action in Enum.GetValues<SetAction>())
        {
            SetTransitions.TryNext(SetState.Inactive, action, out _).ShouldBeFalse(action.ToString());
            SetTransitions.TryNext(SetState.Rejected, action, out _).ShouldBeFalse(action.ToString());
        }
        Should.Throw<ConflictException>(() => SetTransitions.Next(SetState.Processing, SetAction.Process)).Message.ShouldBe("The set is already processing.");
        SetTransitions.Next(SetState.Failed, SetAction.Retry).ShouldBe(SetState.Processing);
        Should.Throw<ConflictException>(() => SetTransitions.Next(SetState.Ready, SetAction.Retry));
        // Every state but the closed ones can reach a closed one (no set is stuck open for ever).
        foreach (var state in new[] { SetState.Ready, SetState.Modified, SetState.Failed })
            SetTransitions.TryNext(state, SetAction.Reject, out var to).ShouldBeTrue(state.ToString());
    }

    [Theory]
    [InlineData(0.946f)]
    [InlineData(0.595f)]
    public void ConfidenceIsOneHalfAtTheModelsThresholdAndInvertible(float threshold)
    {
        Confidence.Of(threshold, threshold).ShouldBe(0.5f, 1e-6f);
        Confidence.Of(1f, threshold).ShouldBe(1f, 1e-6f);
        Confidence.Of(-1f, threshold).ShouldBe(0f);
        foreach (var c in new[] { 0.3, 0.5, 0.7, 0.9 })
            Confidence.Of(Confidence.CosineAt(c, threshold), threshold).ShouldBe((float)c, 1e-5f);
    }

    [Fact]
    public void SettingsMergeKeepsTheRestAndReadsV01Distance()
    {
        var merged = GroupSettings.Default.Merge(new JsonObject { ["face_distance_threshold"] = 0.4, ["sharpness_threshold"] = 0.2 });
        merged.DuplicateConfidenceThreshold.ShouldBe(0.6, 1e-9);
        merged.SharpnessThreshold.ShouldBe(0.2);
        merged.FaceDetectionConfidenceThreshold.ShouldBe(0.9);
        GroupSettings.FromJson(merged.ToJson()).ShouldBe(merged);
        Should.Throw<ValidationException>(() => GroupSettings.Default.Merge(new JsonObject { ["eyes_open_threshold"] = "high" }));
    }
}
