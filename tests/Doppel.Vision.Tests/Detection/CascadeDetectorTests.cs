using Doppel.Models;
using Doppel.Testing;
using Doppel.Vision.Detection;
using Doppel.Vision.Detection.Evaluation;
using Doppel.Vision.Detection.Landmarks;
using Doppel.Vision.Pipeline;
using OpenCvSharp;

namespace Doppel.Vision.Tests.Detection;

/// <summary>The default detector (BlazeFace for portraits, YuNet at the image's size otherwise, a
/// light-normalised retry, one face per tight crop) on real photos from ../shared.</summary>
public class CascadeDetectorTests
{
    private static IFaceDetector OpenDefault()
    {
        DetectionApTestData.RequireModel(ModelNames.BlazeFaceBack);
        DetectionApTestData.RequireModel(ModelNames.YuNet);
        DetectionApTestData.RequireModel(ModelNames.FaceApiLandmark68);
        return DetectorRegistry.Create(DetectorRegistry.Default);
    }

    private static CascadeDetector Cascade(IFaceDetector detector) =>
        (CascadeDetector)((LandmarkRefinedDetector)detector).Detector;

    [Fact]
    public void The_default_is_the_cascade_with_face_api_landmarks()
    {
        DetectorRegistry.Default.ShouldBe("blazeface-yunet+faceapi-landmark68");
        using var detector = OpenDefault();
        detector.Name.ShouldBe(DetectorRegistry.Default);
        Cascade(detector).ShouldNotBeNull();
    }

    [Fact]
    public void Wider_subset_AP_of_the_default_stays_above_the_measured_floor()
    {
        using var detector = OpenDefault();
        var (easy, medium, hard) = DetectionApTestData.WiderAp(detector);
        // Measured 2026-12-07 (eval detect, docs/benchmarks-detection.md): 0.8832 / 0.8452 / 0.7487;
        // floors 0.02-0.03 below. The old default (BlazeFace) gave 0.6737 / 0.4360 / 0.2102.
        easy.ShouldBeGreaterThan(0.86);
        medium.ShouldBeGreaterThan(0.82);
        hard.ShouldBeGreaterThan(0.72);
    }

    [Fact]
    public void Every_LFW_image_of_a_sample_has_a_usable_face_found_on_the_close_up_path()
    {
        using var detector = OpenDefault();
        var cascade = Cascade(detector);
        var options = new FacePipelineOptions();
        var routes = new Dictionary<CascadeRoute, int>();
        foreach (var path in DetectionApTestData.LfwSample(200))
        {
            using var image = DetectionApTestData.Read(path);
            var routed = cascade.DetectRouted(image);
            routes[routed.Route] = routes.GetValueOrDefault(routed.Route) + 1;
            var faces = detector.Detect(image);
            var (status, detail, kept) = FaceSelector.Select(faces, options, image.Width, image.Height);
            status.ShouldBe(ImageStatus.Ok, $"{path}: {detail}");
            kept.Single().Landmarks!.Shape68.ShouldNotBeNull();
        }
        // Measured 2026-12-07: all 200 on the close-up path (BlazeFace front-128; 4,975 of all 4,992 LFW
        // dev images, 16 on back-256, 1 on YuNet: bench lfw-count, docs/benchmarks-detection.md). Slack of 2
        // for another CPU's float rounding at the path's 0.25 share gate; every image must be usable either way.
        routes.GetValueOrDefault(CascadeRoute.Close).ShouldBeGreaterThanOrEqualTo(198, string.Join(' ', routes));
    }

