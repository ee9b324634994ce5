using System.Text.Json;
using Doppel.Testing;

namespace Doppel.Cli.Tests;

/// <summary>
/// The issue's LFW floors, through the command a user runs: threshold from pairsDevTrain, accuracy on
/// pairsDevTest. Measured 2026-11-24: default models (BlazeFace + face-api's 68 landmarks, 8-bit dlib
/// ResNet-29) 98.9 % (10-fold over all dev pairs 98.9 %); the float graph with --flip 99.0 % (99.0 %);
/// the best ensemble (dlib ×5 + MobileFaceNet-192 on faceplugin's 68-point landmarks) 99.4 % (99.6 %).
/// </summary>
public class EvalVerifyCommandTests
{
    private static JsonElement Verify(params string[] extra)
    {
        var lfw = SharedData.Require("data/lfw-dev");
        string[] args = ["eval", "verify", "--images", Path.Combine(lfw, "images"),
            "--train", Path.Combine(lfw, "pairsDevTrain.txt"), "--test", Path.Combine(lfw, "pairsDevTest.txt"), "--json", .. extra];
        var run = DoppelProcess.Run(RepoPaths.NewTempDir(), args);
        run.ExitCode.ShouldBe(0, run.Error);
        var json = run.Output.Split('\n').Single(l => l.StartsWith('{'));
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    [Fact]
    public void Default_models_reach_their_floor_and_report_every_key()
    {
        var r = Verify();
        r.GetProperty("model").GetString().ShouldBe("dlib-resnet29+faceres");
        r.GetProperty("images").GetInt32().ShouldBe(4992);
        r.GetProperty("failed_images").GetInt32().ShouldBeLessThanOrEqualTo(1);
        r.GetProperty("detector").GetString().ShouldBe("blazeface-yunet+faceapi-landmark68");
        // The issue's floor, 98.8 %: measured 98.9 % with dlib alone and with the licence-clean fusion (dlib with flip and
        // faceres, 2026-12-08: pairsDevTrain 99.4 %); one pair of slack for CPUs that round differently.
        r.GetProperty("accuracy").GetDouble().ShouldBeGreaterThanOrEqualTo(0.988);
        r.GetProperty("accuracy_10fold").GetDouble().ShouldBeGreaterThanOrEqualTo(0.986);
        r.GetProperty("auc").GetDouble().ShouldBeGreaterThan(0.99);
        r.GetProperty("tar_at_far_1e-3").GetDouble().ShouldBeGreaterThan(0.9);
        r.GetProperty("threshold").GetDouble().ShouldBeInRange(0.85, 0.95);
        r.GetProperty("accuracy_std").GetDouble().ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Float_graph_with_flip_reaches_the_issue_floor()
    {
        // The float dlib graph plus the mirrored face (two network runs per face): measured 99.0 %
        // (10-fold 99.0 %).
        var r = Verify("--model", "dlib-resnet29", "--precision", "float", "--flip");
        r.GetProperty("accuracy").GetDouble().ShouldBeGreaterThanOrEqualTo(0.989);
        r.GetProperty("accuracy_10fold").GetDouble().ShouldBeGreaterThanOrEqualTo(0.987);
    }

    [Fact]
    public void Best_ensemble_reaches_the_issue_floor()
    {
        var r = Verify("--model", "dlib-resnet29*5+mobilefacenet-192", "--detector", "blazeface-back+faceplugin-landmark68");
        r.GetProperty("accuracy").GetDouble().ShouldBeGreaterThanOrEqualTo(0.993);
        r.GetProperty("accuracy_10fold").GetDouble().ShouldBeGreaterThanOrEqualTo(0.994);
    }
}
