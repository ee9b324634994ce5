using Doppel.Testing;
using Doppel.Vision.Alignment;
using Doppel.Vision.Decoding;
using Doppel.Vision.Detection;
using Doppel.Vision.Tests.Support;
using OpenCvSharp;

namespace Doppel.Vision.Tests.Alignment;

public sealed class AlignmentTests
{
    private static readonly PointF[] Source = [new(30, 40), new(80, 42), new(55, 70), new(57, 95), new(12, 3)];

    [Theory]
    [InlineData(1.0, 0.0, 0.0, 0.0)]
    [InlineData(0.37, 0.3, -12.5, 40.25)]
    [InlineData(2.5, -2.9, 300.0, -7.0)]
    [InlineData(0.8, 3.1, 1.0, 2.0)]
    public void RecoversAKnownSimilarityExactly(double scale, double radians, double tx, double ty)
    {
        var truth = SimilarityTransform.FromScaleRotation(scale, radians, tx, ty);
        var target = Source.Select(truth.Apply).ToArray();
        var fitted = SimilarityTransform.Estimate(Source, target);
        fitted.Scale.ShouldBe(scale, 1e-5);
        fitted.A.ShouldBe(truth.A, 1e-5);
        fitted.B.ShouldBe(truth.B, 1e-5);
        fitted.Tx.ShouldBe(tx, 1e-3);
        fitted.Ty.ShouldBe(ty, 1e-3);
    }

    [Fact]
    public void NoisyPointsGiveTheLeastSquaresFitAndNeverAReflection()
    {
        // Mirrored targets: the best similarity cannot reproduce them, and must not flip.
        var mirrored = Source.Select(p => new PointF(-p.X, p.Y)).ToArray();
        var fitted = SimilarityTransform.Estimate(Source, mirrored);
        var residual = Source.Zip(mirrored).Sum(t => Dist2(fitted.Apply(t.First), t.Second));
        // Any perturbation of the fit increases the squared error.
        foreach (var nudge in new[] { fitted with { A = fitted.A + 1e-3 }, fitted with { B = fitted.B - 1e-3 }, fitted with { Tx = fitted.Tx + 0.01 } })
            Source.Zip(mirrored).Sum(t => Dist2(nudge.Apply(t.First), t.Second)).ShouldBeGreaterThan(residual);
    }

    [Fact]
    public void InverseAndCompositionRoundTrip()
    {
        var t = SimilarityTransform.FromScaleRotation(1.7, 0.4, 5, -3);
        var id = t.Inverse().After(t);
        id.A.ShouldBe(1, 1e-12);
        id.B.ShouldBe(0, 1e-12);
        id.Tx.ShouldBe(0, 1e-9);
        id.Ty.ShouldBe(0, 1e-9);
    }

    [Fact]
    public void CoincidentPointsAreRejected()
    {
        PointF[] same = [new(1, 1), new(1, 1)];
        Should.Throw<ArgumentException>(() => SimilarityTransform.Estimate(same, same));
    }

    [Fact]
    public void DlibMeanShapeChipIsSymmetricAndInsideTheChip()
    {
        var t = AlignmentTemplate.DlibChip(150, 0.25f);
        (t.LeftEye.X + t.RightEye.X).ShouldBe(2 * t.Nose.X, 0.01);
        t.LeftEye.Y.ShouldBe(t.RightEye.Y, 1e-4f);
        t.Shape51!.Count.ShouldBe(51);
        // dlib's chip at padding 0.25: eyes ~53 px apart, nose at about half height.
        (t.RightEye.X - t.LeftEye.X).ShouldBe(52.9f, 0.1f);
        t.Nose.Y.ShouldBe(76.56f, 0.01f);
    }

    [Fact]
    public void A68PointShapeIsFittedOnDlibsFiftyOnePoints()
    {
        // A face whose 51 inner points are the mean face moved by a known similarity: the fit must undo
        // exactly that move, whatever the jaw (ignored, as dlib ignores it) and the five-point summary say.
        var chip = AlignmentTemplate.DlibChip150;
        var move = SimilarityTransform.FromScaleRotation(1.7, 0.3, 40, -12);
        var shape = Enumerable.Range(0, 17).Select(i => new PointF(i * 50, 999)).Concat(chip.Shape51!.Select(move.Apply)).ToArray();
        var misleading = new FaceLandmarks(new(0, 0), new(10, 0), new(5, 5), new(5, 9), Shape68: shape);
        var fitted = FaceAligner.Transform(misleading, chip);
        var expected = move.Inverse();
        fitted.A.ShouldBe(expected.A, 1e-4);
        fitted.B.ShouldBe(expected.B, 1e-4);
        fitted.Tx.ShouldBe(expected.Tx, 1e-2);
        fitted.Ty.ShouldBe(expected.Ty, 1e-2);
        // ArcFace has no 51-point definition: the five points decide there.
        FaceAligner.Transform(misleading, AlignmentTemplate.ArcFace112).ShouldBe(FaceAligner.Transform(misleading with { Shape68 = null }, AlignmentTemplate.ArcFace112));
    }

    [Fact]
    public void BlazeFaceDlibChipStaysCloseToTheMeanShape()
    {
        // The learned positions differ from the mean-shape centroids by a few pixels, never more: a
        // typo in a constant would move a point by tens of pixels.
        var learned = AlignmentTemplate.DlibChip150;
        var mean = AlignmentTemplate.DlibChip(150, 0.25f);
        foreach (var (a, b) in new[] { (learned.LeftEye, mean.LeftEye), (learned.RightEye, mean.RightEye), (learned.Nose, mean.Nose), (learned.MouthCenter, mean.MouthCenter) })
            MathF.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y)).ShouldBeLessThan(3f);
        learned.MouthLeft.ShouldBe(mean.MouthLeft);
        (learned.Width, learned.Height).ShouldBe((150, 150));
    }

    [Fact]
    public void AlignedLfwFaceHasItsLandmarksOnTheTemplate()
    {
        using var detector = new BlazeFaceDetector();
        using var decoded = new ImageDecoder().Decode(Lfw.ImagePath("Aaron_Peirsol", 1));
        var face = detector.Detect(decoded.Image!)[0];
        var dir = RepoPaths.NewTempDir("doppel-align");
        try
        {
            var thumb = Path.Combine(dir, "face.jpg");
            FaceAligner.WriteThumbnail(decoded.Image!, face.Landmarks!, thumb);
            using var written = Cv2.ImRead(thumb);
            (written.Width, written.Height).ShouldBe((112, 112));
            // The least-squares fit leaves the detected eye within a few pixels of its template point.
            using var aligned = FaceAligner.Align(decoded.Image!, face.Landmarks!, AlignmentTemplate.ArcFace112);
            var transform = FaceAligner.Transform(face.Landmarks!, AlignmentTemplate.ArcFace112);
            var eye = transform.Apply(face.Landmarks!.LeftEye);
            Math.Abs(eye.X - 38.29f).ShouldBeLessThan(4f);
            Math.Abs(eye.Y - 51.70f).ShouldBeLessThan(4f);
            // Pixel content moved: the template centre now shows the face, not the black border.
            var centre = aligned.At<Vec3b>(60, 56);
            (centre.Item0 + centre.Item1 + centre.Item2).ShouldBeGreaterThan(60);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static double Dist2(PointF a, PointF b) => (a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y);
}
