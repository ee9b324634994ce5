using Doppel.Models;
using Doppel.Vision.Detection;
using Doppel.Vision.Detection.Landmarks;
using OpenCvSharp;

namespace Doppel.Vision.Tests;

public class UltraFaceDetectorTests
{
    private static UltraFaceDetector Open() => new(DetectionApTestData.RequireModel(ModelNames.UltraFace));

    private static FacepluginLandmark68 OpenLandmarks() => new(DetectionApTestData.RequireModel(ModelNames.FacepluginLandmark68));

    [Fact]
    public void Finds_the_centred_face_in_LFW_images()
    {
        using var detector = Open();
        var images = DetectionApTestData.LfwSample(150);
        int found = images.Count(path =>
        {
            using var image = DetectionApTestData.Read(path);
            var faces = detector.Detect(image);
            faces.ShouldAllBe(f => f.Landmarks == null && f.Score >= 0.7f);
            return faces.Count > 0 && DetectionApTestData.CoversCentre(faces[0], image);
        });
        // Over all 4,992 LFW dev images: a face in every one, the best covering the centre in 4,907 (98.3 %).
        found.ShouldBeGreaterThanOrEqualTo(images.Count - 3);
    }

    [Fact]
    public void Landmark68_five_points_agree_with_YuNet_on_LFW()
    {
        using var detector = new LandmarkRefinedDetector(Open(), OpenLandmarks());
        detector.Name.ShouldBe("ultraface-rfb320+faceplugin-landmark68");
        // Mean eye-centre and nose error, relative to YuNet's interocular distance.
        var (errors, plausible) = DetectionApTestData.YuNetAgreement(detector, 100);
        errors.Count.ShouldBeGreaterThanOrEqualTo(98);
        plausible.ShouldBeGreaterThanOrEqualTo(errors.Count - 2);
        // Measured on these 100 images: 100/100 upright, median 0.088, mean 0.101, 95th percentile
        // 0.177 of the interocular distance (the two nets also place "eye centre" by different conventions).
        errors.Order().ElementAt(errors.Count / 2).ShouldBeLessThan(0.11f);
        errors.Average().ShouldBeLessThan(0.13f);
    }

    [Fact]
    public void Five_points_come_from_the_iBUG_68_layout()
    {
        var points = Enumerable.Range(0, 68).Select(i => new PointF(i, 1000 + i)).ToArray();
        var five = Ibug68.ToFivePoints(points);
        five.LeftEye.ShouldBe(new PointF(38.5f, 1038.5f));   // mean of 36..41
        five.RightEye.ShouldBe(new PointF(44.5f, 1044.5f));  // mean of 42..47
        five.Nose.ShouldBe(new PointF(30, 1030));
        five.MouthLeft.ShouldBe(new PointF(48, 1048));
        five.MouthRight.ShouldBe(new PointF(54, 1054));
        five.MouthCenter.ShouldBe(new PointF(51, 1051));
        Should.Throw<ArgumentException>(() => Ibug68.ToFivePoints(points[..5]));
    }

    [Fact]
    public void Landmark_crop_moves_inside_the_image_without_shrinking()
    {
        FacepluginLandmark68.CropInside(new BoxF(-10, 90, 50, 40), 100, 100).ShouldBe(new Rect(0, 60, 50, 40));
        FacepluginLandmark68.CropInside(new BoxF(10, 10, 500, 20), 100, 100).ShouldBe(new Rect(0, 10, 100, 20));
    }

    [Fact]
    public void Wider_subset_AP_stays_above_the_measured_floor()
    {
        using var detector = Open();
        var (easy, medium, hard) = DetectionApTestData.WiderAp(detector);
        // Measured at the default settings (score 0.7, NMS 0.3): 0.7090 / 0.5576 / 0.3145.
        easy.ShouldBeGreaterThan(0.68);
        medium.ShouldBeGreaterThan(0.53);
        hard.ShouldBeGreaterThan(0.29);
    }

    [Fact]
    public void Rejects_images_that_are_not_8_bit_bgr()
    {
        using var detector = Open();
        using var bgra = new Mat(100, 100, MatType.CV_8UC4, Scalar.All(128));
        Should.Throw<ArgumentException>(() => detector.Detect(bgra)).Message.ShouldContain("CV_8UC3");
    }
}
