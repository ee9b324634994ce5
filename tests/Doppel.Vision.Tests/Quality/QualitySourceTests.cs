using Doppel.Models;
using Doppel.Testing;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;
using Doppel.Vision.Quality;
using Doppel.Vision.Tests.Support;
using OpenCvSharp;

namespace Doppel.Vision.Tests.Quality;

/// <summary>Which assessor a recogniser's profile picks, and assessors reading what the pipeline already
/// computed (vectors, raw norms) instead of running a network again.</summary>
public sealed class QualitySourceTests
{
    [Fact]
    public void Each_profile_names_its_quality_source()
    {
        QualityRegistry.DefaultFor(ModelNames.DlibResNet29).ShouldBe(QualityRegistry.Signals);
        QualityRegistry.DefaultFor(ModelProfiles.LicenceClean.Embedder).ShouldBe(QualityRegistry.Signals);
        QualityRegistry.DefaultFor(ModelNames.MobileFaceNet192).ShouldBe(QualityRegistry.MobileFaceNetNorm);
        QualityRegistry.DefaultFor(ModelProfiles.Accurate.Embedder).ShouldBe(QualityRegistry.MobileFaceNetNorm);
        QualityRegistry.DefaultFor("dlib-resnet29*5+mobilefacenet-192").ShouldBe(QualityRegistry.MobileFaceNetNorm);
    }

    [Fact]
    public void Norm_quality_reads_the_pipelines_norms_and_opens_its_model_only_without_them()
    {
        using var face = new Mat(200, 200, MatType.CV_8UC3, Scalar.All(128));
        var lm = new FaceLandmarks(new PointF(80, 90), new PointF(120, 90), new PointF(100, 110), new PointF(100, 130));
        var input = new QualityInput(new FaceCrop(face, lm), new DetectedFace(new BoxF(60, 60, 80, 100), 0.9f, lm));
        int opened = 0;
        using var quality = new EmbeddingNormQuality(EmbedderSpec.FromCatalog(ModelNames.MobileFaceNet192),
            () => { opened++; throw new InvalidOperationException("opened"); });
        var q = quality.Assess([
            input with { RawNorms = new Dictionary<string, float> { [ModelNames.MobileFaceNet192] = EmbeddingNormQuality.Centre } },
            input with { RawNorms = new Dictionary<string, float> { [ModelNames.MobileFaceNet192] = 90 } },
        ]);
        q[0].ShouldBe(0.5f, 1e-6f);
        q[1].ShouldBe(EmbeddingNormQuality.Map(90), 1e-6f);
        opened.ShouldBe(0);
        Should.Throw<InvalidOperationException>(() => quality.Assess([input]));
        opened.ShouldBe(1);
    }

    /// <summary>A fused pipeline (dlib×2 + MobileFaceNet-192) scores quality with
    /// MobileFaceNet's raw norm from the fused run itself: the assessor's own model is never opened, and
    /// the score is the one a lone MobileFaceNet-192 gives the same face.</summary>
    [Fact]
    public void The_fused_pipeline_passes_its_member_norm_to_the_norm_assessor()
    {
        InstalledModels.Require("blazeface-back", "dlib-resnet29", "mobilefacenet-192");
        var images = Lfw.AllImages().Where((_, i) => i % 997 == 0).Take(4).ToList();
        var spec = EmbedderSpec.FromCatalog(ModelNames.MobileFaceNet192);
        using var norm = new EmbeddingNormQuality(spec, () => throw new InvalidOperationException("the assessor ran its own model"));
        using var fused = new FacePipeline(new BlazeFaceDetector(), [EmbedderRegistry.Create(RecognitionProfiles.DlibMobileFaceNetFusion)]) { Qualities = [norm] };
        using var alone = new FacePipeline(new BlazeFaceDetector(), [new OnnxFaceEmbedder(spec)]);
        foreach (var path in images)
        {
            var a = fused.Analyze(path).Faces.Single();
            var b = alone.Analyze(path).Faces.Single();
            a.Qualities[QualityRegistry.MobileFaceNetNorm].ShouldBe(b.Quality!.Value, 1e-4f);
            a.Quality.ShouldBe(a.Qualities[QualityRegistry.MobileFaceNetNorm]);
        }
    }

    /// <summary>The stability assessors take the pipeline's vector of the plain face instead of computing
    /// it again, and score the same either way.</summary>
    [Fact]
    public void Stability_scores_the_same_with_the_pipelines_vector()
    {
        InstalledModels.Require("blazeface-back", "dlib-resnet29");
        using var detector = new BlazeFaceDetector();
        using var recogniser = new OnnxFaceEmbedder(EmbedderSpec.DlibResNet29);
        var decoder = new Doppel.Vision.Decoding.ImageDecoder();
        var mats = new List<Mat>();
        try
        {
            var inputs = new List<QualityInput>();
            foreach (var path in Lfw.AllImages().Where((_, i) => i % 1201 == 0).Take(4))
            {
                using var decoded = decoder.Decode(path);
                var image = decoded.Image!.Clone();
                mats.Add(image);
                var face = detector.Detect(image).MaxBy(f => f.Box.Area)!;
                inputs.Add(new QualityInput(new FaceCrop(image, face.Landmarks!), face));
            }
            var vectors = recogniser.Embed(inputs.Select(i => i.Crop).ToList());
            var given = inputs.Select((x, i) => x with { Vectors = new Dictionary<string, float[]> { [recogniser.Name] = vectors[i] } }).ToList();
            foreach (var name in new[] { QualityRegistry.Stability, QualityRegistry.FlipStability })
            {
                using var quality = QualityRegistry.Create(name, recogniser);
                var plain = quality.Assess(inputs);
                var reused = quality.Assess(given);
                for (int i = 0; i < plain.Length; i++)
                    reused[i].ShouldBe(plain[i], 1e-4f, name);
            }
        }
        finally
        {
            mats.ForEach(m => m.Dispose());
        }
    }
}
