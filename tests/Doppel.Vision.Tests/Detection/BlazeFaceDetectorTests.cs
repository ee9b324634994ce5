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

    [Fact]
    public void RejectsImagesThatAreNotBgr()
    {
        using var detector = new BlazeFaceDetector();
        using var gray = new Mat(100, 100, MatType.CV_8UC1);
        Should.Throw<ArgumentException>(() => detector.Detect(gray)).Message.ShouldContain("BGR");
    }
}
