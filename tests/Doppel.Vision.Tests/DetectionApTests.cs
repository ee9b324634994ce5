using Doppel.Vision.Detection.Evaluation;

namespace Doppel.Vision.Tests;

/// <summary>The WIDER AP rules on cases small enough to work out by hand.</summary>
public class DetectionApTests
{
    private static GroundTruthFace Easy(float x, float y, float size = 20) => new(new BoxF(x, y, size, size), true, true, true);
    private static GroundTruthFace HardOnly(float x, float y, float size = 20) => new(new BoxF(x, y, size, size), false, false, true);
    private static DetectedFace On(GroundTruthFace face, float score) => new(face.Box, score, null);
    private static DetectedFace Nowhere(float score) => new(new BoxF(500, 500, 20, 20), score, null);

    private static double Ap(WiderDifficulty difficulty, params (AnnotatedImage Truth, DetectedFace[] Detections)[] images)
    {
        var evaluator = new DetectionApEvaluator();
        foreach (var (truth, detections) in images)
            evaluator.Add(truth, detections);
        return evaluator.Evaluate(difficulty).AveragePrecision;
    }

    [Fact]
    public void False_positive_between_two_hits_gives_the_interpolated_area()
    {
        // Ranked: hit, miss, hit → (R .5, P 1), (R .5, P .5), (R 1, P 2/3); envelope area = .5·1 + .5·2/3.
        GroundTruthFace a = Easy(0, 0), b = Easy(100, 0);
        var image = new AnnotatedImage("x.jpg", [a, b]);
        Ap(WiderDifficulty.Easy, (image, [On(a, 0.9f), Nowhere(0.6f), On(b, 0.3f)])).ShouldBe(0.5 + 0.5 * 2 / 3.0, 1e-9);
    }

    [Fact]
    public void Detection_matched_to_a_face_outside_the_setting_is_neither_true_nor_false_positive()
    {
        GroundTruthFace easy = Easy(0, 0), hard = HardOnly(100, 0);
        var image = new AnnotatedImage("x.jpg", [easy, hard]);
        DetectedFace[] detections = [On(hard, 0.9f), On(easy, 0.8f)];
        // Counted as a false positive it would halve precision at the top rank (AP 0.5).
        Ap(WiderDifficulty.Easy, (image, detections)).ShouldBe(1.0, 1e-9);
        Ap(WiderDifficulty.Hard, (image, detections)).ShouldBe(1.0, 1e-9);
    }

    [Fact]
    public void Second_detection_of_a_recalled_face_is_a_false_positive()
    {
        GroundTruthFace a = Easy(0, 0), b = Easy(100, 0);
        var image = new AnnotatedImage("x.jpg", [a, b]);
        var duplicate = new DetectedFace(new BoxF(1, 1, 20, 20), 0.8f, null);
        Ap(WiderDifficulty.Easy, (image, [On(a, 0.9f), duplicate, On(b, 0.7f)])).ShouldBe(0.5 + 0.5 * 2 / 3.0, 1e-9);
    }

    [Fact]
    public void Missed_faces_cap_recall_and_images_without_detections_still_count_their_faces()
    {
        GroundTruthFace a = Easy(0, 0), b = Easy(100, 0);
        var found = new AnnotatedImage("found.jpg", [a, b]);
        var empty = new AnnotatedImage("empty.jpg", [Easy(0, 0), Easy(50, 50)]);
        // One of four faces found with precision 1 → AP 0.25.
        Ap(WiderDifficulty.Easy, (found, [On(a, 0.9f)]), (empty, [])).ShouldBe(0.25, 1e-9);
    }

    [Fact]
    public void Detections_below_half_overlap_do_not_count()
    {
        var face = Easy(0, 0, 10);
        var image = new AnnotatedImage("x.jpg", [face]);
        // Official IoU of (0,0,10,10) and (5,0,10,10): 6·11 / (121 + 121 − 66) = 0.375.
        var shifted = new DetectedFace(new BoxF(5, 0, 10, 10), 0.9f, null);
        DetectionApEvaluator.OfficialIoU(face.Box, shifted.Box).ShouldBe(66 / 176.0, 1e-9);
        Ap(WiderDifficulty.Easy, (image, [shifted])).ShouldBe(0.0);
    }

