using Doppel.Vision.Pipeline;
using Doppel.Vision.Tests.Support;

namespace Doppel.Vision.Tests.Pipeline;

/// <summary>The primary face (<see cref="FaceSelector.PrimaryScore"/>: area × (1 − d²), d over half the diagonal) on
/// constructed boxes, and on an LFW photo whose largest face is a bystander.</summary>
public sealed class FaceSelectorTests
{
    private static DetectedFace Face(float centreX, float centreY, float size) =>
        new(new BoxF(centreX - size / 2, centreY - size / 2, size, size), 0.95f, null);

    private static DetectedFace Kept(SeveralFacesPolicy policy, int width, int height, params DetectedFace[] faces)
    {
        var (status, _, kept) = FaceSelector.Select(faces, new FacePipelineOptions { SeveralFaces = policy }, width, height);
        status.ShouldBe(ImageStatus.Ok);
        return kept.ShouldHaveSingleItem();
    }

    [Fact]
    public void ABystanderSlightlyLargerThanTheCentredSubjectIsNotPrimary()
    {
        // LFW-like: 250x250, subject centred, a bystander 10 % wider 90 px to the side (d = 0.51, weight 0.74).
        var subject = Face(125, 125, 100);
        var bystander = Face(215, 125, 110);
        Kept(SeveralFacesPolicy.KeepLargest, 250, 250, subject, bystander).ShouldBe(bystander);
        Kept(SeveralFacesPolicy.KeepPrimary, 250, 250, subject, bystander).ShouldBe(subject);
        Kept(SeveralFacesPolicy.KeepPrimary, 250, 250, bystander, subject).ShouldBe(subject);
    }

    [Fact]
    public void AClearlyLargerFaceOffCentreStillWins()
    {
        // A small face at the centre of a group photo, a face twice as wide a quarter of the way out (d = 0.25 of the
        // half-diagonal, weight 0.94): the large one is the subject.
        var small = Face(2000, 1500, 120);
        var large = Face(2000 + 625, 1500, 240);
        Kept(SeveralFacesPolicy.KeepPrimary, 4000, 3000, small, large).ShouldBe(large);
        // At the middle of a square photo's edge (d = 0.71, weight 0.5) the area must more than double.
        var centred = Face(500, 500, 100);
        Kept(SeveralFacesPolicy.KeepPrimary, 1000, 1000, centred, Face(1000, 500, 140)).ShouldBe(centred);
        Kept(SeveralFacesPolicy.KeepPrimary, 1000, 1000, centred, Face(1000, 500, 145)).ShouldNotBe(centred);
    }

    [Fact]
    public void AFaceAtTheCentreScoresItsAreaAndTheWeightFallsWithDistance()
    {
        FaceSelector.PrimaryScore(Face(320, 240, 80).Box, 640, 480).ShouldBe(6400, 1e-6);
        // Half-way to the corner along the diagonal: d = 0.5, weight 0.75.
        FaceSelector.PrimaryScore(Face(320 + 160, 240 + 120, 80).Box, 640, 480).ShouldBe(6400 * 0.75, 1e-6);
        FaceSelector.PrimaryScore(Face(640, 480, 80).Box, 640, 480).ShouldBe(0, 1e-6);
        var scores = Enumerable.Range(0, 11).Select(i => FaceSelector.PrimaryScore(Face(320 + i * 32, 240, 80).Box, 640, 480)).ToList();
        scores.ShouldBe(scores.OrderDescending().ToList());
    }

    [Fact]
    public void TheChoiceDoesNotDependOnResolution()
    {
        foreach (var scale in new[] { 0.5f, 1f, 4f, 16f })
        {
            DetectedFace F(float x, float y, float s) => Face(x * scale, y * scale, s * scale);
            var faces = new[] { F(300, 200, 60), F(520, 210, 66), F(90, 330, 75) };
            Kept(SeveralFacesPolicy.KeepPrimary, (int)(600 * scale), (int)(400 * scale), faces).ShouldBe(faces[0]);
        }
    }

    [Fact]
    public void OnAnLfwPhotoThePrimaryFaceIsTheLabelledPersonWhereTheLargestIsABystander()
    {
        // Laura_Bush_0032: the default cascade finds a larger face 89 px from the centre of the 250x250 image (the
        // labelled, centred person is 16 px from it); `largest` kept the bystander (LFW dev, 2026-12-07).
        var path = Lfw.ImagePath("Laura_Bush", 32);
        using var pipeline = FacePipeline.CreateDlib(new FacePipelineOptions { SeveralFaces = SeveralFacesPolicy.KeepAll });
        pipeline.Analyze(path).Faces.Count.ShouldBeGreaterThan(1);
        using var largestPipeline = FacePipeline.CreateDlib(new FacePipelineOptions { SeveralFaces = SeveralFacesPolicy.KeepLargest });
        var largest = largestPipeline.Analyze(path).Faces.ShouldHaveSingleItem();
        using var primaryPipeline = FacePipeline.CreateDlib();
        var primary = primaryPipeline.Analyze(path).Faces.ShouldHaveSingleItem();
        static float Off(FaceAnalysis f) => MathF.Sqrt(MathF.Pow(f.Detection.Box.X + f.Detection.Box.Width / 2 - 125, 2) + MathF.Pow(f.Detection.Box.Y + f.Detection.Box.Height / 2 - 125, 2));
        Off(largest).ShouldBeGreaterThan(40);
        Off(primary).ShouldBeLessThan(40);

        // The primary face is Laura Bush: it matches her other photos; the bystander does not.
        var others = new[] { 4, 11, 13, 16 }.Select(i => primaryPipeline.Analyze(Lfw.ImagePath("Laura_Bush", i)).Faces.ShouldHaveSingleItem().Embeddings["dlib-resnet29"]).ToList();
        static float Cos(float[] a, float[] b) => a.Zip(b, (x, y) => x * y).Sum() / MathF.Sqrt(a.Sum(x => x * x) * b.Sum(x => x * x));
        float toPrimary = others.Average(o => Cos(o, primary.Embeddings["dlib-resnet29"]));
        float toLargest = others.Average(o => Cos(o, largest.Embeddings["dlib-resnet29"]));
        toPrimary.ShouldBeGreaterThan(toLargest);
        TestContext.Current.SendDiagnosticMessage($"Laura_Bush_0032 mean cosine to her other photos: primary {toPrimary:0.000}, largest {toLargest:0.000}");
    }
}
