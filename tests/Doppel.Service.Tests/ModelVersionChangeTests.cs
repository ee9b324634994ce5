using System.Net;
using System.Text.Json.Nodes;
using Doppel.Application.Tokens;
using Doppel.Jobs;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;

namespace Doppel.Service.Tests;

/// <summary>
/// A new model version (published and synced, or another recipe) must not silently cut a group's approved images out
/// of matching: the service's set processing re-embeds their faces from stored landmarks with the running version
/// (the path dedup takes) and never compares vectors of two versions. Real LFW photos and the default models; the
/// second version is the same recogniser without flip averaging (the default flips), which stores vectors under another version.
/// </summary>
public sealed class ModelVersionChangeTests
{
    [Fact]
    public async Task ASetProcessedWithANewModelVersionStillMatchesTheApprovedImagesOfTheOldOne()
    {
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-model-version");
        var media = Path.Combine(root, "media");
        var photos = Directory.GetFiles(Path.Combine(lfw, "Emma_Watson")).Order().ToList();
        photos.Count.ShouldBe(5);
        var older = InProcessService.CopyPhotos(media, photos.Take(3));
        var newer = InProcessService.CopyPhotos(media, photos.Skip(3));
        var oldRecipe = new FacePipelineRecipe(DetectorRegistry.Default, EmbedderRegistry.Default);
        var newRecipe = oldRecipe with { EmbedderOptions = oldRecipe.EmbedderOptions with { FlipTta = false } };
        try
        {
            string token, oldVersion;
            var oldAnalyzer = new FacePipelineAnalyzer(oldRecipe);
            // The old version: the first three photos, processed and approved as the group's reference data.
            await using (var service = await InProcessService.StartAsync(root, oldAnalyzer))
            {
                token = await service.AdminTokenAsync();
                var hope = service.Hope(token);
                (await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "GRP" })).Status.ShouldBe(HttpStatusCode.Created);
                (await hope.PostAsync("deduplication_sets/GRP/images_bulk/", older)).Status.ShouldBe(HttpStatusCode.OK);
                (await hope.PostAsync("deduplication_sets/GRP/process/")).Status.ShouldBe(HttpStatusCode.OK);
                (await hope.WaitForStateAsync("GRP", "Ready", "Failed")).ShouldBe("Ready");
                (await hope.PostAsync("deduplication_sets/GRP/approve_or_reject/", new JsonObject { ["action"] = "merged", ["targets"] = new JsonArray() })).Status.ShouldBe(HttpStatusCode.OK);
                oldVersion = oldAnalyzer.EmbeddingModelVersion;
                var tenant = (await service.Db.Tenants.FindAsync("registry", ct))!.Id;
                (await service.Db.For(tenant).Faces.FacesWithEmbeddingAsync(oldAnalyzer.EmbeddingModel, oldVersion, ct)).Count.ShouldBeGreaterThanOrEqualTo(3);
            }

            // The new version: the other two photos of the same person, in a new set of the group.
            var newAnalyzer = new FacePipelineAnalyzer(newRecipe);
            await using (var service = await InProcessService.StartAsync(root, newAnalyzer))
            {
                var hope = service.Hope(token);
                (await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "GRP" })).Status.ShouldBe(HttpStatusCode.Created);
                (await hope.PostAsync("deduplication_sets/GRP/images_bulk/", newer)).Status.ShouldBe(HttpStatusCode.OK);
                (await hope.PostAsync("deduplication_sets/GRP/process/")).Status.ShouldBe(HttpStatusCode.OK);
                (await hope.WaitForStateAsync("GRP", "Ready", "Failed")).ShouldBe("Ready");
                var pairs = (await hope.AllPagesAsync("deduplication_sets/GRP/duplicates/")).Where(f => f["status_code"]!.GetValue<int>() == 200).ToList();
                var approved = photos.Take(3).Select(Path.GetFileNameWithoutExtension).ToHashSet();
                // Only the approved photos' re-embedded faces can give a pair across the two sets.
                pairs.ShouldContain(f => approved.Contains(f["second"]!["reference_pk"]!.GetValue<string>()) || approved.Contains(f["first"]!["reference_pk"]!.GetValue<string>()),
                    "a photo of the new set should match an approved photo of the same person");

                var tenant = (await service.Db.Tenants.FindAsync("registry", ct))!.Id;
                var faces = service.Db.For(tenant).Faces;
                newAnalyzer.EmbeddingModelVersion.ShouldNotBe(oldVersion);
                var current = await faces.FacesWithEmbeddingAsync(newAnalyzer.EmbeddingModel, newAnalyzer.EmbeddingModelVersion, ct);
                // A face keeps one vector per model: the old version's were replaced, none is left to be compared.
                (await faces.FacesWithEmbeddingAsync(newAnalyzer.EmbeddingModel, oldVersion, ct)).ShouldBeEmpty();
                var all = await faces.ListAsync(Page.All, ct);
                all.Count.ShouldBeGreaterThanOrEqualTo(5);
                all.ShouldAllBe(f => current.Contains(f.Id), "every face, the approved images' included, has a vector of the running version");
            }
        }
        finally
        {
            InProcessService.Delete(root);
        }
    }
}
