using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Doppel.Models;
using Doppel.Models.Catalog;
using Doppel.Models.Install;
using Doppel.Models.Publishing;
using Doppel.Testing;
using Doppel.Testing.Servers;

namespace Doppel.Azure.Tests;

/// <summary>
/// Models from blob storage, against a real Azurite: publish the installed files, sync them into an
/// empty cache verified, pick up a newly published version, and refuse a tampered or missing blob
/// without touching the cache. BlazeFace (600 KB) stands for any model: the code paths are the same.
/// </summary>
public sealed class ModelContainerTests(AzuriteServer azurite) : IDisposable
{
    private const string Model = "blazeface-back";
    private readonly List<string> _folders = [];
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Published_models_sync_into_an_empty_cache_verified_and_a_second_sync_downloads_nothing()
    {
        var (container, source) = await PrepareAsync();
        var published = await new ModelPublisher(container, source).PublishAsync(ModelCatalog.Get(Model), cancellation: Cancel);
        published.Files.Select(f => f.Sha256).ShouldBe(ModelCatalog.Get(Model).Files.Select(f => f.Checksum.Hex));

        var cache = NewFolder("cache");
        var first = await new ModelSync(container, cache).SyncAsync(Cancel);
        first.ShouldBe([new ModelSyncResult(Model, published.Version, ModelSyncOutcome.Downloaded)]);
        File.ReadAllBytes(Path.Combine(cache, Model, "model.onnx")).ShouldBe(File.ReadAllBytes(Path.Combine(source, Model, "model.onnx")));
        new ModelInstaller(new ModelInstallOptions { CacheRoot = cache }).GetState(ModelCatalog.Get(Model)).ShouldBe(ModelState.Installed);
        ModelPins.PublishedVersion(Model, cache).ShouldBe(published.Version);

        var second = await new ModelSync(container, cache).SyncAsync(Cancel);
        second.Single().Outcome.ShouldBe(ModelSyncOutcome.UpToDate);
    }

    [Fact]
    public async Task A_newly_published_version_replaces_the_cached_one_and_becomes_the_pin()
    {
        var (container, source) = await PrepareAsync();
        var spec = ModelCatalog.Get(Model);
        var v1 = await new ModelPublisher(container, source).PublishAsync(spec, cancellation: Cancel);
        var cache = NewFolder("cache");
        await new ModelSync(container, cache).SyncAsync(Cancel);

        // An administrator's replacement: other bytes under the catalogue's file name.
        var replacement = NewFolder("replacement");
        var bytes = File.ReadAllBytes(Path.Combine(source, Model, "model.onnx"));
        bytes[^1] ^= 0x5a;
        File.WriteAllBytes(Path.Combine(replacement, "model.onnx"), bytes);
        var v2 = await new ModelPublisher(container, source).PublishAsync(spec, replacement, Cancel);
        v2.Version.ShouldNotBe(v1.Version);

        var result = await new ModelSync(container, cache).SyncAsync(Cancel);
        result.ShouldBe([new ModelSyncResult(Model, v2.Version, ModelSyncOutcome.Downloaded)]);
        File.ReadAllBytes(Path.Combine(cache, Model, "model.onnx")).ShouldBe(bytes);
        ModelPins.FilesOf(spec, cache).Single().Checksum.ShouldBe(Checksum.Sha256(v2.Files.Single().Sha256));
        ModelPins.FilesOf(spec, cache).Single().Checksum.ShouldNotBe(spec.Files.Single().Checksum);
        // The old version's blobs stay (a process still downloading v1 finishes); the manifest names v2.
        (await container.ExistsAsync(v1.Files.Single().Blob, Cancel)).ShouldBeTrue();
        (await container.ReadManifestAsync(Cancel))!.Value.Manifest.Find(Model)!.Version.ShouldBe(v2.Version);
    }

