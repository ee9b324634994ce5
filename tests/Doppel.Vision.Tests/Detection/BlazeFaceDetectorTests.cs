using Doppel.Vision.Decoding;
using Doppel.Vision.Detection;
using Doppel.Vision.Tests.Support;
using OpenCvSharp;

namespace Doppel.Vision.Tests.Detection;

public sealed class BlazeFaceDetectorTests
{
    private static readonly ImageDecoder Decoder = new();

    [Fact]
    public void LandmarksAreOrderedImageLeftToRightAndTopToBottom()
    {
        using var detector = new BlazeFaceDetector();
        foreach (var path in Lfw.AllImages().Where((_, i) => i % 100 == 0))
        {
            using var image = Decoder.Decode(path);
            // LFW crops are centred on their subject; other faces may be in the background.
            var face = detector.Detect(image.Image!).First(f => f.Box.X < 125 && f.Box.Right > 125);
            var l = face.Landmarks!;
            l.LeftEye.X.ShouldBeLessThan(l.RightEye.X, path);
            l.Nose.Y.ShouldBeGreaterThan(MathF.Max(l.LeftEye.Y, l.RightEye.Y), path);
            l.MouthCenter.Y.ShouldBeGreaterThan(l.Nose.Y, path);
            l.InterocularDistance.ShouldBeInRange(20f, 80f, path);
        }
    }

    [Fact]
    public void FindsAFaceInEveryLfwDevImage()
    {
        using var detector = new BlazeFaceDetector();
        var missed = new List<string>();
        var images = Lfw.AllImages();
        images.Length.ShouldBe(4992);
        Parallel.ForEach(images, new ParallelOptions { MaxDegreeOfParallelism = 2 }, path =>
        {
            using var image = Decoder.Decode(path);
            var faces = detector.Detect(image.Image!);
            // The LFW subject is the face covering the image centre.
            if (!faces.Any(f => f.Box.X < 125 && f.Box.Right > 125 && f.Box.Y < 125 && f.Box.Bottom > 125))
                lock (missed) missed.Add(Path.GetFileName(path));
        });
        missed.ShouldBeEmpty($"no centred face in {missed.Count} images: {string.Join(", ", missed.Order())}");
    }

    [Fact]
    public void FindsTheFacesOfTheFaceApiGroupPhotos()
    {
        var package = NpmPackage.Require("@vladmandic/face-api@1.7.15", "0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031");
        using var detector = new BlazeFaceDetector();
        var counts = new List<int>();
        for (int i = 1; i <= 6; i++)
        {
            using var image = Decoder.Decode(Path.Combine(package, "demo", $"sample{i}.jpg"));
            counts.Add(detector.Detect(image.Image!).Count);
        }
        // 22 faces in all; a detector that fires on background would overshoot.
        counts.Sum().ShouldBeInRange(21, 22, string.Join(",", counts));
    }

    [Fact]
    public void FindsTheFaceOfATightCropThroughThePaddedRetry()
    {
        var path = Lfw.ImagePath("Aaron_Peirsol", 1);
        using var image = Decoder.Decode(path);
        using var noRetry = new BlazeFaceDetector(new BlazeFaceOptions { RetryPadded = false });
        var face = noRetry.Detect(image.Image!).First();
        // Crop to the face box only: the face now fills the frame.
        var b = face.Box;
        using var crop = new Mat(image.Image!, new Rect((int)b.X, (int)b.Y, (int)b.Width, (int)b.Height)).Clone();
        using var withRetry = new BlazeFaceDetector();
        var found = withRetry.Detect(crop);
        found.ShouldNotBeEmpty();
        found[0].Box.Width.ShouldBeGreaterThan(crop.Width * 0.6f);
    }