    [Fact]
    public void Dark_and_tight_crops_give_exactly_one_usable_face()
    {
        using var detector = OpenDefault();
        var options = new FacePipelineOptions { SeveralFaces = SeveralFacesPolicy.Report };
        int total = 0, one = 0;
        var failures = new List<string>();
        foreach (var crop in HarshCrops.Generate(SharedData.Require("data"), 24, 12))
            using (crop)
            {
                total++;
                var (status, _, _) = FaceSelector.Select(detector.Detect(crop.Image), options, crop.Image.Width, crop.Image.Height);
                if (status == ImageStatus.Ok)
                    one++;
                else
                    failures.Add($"{crop.Kind} {Path.GetFileName(crop.Source)}: {status.ToCode()}");
            }
        total.ShouldBe(24 * HarshCrops.LfwVariants.Count + 2 * 12 * HarshCrops.GreyVariants.Count); // 240
        // Measured 2026-12-07 on these 240 crops (bench harsh-crops ../shared/data 24 12): 239 with
        // exactly one usable face; the old default (blazeface-back+faceapi-landmark68) 220. Slack: 3.
        one.ShouldBeGreaterThanOrEqualTo(236, string.Join("; ", failures));
    }

    [Fact]
    public void Faces_in_an_extreme_aspect_strip_are_found_through_tiles()
    {
        using var detector = OpenDefault();
        var sources = DetectionApTestData.LfwSample(400).Where((_, i) => i % 50 == 0).ToList();
        using var strip = new Mat(300, 6000, MatType.CV_8UC3, Scalar.All(90));
        var placed = new List<Rect>();
        for (int i = 0; i < sources.Count; i++)
        {
            using var face = DetectionApTestData.Read(sources[i]);
            var at = new Rect(150 + i * 730, 25, face.Width, face.Height);
            using (var region = new Mat(strip, at))
                face.CopyTo(region);
            placed.Add(at);
        }
        var plan = SizedYuNetDetector.Plan(strip.Width, strip.Height, new SizedYuNetOptions());
        plan.Tiles.Count.ShouldBeGreaterThan(1);

        var faces = detector.Detect(strip).Where(f => f.Score >= 0.6f).ToList();
        foreach (var at in placed)
        {
            // LFW's own face sits in the centre of its 250x250 image.
            var centre = new PointF(at.X + at.Width / 2f, at.Y + at.Height / 2f);
            faces.Count(f => f.Box.X < centre.X && f.Box.Right > centre.X && f.Box.Y < centre.Y && f.Box.Bottom > centre.Y)
                .ShouldBe(1, $"face pasted at x={at.X}");
        }
    }

    [Fact]
    public void Crops_too_dark_for_both_models_are_found_by_the_light_normalised_retry()
    {
        using var detector = OpenDefault();
        var cascade = Cascade(detector);
        int retried = 0, found = 0;
        foreach (var path in DetectionApTestData.LfwSample(40))
        {
            using var image = DetectionApTestData.Read(path);
            using var crop = HarshCrops.TightCrop(image, 1.0f);
            using var night = HarshCrops.Expose(crop, 4.0, 0.1);
            var routed = cascade.DetectRouted(night);
            if (routed.Route != CascadeRoute.Retry)
                continue;
            // The retry ran because neither BlazeFace nor YuNet found a face scoring 0.6.
            retried++;
            if (routed.Faces.FirstOrDefault() is { Score: >= 0.6f } best && DetectionApTestData.CoversCentre(best, night))
                found++;
        }
        // Measured 2026-12-07 with the close-up path: 13 of the 40 needed the retry, which found the face
        // in 10 of them (without it, all 13 would be no_face or low_confidence). Before that path, 16 and 13:
        // front-128 finds some of these dark faces itself.
        retried.ShouldBeGreaterThanOrEqualTo(10, $"found {found}");
        found.ShouldBeGreaterThanOrEqualTo(8, $"retried {retried}");
    }
}

/// <summary>The cascade's geometry rules, without models.</summary>
public class CascadeRulesTests
{
    private static DetectedFace Face(float x, float y, float side, float score) => new(new BoxF(x, y, side, side), score, null);

