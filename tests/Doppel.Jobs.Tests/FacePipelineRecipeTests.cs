using Doppel.Models;
using Doppel.Testing;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Doppel.Vision.Pipeline;

namespace Doppel.Jobs.Tests;

/// <summary>What a job needs to decide whether there is work (detector name, embedding model and the
/// version of its vectors) is known from a recipe without opening a model, and is exactly what the
/// opened models report: otherwise a lazy run would call every stored vector stale, or none.</summary>
public class FacePipelineRecipeTests
{
    public static TheoryData<string, bool, int> Embedders => new()
    {
        { ModelNames.DlibResNet29, false, 0 },
        { ModelNames.MobileFaceNet192, true, 4 },
        { $"{ModelNames.DlibResNet29}*5+{ModelNames.MobileFaceNet192}", false, 0 },
        { $"{ModelNames.DlibResNet29} + {ModelNames.MobileFaceNet192}*3", true, 2 },
    };

    [Theory]
    [MemberData(nameof(Embedders))]
    public void TheVersionFromTheCatalogueIsTheVersionOfTheOpenedEmbedder(string name, bool flip, int jitters)
    {
        InstalledModels.Require(ModelNames.DlibResNet29, ModelNames.MobileFaceNet192);
        var options = new EmbedderOptions { FlipTta = flip, Jitters = jitters };
        using var opened = EmbedderRegistry.Create(name, options);
        var version = FacePipelineAnalyzer.ModelVersionOf(name, options);
        version.ShouldBe(FacePipelineAnalyzer.ModelVersionOf(opened));
        version.ShouldStartWith("sha256:");
        version.Contains(" flip").ShouldBe(flip);
    }

    [Fact]
    public void ARecipeAnalyzerKnowsItsNamesAndVersionBeforeOpeningAnyModel()
    {
        InstalledModels.RequireDefaults();
        var recipe = new FacePipelineRecipe($" {CascadeDetector.RegistryName} + {ModelNames.FaceApiLandmark68} ", ModelNames.DlibResNet29);
        using var lazy = new FacePipelineAnalyzer(recipe);
        (lazy.DetectorName, lazy.EmbeddingModel).ShouldBe((DetectorRegistry.Default, ModelNames.DlibResNet29));
        lazy.IsLoaded.ShouldBeFalse();

        using var eager = new FacePipelineAnalyzer(FacePipeline.CreateDlib());
        (lazy.DetectorName, lazy.EmbeddingModel, lazy.EmbeddingModelVersion)
            .ShouldBe((eager.DetectorName, eager.EmbeddingModel, eager.EmbeddingModelVersion));
        lazy.IsLoaded.ShouldBeFalse();

        lazy.Load();
        lazy.IsLoaded.ShouldBeTrue();
        lazy.Pipeline.Detector.Name.ShouldBe(lazy.DetectorName);
        lazy.Embedder.Name.ShouldBe(lazy.EmbeddingModel);
    }

    /// <summary>The float and the 8-bit dlib graph give slightly different vectors: their versions differ
    /// (so a catalog re-embeds when the precision changes), and each is the version of the embedder that runs it.</summary>
    [Fact]
    public void FloatAndEightBitVectorsCarryDifferentVersions()
    {
        InstalledModels.Require(ModelNames.DlibResNet29);
        var float32 = new EmbedderOptions { Precision = ModelPrecision.Float32 };
        var int8 = new EmbedderOptions { Precision = ModelPrecision.Int8 };
        using var openedFloat = EmbedderRegistry.Create(ModelNames.DlibResNet29, float32);
        using var openedInt8 = EmbedderRegistry.Create(ModelNames.DlibResNet29, int8);
        var floatVersion = FacePipelineAnalyzer.ModelVersionOf(ModelNames.DlibResNet29, float32);
        var int8Version = FacePipelineAnalyzer.ModelVersionOf(ModelNames.DlibResNet29, int8);
        floatVersion.ShouldBe(FacePipelineAnalyzer.ModelVersionOf(openedFloat));
        int8Version.ShouldBe(FacePipelineAnalyzer.ModelVersionOf(openedInt8));
        int8Version.ShouldNotBe(floatVersion);
        // MobileFaceNet has no 8-bit graph: int8 falls back to its float graph, with the same version.
        FacePipelineAnalyzer.ModelVersionOf(ModelNames.MobileFaceNet192, int8)
            .ShouldBe(FacePipelineAnalyzer.ModelVersionOf(ModelNames.MobileFaceNet192, float32));
    }

    [Fact]
    public void UnknownNamesFailAtOnceNotWhenTheModelsOpen()
    {
        Should.Throw<ArgumentException>(() => new FacePipelineRecipe("no-such-detector", ModelNames.DlibResNet29)).Message.ShouldContain("Unknown detector 'no-such-detector'");
        Should.Throw<Doppel.Models.Catalog.UnknownModelException>(() => new FacePipelineRecipe(ModelNames.BlazeFaceBack, "no-such-model")).Message.ShouldContain("no-such-model");
        Should.Throw<ArgumentException>(() => new FacePipelineRecipe(ModelNames.BlazeFaceBack, $"{ModelNames.DlibResNet29}*-1")).Message.ShouldContain("Bad ensemble weight");
    }
}