    [Fact]
    public void Scores_are_normalised_over_all_images_before_thresholding()
    {
        // Same ranking on a different score scale gives the same AP.
        GroundTruthFace a = Easy(0, 0), b = Easy(100, 0);
        var image = new AnnotatedImage("x.jpg", [a, b]);
        double raw = Ap(WiderDifficulty.Easy, (image, [On(a, 90f), Nowhere(60f), On(b, 30f)]));
        raw.ShouldBe(0.5 + 0.5 * 2 / 3.0, 1e-9);
    }

    [Fact]
    public void Interpolation_uses_the_precision_envelope()
    {
        DetectionApEvaluator.InterpolatedAveragePrecision([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3.0]).ShouldBe(0.5 + 0.5 * 2 / 3.0, 1e-12);
        DetectionApEvaluator.InterpolatedAveragePrecision([0.2, 0.4], [0.5, 1.0]).ShouldBe(0.4, 1e-12);
    }

    [Fact]
    public void Face_counts_follow_the_difficulty_flags()
    {
        var image = new AnnotatedImage("x.jpg", [Easy(0, 0), HardOnly(50, 0), HardOnly(100, 0)]);
        var evaluator = new DetectionApEvaluator();
        evaluator.Add(image, []);
        evaluator.Evaluate(WiderDifficulty.Easy).FaceCount.ShouldBe(1);
        evaluator.Evaluate(WiderDifficulty.Medium).FaceCount.ShouldBe(1);
        evaluator.Evaluate(WiderDifficulty.Hard).FaceCount.ShouldBe(3);
        evaluator.Evaluate(WiderDifficulty.Hard).AveragePrecision.ShouldBe(0);
    }

    [Fact]
    public void Shared_wider_subset_loads_with_the_documented_counts()
    {
        var images = WiderAnnotations.Load(Path.Combine(DetectionApTestData.WiderRoot, "annotations.json"));
        images.Count.ShouldBe(305);
        var faces = images.SelectMany(i => i.Faces).ToList();
        faces.Count.ShouldBe(3521);
        faces.Count(f => f.Easy).ShouldBe(573);
        faces.Count(f => f.Medium).ShouldBe(1222);
        faces.Count(f => f.Hard).ShouldBe(2588);
        faces.ShouldAllBe(f => (!f.Easy || f.Medium) && (!f.Medium || f.Hard));
        images[0].RelativePath.ShouldBe("images/0--Parade/0_Parade_marchingband_1_606.jpg");
        images[0].Faces[0].Box.ShouldBe(new BoxF(8, 213, 22, 24));
    }

    [Fact]
    public void Malformed_annotations_give_a_clear_error()
    {
        var dir = Doppel.Testing.RepoPaths.NewTempDir();
        var path = Path.Combine(dir, "annotations.json");
        File.WriteAllText(path, "{ \"not\": \"an array\" }");
        Should.Throw<InvalidDataException>(() => WiderAnnotations.Load(path)).Message.ShouldContain("not a WIDER annotation array");
        Should.Throw<FileNotFoundException>(() => WiderAnnotations.Load(Path.Combine(dir, "missing.json")));
    }

    [Fact]
    public void PR_plot_is_written_as_png()
    {
        GroundTruthFace a = Easy(0, 0), b = Easy(100, 0);
        var evaluator = new DetectionApEvaluator();
        evaluator.Add(new AnnotatedImage("x.jpg", [a, b]), [On(a, 0.9f), Nowhere(0.6f), On(b, 0.3f)]);
        var path = Path.Combine(Doppel.Testing.RepoPaths.NewTempDir(), "report", "pr.png");
        PrCurvePlot.Write(path, "test", evaluator.EvaluateAll());
        using var image = OpenCvSharp.Cv2.ImRead(path);
        image.Width.ShouldBe(720);
        image.Height.ShouldBe(560);
    }
}