    [Fact]
    public void A_tight_crop_keeps_the_best_face_and_drops_overlapping_or_small_detections()
    {
        var best = Face(10, 10, 80, 0.9f);
        var part = Face(30, 30, 30, 0.7f);
        var corner = Face(88, 88, 12, 0.8f);
        var kept = CascadeDetector.OnePerTightCrop([best, part, corner], 100, 100, 0.25f);
        kept.ShouldBe([best]);
    }

    [Fact]
    public void A_tight_crop_keeps_a_second_face_of_similar_size_beside_the_first()
    {
        var left = Face(0, 20, 60, 0.9f);
        var right = Face(62, 20, 58, 0.8f);
        CascadeDetector.OnePerTightCrop([left, right], 120, 100, 0.25f).ShouldBe([left, right]);
    }

    [Fact]
    public void A_photo_whose_best_face_is_small_keeps_every_detection()
    {
        var faces = new[] { Face(10, 10, 40, 0.9f), Face(20, 20, 30, 0.7f), Face(300, 300, 20, 0.6f) };
        CascadeDetector.OnePerTightCrop(faces, 640, 480, 0.25f).ShouldBe(faces);
    }

    [Fact]
    public void Portrait_sized_images_run_whole_without_tiles()
    {
        var options = new SizedYuNetOptions();
        var lfw = SizedYuNetDetector.Plan(250, 250, options);
        lfw.FullScale.ShouldBe(320f / 250, 1e-6);
        lfw.Tiles.ShouldBeEmpty();
        var wider = SizedYuNetDetector.Plan(1024, 683, options);
        wider.FullScale.ShouldBe(1f);
        wider.Tiles.ShouldBeEmpty();
        SizedYuNetDetector.Plan(2000, 1500, options).Tiles.ShouldBeEmpty();
    }

    [Fact]
    public void Strips_and_big_photos_get_overlapping_tiles_that_cover_them()
    {
        var options = new SizedYuNetOptions();
        foreach (var (w, h) in new[] { (6000, 300), (4000, 3000), (300, 9000), (30000, 30000) })
        {
            var plan = SizedYuNetDetector.Plan(w, h, options);
            plan.Tiles.Count.ShouldBeGreaterThan(1, $"{w}x{h}");
            plan.Tiles.Count.ShouldBeLessThanOrEqualTo(options.MaxTiles);
            plan.TileScale.ShouldBeGreaterThan(plan.FullScale);
            // Every tile fits the largest input once scaled, and together they cover the image.
            plan.Tiles.ShouldAllBe(t => Math.Max(t.Width, t.Height) * plan.TileScale <= options.MaxSide + 1);
            plan.Tiles.Min(t => t.X).ShouldBe(0);
            plan.Tiles.Max(t => t.Right).ShouldBe(w);
            plan.Tiles.Max(t => t.Bottom).ShouldBe(h);
        }
        SizedYuNetDetector.Plan(6000, 300, options).TileScale.ShouldBe(0.5f);
    }

    [Fact]
    public void Tile_starts_overlap_by_at_least_the_asked_share()
    {
        var starts = ImageTiling.TileStarts(6000, 2560, 0.25).ToList();
        starts[0].ShouldBe(0);
        starts[^1].ShouldBe(6000 - 2560);
        starts.Zip(starts.Skip(1), (a, b) => b - a).ShouldAllBe(step => step <= 2560 * 0.75);
        ImageTiling.TileStarts(200, 256).ShouldBe([0]);
    }

    [Fact]
    public void Light_normalisation_brightens_a_dark_image_and_keeps_its_size()
    {
        using var dark = new Mat(64, 48, MatType.CV_8UC3, new Scalar(20, 25, 30));
        Cv2.Randu(dark, Scalar.All(5), Scalar.All(40));
        using var lifted = LightNormalizer.Normalize(dark);
        lifted.Size().ShouldBe(dark.Size());
        lifted.Type().ShouldBe(MatType.CV_8UC3);
        LightNormalizer.MeanLuminance(lifted).ShouldBeGreaterThan(LightNormalizer.MeanLuminance(dark) + 40);
    }
}
