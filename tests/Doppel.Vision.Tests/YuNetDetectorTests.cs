using Doppel.Models;
using Doppel.Vision.Detection;
using OpenCvSharp;

namespace Doppel.Vision.Tests;

public class YuNetDetectorTests
{
    private static YuNetDetector Open(YuNetOptions? options = null) =>
        new(DetectionApTestData.RequireModel(ModelNames.YuNet), options);

    [Fact]
    public void Finds_the_centred_face_with_upright_landmarks_in_LFW_images()
    {
        using var detector = Open();
        var images = DetectionApTestData.LfwSample(150);
        int found = 0, plausible = 0;
        foreach (var path in images)
        {
            using var image = DetectionApTestData.Read(path);
            var faces = detector.Detect(image);
            faces.ShouldBe(faces.OrderByDescending(f => f.Score).ToList());
            var best = faces.FirstOrDefault();
            if (best is null || !DetectionApTestData.CoversCentre(best, image))
                continue;
            found++;
            best.Landmarks.ShouldNotBeNull();
            if (DetectionApTestData.IsPlausible(best.Landmarks))
                plausible++;
        }
        // Measured: 150/150 found here; over all 4,992 LFW dev images YuNet found a face in every one
        // and its best face covered the centre in 4,912.
        found.ShouldBe(images.Count);
        plausible.ShouldBeGreaterThanOrEqualTo(images.Count - 2);
    }

    [Fact]
    public void Landmarks_and_box_are_in_original_pixels_whatever_the_input_side()
    {
        var path = DetectionApTestData.LfwSample(1)[0];
        using var image = DetectionApTestData.Read(path);
        using var at320 = Open();
        using var at640 = Open(new YuNetOptions { InputSide = 640 });
        var a = at320.Detect(image)[0];
        var b = at640.Detect(image)[0];
        // Same face at two working resolutions: boxes agree in image pixels to a few pixels.
        a.Box.IoU(b.Box).ShouldBeGreaterThan(0.85f);
        var (la, lb) = (a.Landmarks!, b.Landmarks!);
        MathF.Abs(la.LeftEye.X - lb.LeftEye.X).ShouldBeLessThan(0.1f * la.InterocularDistance);
        MathF.Abs(la.RightEye.Y - lb.RightEye.Y).ShouldBeLessThan(0.1f * la.InterocularDistance);
    }

    [Fact]
    public void Wider_subset_AP_stays_above_the_measured_floor()
    {
        using var detector = Open();
        var (easy, medium, hard) = DetectionApTestData.WiderAp(detector);
        // Measured at the default settings (score 0.6, long side 320): 0.7225 / 0.5413 / 0.2646.
        easy.ShouldBeGreaterThan(0.69);
        medium.ShouldBeGreaterThan(0.51);
        hard.ShouldBeGreaterThan(0.24);
    }

    [Fact]
    public void Rejects_images_that_are_not_8_bit_bgr()
    {
        using var detector = Open();
        using var grey = new Mat(100, 100, MatType.CV_8UC1, Scalar.All(128));
        Should.Throw<ArgumentException>(() => detector.Detect(grey)).Message.ShouldContain("CV_8UC3");
        using var empty = new Mat();
        Should.Throw<ArgumentException>(() => detector.Detect(empty)).Message.ShouldContain("empty");
    }

    [Fact]
    public void Blank_image_has_no_face()
    {
        using var detector = Open();
        using var blank = new Mat(240, 320, MatType.CV_8UC3, Scalar.All(200));
        detector.Detect(blank).ShouldBeEmpty();
    }
}