    [Fact]
    public async Task A_tampered_blob_is_refused_with_one_clear_message_and_the_cache_keeps_its_version()
    {
        var (container, source) = await PrepareAsync();
        var spec = ModelCatalog.Get(Model);
        var v1 = await new ModelPublisher(container, source).PublishAsync(spec, cancellation: Cancel);
        var cache = NewFolder("cache");
        await new ModelSync(container, cache).SyncAsync(Cancel);
        var replacement = NewFolder("replacement");
        File.WriteAllBytes(Path.Combine(replacement, "model.onnx"), [1, 2, 3]);
        var v2 = await new ModelPublisher(container, source).PublishAsync(spec, replacement, Cancel);
        // Someone overwrites the published blob behind the manifest's back.
        await BlobOf(container, v2.Files.Single().Blob).UploadAsync(new BinaryData(new byte[] { 9, 9, 9 }), overwrite: true, Cancel);

        var error = await Should.ThrowAsync<ModelContainerException>(() => new ModelSync(container, cache).SyncAsync(Cancel));
        error.Message.ShouldContain($"{Model} {v2.Version} with sha256:{v2.Files.Single().Sha256}");
        error.Message.ShouldContain("refusing it");
        error.Message.ShouldNotContain("\n");
        ModelPins.PublishedVersion(Model, cache).ShouldBe(v1.Version);
        Checksum.Sha256Of(Path.Combine(cache, Model, "model.onnx")).ShouldBe(spec.Files.Single().Checksum);
        Directory.EnumerateDirectories(Path.Combine(cache, ".staging")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_missing_blob_or_manifest_is_named_in_the_error()
    {
        var (container, source) = await PrepareAsync();
        var cache = NewFolder("cache");
        (await Should.ThrowAsync<ModelContainerException>(() => new ModelSync(container, cache).SyncAsync(Cancel)))
            .Message.ShouldContain("holds no models.json");

        var published = await new ModelPublisher(container, source).PublishAsync(ModelCatalog.Get(Model), cancellation: Cancel);
        await BlobOf(container, published.Files.Single().Blob).DeleteAsync(cancellationToken: Cancel);
        var error = await Should.ThrowAsync<ModelBlobMissingException>(() => new ModelSync(container, cache).SyncAsync(Cancel));
        error.Message.ShouldContain($"{published.Files.Single().Blob} is listed in");
        error.Message.ShouldContain("missing from the container");
        Directory.Exists(Path.Combine(cache, Model)).ShouldBeFalse();
    }

    [Fact]
    public async Task Publishers_racing_on_the_manifest_keep_both_entries()
    {
        InstalledModels.Require(Model, "yunet");
        var (container, source) = await PrepareAsync("yunet");
        var publishers = Enumerable.Range(0, 4).Select(i => new ModelPublisher(container, source)
            .PublishAsync(ModelCatalog.Get(i % 2 == 0 ? Model : "yunet"), cancellation: Cancel));
        await Task.WhenAll(publishers);
        (await container.ReadManifestAsync(Cancel))!.Value.Manifest.Models.Select(m => m.Name).ShouldBe(["blazeface-back", "yunet"]);
    }

    [Fact]
    public async Task A_container_uri_with_a_sas_works_without_the_connection_string()
    {
        var (container, source) = await PrepareAsync();
        var client = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(((AzureModelContainer)container).Address.Split('/')[^1]);
        var sas = client.GenerateSasUri(BlobContainerSasPermissions.All, DateTimeOffset.UtcNow.AddHours(1));
        var viaSas = new AzureModelContainer(BlobAddress.Parse(sas.ToString(), connectionString: null));
        viaSas.Address.ShouldNotContain("sig=");
        await new ModelPublisher(viaSas, source).PublishAsync(ModelCatalog.Get(Model), cancellation: Cancel);
        (await new ModelSync(viaSas, NewFolder("cache")).SyncAsync(Cancel)).Single().Outcome.ShouldBe(ModelSyncOutcome.Downloaded);
    }

    /// <summary>A fresh container (as az://NAME in Azurite's account) and a model cache holding a copy of the installed models.</summary>
    private async Task<(IModelContainer Container, string SourceCache)> PrepareAsync(params string[] more)
    {
        azurite.Require();
        InstalledModels.Require([Model, .. more]);
        var created = await azurite.CreateContainerAsync("models");
        var source = NewFolder("source");
        foreach (var name in more.Prepend(Model))
        {
            Directory.CreateDirectory(Path.Combine(source, name));
            foreach (var file in Directory.GetFiles(ModelStore.ModelDirectory(name)))
                File.Copy(file, Path.Combine(source, name, Path.GetFileName(file)));
        }
        return (new AzureModelContainer(BlobAddress.Parse($"az://{created.Name}", azurite.ConnectionString)), source);
    }

    private BlobClient BlobOf(IModelContainer container, string blob) =>
        new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(container.Address.Split('/')[^1]).GetBlobClient(blob);

    private string NewFolder(string label)
    {
        var folder = RepoPaths.NewTempDir($"doppel-models-{label}");
        _folders.Add(folder);
        return folder;
    }

    public void Dispose()
    {
        foreach (var folder in _folders)
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