    /// <summary>LFW portraits, the face-api group photos (full pass plus six tiles each) and tight face
    /// crops (nothing found until the padded retry): every path of the detector.</summary>
    private static List<Mat> MixedImages()
    {
        var images = Lfw.AllImages().Where((_, i) => i % 250 == 0).Select(p => Decoder.Decode(p).Image!).ToList();
        var package = NpmPackage.Require("@vladmandic/face-api@1.7.15", "0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031");
        for (int i = 1; i <= 6; i++)
            images.Add(Decoder.Decode(Path.Combine(package, "demo", $"sample{i}.jpg")).Image!);
        using var noRetry = new BlazeFaceDetector(new BlazeFaceOptions { RetryPadded = false });
        foreach (var portrait in images.Take(3).ToList())
        {
            var b = noRetry.Detect(portrait).First().Box;
            images.Add(new Mat(portrait, new Rect((int)b.X, (int)b.Y, (int)b.Width, (int)b.Height)).Clone());
        }
        return images;
    }

    private static void ShouldBeSameFaces(IReadOnlyList<DetectedFace> actual, IReadOnlyList<DetectedFace> expected, float pixels, string image)
    {
        actual.Count.ShouldBe(expected.Count, image);
        for (int f = 0; f < expected.Count; f++)
        {
            actual[f].Score.ShouldBe(expected[f].Score, 1e-4f, image);
            var (a, e) = (actual[f].Box, expected[f].Box);
            new[] { a.X, a.Y, a.Width, a.Height }.Zip([e.X, e.Y, e.Width, e.Height]).ShouldAllBe(p => MathF.Abs(p.First - p.Second) <= pixels, image);
            var (la, le) = (actual[f].Landmarks!, expected[f].Landmarks!);
            foreach (var (pa, pe) in new[] { (la.LeftEye, le.LeftEye), (la.RightEye, le.RightEye), (la.Nose, le.Nose), (la.MouthCenter, le.MouthCenter) })
            {
                pa.X.ShouldBe(pe.X, pixels, image);
                pa.Y.ShouldBe(pe.Y, pixels, image);
            }
        }
    }

    [Fact]
    public void ThePreparedGraphFindsWhatTheShippedGraphFinds()
    {
        var images = MixedImages();
        try
        {
            using var shipped = new BlazeFaceDetector(new BlazeFaceOptions { UseShippedGraph = true });
            using var prepared = new BlazeFaceDetector();
            int faces = 0;
            for (int i = 0; i < images.Count; i++)
            {
                var expected = shipped.Detect(images[i]);
                faces += expected.Count;
                // Same arithmetic up to the order of float sums: a hundredth of a pixel on photos up to 1920 px.
                ShouldBeSameFaces(prepared.Detect(images[i]), expected, 0.01f * MathF.Max(1, images[i].Width / 256f), $"image {i}");
            }
            faces.ShouldBeGreaterThan(images.Count);
        }
        finally
        {
            images.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public void BatchedDetectionEqualsOneImageAtATime()
    {
        var images = MixedImages();
        try
        {
            using var single = new BlazeFaceDetector();
            using var batched = new BlazeFaceDetector(new BlazeFaceOptions { BatchSize = 8 });
            var together = batched.DetectMany(images);
            together.Count.ShouldBe(images.Count);
            for (int i = 0; i < images.Count; i++)
                ShouldBeSameFaces(together[i], single.Detect(images[i]), 1e-3f * MathF.Max(1, images[i].Width / 256f), $"image {i}");
            // The tight crops need the padded retry, which the batch must run too.
            together.TakeLast(3).ShouldAllBe(f => f.Count >= 1);
        }
        finally
        {
            images.ForEach(m => m.Dispose());
        }
    }

    [Fact]
    public void RejectsImagesThatAreNotBgr()
    {
        using var detector = new BlazeFaceDetector();
        using var gray = new Mat(100, 100, MatType.CV_8UC1);
        Should.Throw<ArgumentException>(() => detector.Detect(gray)).Message.ShouldContain("BGR");
    }
}
