using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Doppel.Application.Sets;
using Doppel.Jobs;
using Doppel.Storage;
using Doppel.Testing;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;

namespace Doppel.Service.Tests;

/// <summary>
/// The model profile is a group setting snapshotted into each set, as <c>doppel serve</c> runs without <c>--model</c>
/// (one pipeline per profile, opened at the first set that needs it): two groups of one tenant process their sets with
/// their own recogniser and threshold, a set keeps the profile it was opened with when its group's changes (before it
/// runs, and when it runs again), and activating a profile on the admin page takes effect for the next set without a
/// restart. Real LFW photos and the installed models of both profiles.
/// </summary>
public sealed class ModelProfileTests
{
    private const string AdminPassword = "admin-password-1";

    private static FacePipelineRecipe RecipeOf(ModelProfile profile) => new(DetectorRegistry.Default, profile.Embedder);

    /// <summary>LFW dev's images (returned) and the models of the two profiles these tests run, licence-clean and accurate.</summary>
    private static string RequireLfwAndBothProfiles()
    {
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.Require([.. ModelProfiles.LicenceClean.Models.Concat(ModelProfiles.Accurate.Models).Select(m => m.Name).Distinct()]);
        return lfw;
    }

    private static ProfileAnalyzers Pipelines(string cache) =>
        new(p => new FacePipelineAnalyzer(RecipeOf(p)), () => ModelProfiles.SelectedIn(cache));

    [Fact]
    public async Task TwoGroupsOfOneTenantRunTheirOwnProfileAndASetKeepsItsSnapshot()
    {
        var lfw = RequireLfwAndBothProfiles();
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-group-profiles");
        try
        {
            var cache = InProcessService.LinkedModelCache(root);
            var pipelines = Pipelines(cache);
            await using var service = await InProcessService.StartAsync(root, pipelines, cache);
            var token = await service.AdminTokenAsync();
            var api = service.Api(token);
            var hope = new Hope(api);

            // A profile whose weights' licence is unclear needs the risk accepted, as activating it does.
            var refused = await api.PatchAsync("v1/groups/ACC/settings", Hope.Json(new JsonObject { ["model_profile"] = ModelProfiles.AccurateName }), ct);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await refused.Content.ReadAsStringAsync(ct)).ShouldContain("accept_licence");
            (await api.PatchAsync("v1/groups/ACC/settings", Hope.Json(new JsonObject { ["model_profile"] = "fastest" }), ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            var set = await api.PatchAsync("v1/groups/ACC/settings",
                Hope.Json(new JsonObject { ["model_profile"] = ModelProfiles.AccurateName, [GroupSettings.AcceptLicence] = true }), ct);
            set.StatusCode.ShouldBe(HttpStatusCode.OK);
            JsonNode.Parse(await set.Content.ReadAsStringAsync(ct))!["model_profile"]!.GetValue<string>().ShouldBe(ModelProfiles.AccurateName);

            // ACC names accurate; CLEAN names none and takes the active profile (licence-clean: nothing is selected in the cache).
            var accPhotos = InProcessService.CopyPhotos(service.Media, Photos(lfw, "Aaron_Peirsol", 3));
            await OpenAsync(hope, "ACC", accPhotos);
            await OpenAsync(hope, "CLEAN", InProcessService.CopyPhotos(service.Media, Photos(lfw, "Abdullah_Gul", 3)));
            (await hope.GetAsync("deduplication_sets/ACC/")).Body!["config"]!["model_profile"]!.GetValue<string>().ShouldBe(ModelProfiles.AccurateName);
            (await hope.GetAsync("deduplication_sets/CLEAN/")).Body!["config"]!["model_profile"]!.GetValue<string>().ShouldBe(ModelProfiles.LicenceCleanName);

            // The group changes its profile after its set opened: the set keeps the one it was opened with.
            (await api.PatchAsync("v1/groups/ACC/settings", Hope.Json(new JsonObject { ["model_profile"] = ModelProfiles.LicenceCleanName }), ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
            await ProcessAsync(hope, "ACC");
            await ProcessAsync(hope, "CLEAN");

            var tenant = (await service.Db.Tenants.FindAsync("registry", ct))!.Id;
            var acc = await RunOfAsync(service.Db, tenant, hope, "ACC", ct);
            var clean = await RunOfAsync(service.Db, tenant, hope, "CLEAN", ct);
            await ShouldHaveRunOnAsync(service.Db, tenant, hope, "ACC", acc, ModelProfiles.Accurate, ct);
            await ShouldHaveRunOnAsync(service.Db, tenant, hope, "CLEAN", clean, ModelProfiles.LicenceClean, ct);
            acc["threshold"]!.GetValue<float>().ShouldNotBe(clean["threshold"]!.GetValue<float>());
            pipelines.Opened.ShouldBe([ModelProfiles.AccurateName, ModelProfiles.LicenceCleanName]);

            // A set's embedding export is of its own profile's model and version, and says so; the tenant's default export
            // is the service's own model (licence-clean), which no face of ACC has a vector of.
            foreach (var (group, profile) in new[] { ("ACC", ModelProfiles.Accurate), ("CLEAN", ModelProfiles.LicenceClean) })
            {
                using var export = await api.GetAsync($"v1/embeddings?set={await SetIdAsync(hope, group)}", ct);
                export.StatusCode.ShouldBe(HttpStatusCode.OK, await export.Content.ReadAsStringAsync(ct));
                export.Headers.GetValues("X-Doppel-Model").Single().ShouldBe(RecipeOf(profile).EmbeddingModel);
                export.Headers.GetValues("X-Doppel-Model-Version").Single().ShouldBe(RecipeOf(profile).EmbeddingModelVersion);
                export.Headers.GetValues("X-Doppel-Profile").Single().ShouldBe(profile.Name);
                var lines = (await export.Content.ReadAsStringAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                lines.Length.ShouldBe(int.Parse(export.Headers.GetValues("X-Doppel-Count").Single(), System.Globalization.CultureInfo.InvariantCulture));
                lines.Length.ShouldBeGreaterThanOrEqualTo(3, group);
                lines.ShouldAllBe(l => l.Contains(group == "ACC" ? "Aaron_Peirsol" : "Abdullah_Gul"));
            }
            using (var tenantExport = await api.GetAsync("v1/embeddings", ct))
            {
                tenantExport.Headers.GetValues("X-Doppel-Model").Single().ShouldBe(RecipeOf(ModelProfiles.LicenceClean).EmbeddingModel);
                (await tenantExport.Content.ReadAsStringAsync(ct)).ShouldNotContain("Aaron_Peirsol");
            }
            (await api.GetAsync($"v1/embeddings?set={Guid.NewGuid()}", ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await api.GetAsync($"v1/embeddings?set={await SetIdAsync(hope, "ACC")}&model=dlib-resnet29", ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

            // verify of two photos follows the named group's profile (the one its next set opens with); without a group, the
            // service's own pipeline.
            (await api.PatchAsync("v1/groups/VERIFY/settings",
                Hope.Json(new JsonObject { ["model_profile"] = ModelProfiles.AccurateName, [GroupSettings.AcceptLicence] = true }), ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
            JsonObject Pair(string? group)
            {
                var body = new JsonObject
                {
                    ["first"] = new JsonObject { ["key"] = accPhotos[0]!["filename"]!.GetValue<string>() },
                    ["second"] = new JsonObject { ["key"] = accPhotos[1]!["filename"]!.GetValue<string>() },
                };
                if (group is not null)
                    body["group"] = group;
                return body;
            }
            var (verifyStatus, byGroup) = await hope.PostAsync("v1/verify", Pair("VERIFY"));
            verifyStatus.ShouldBe(HttpStatusCode.OK);
            (byGroup!["model"]!.GetValue<string>(), byGroup["profile"]!.GetValue<string>(), byGroup["same_person"]!.GetValue<bool>())
                .ShouldBe((RecipeOf(ModelProfiles.Accurate).EmbeddingModel, ModelProfiles.AccurateName, true));
            byGroup["threshold"]!.GetValue<float>().ShouldBe(RecognitionProfiles.Accurate.VerificationThreshold, 1e-6f);
            var (_, byService) = await hope.PostAsync("v1/verify", Pair(null));
            byService!["model"]!.GetValue<string>().ShouldBe(RecipeOf(ModelProfiles.LicenceClean).EmbeddingModel);
            byService["similarity"]!.GetValue<float>().ShouldNotBe(byGroup["similarity"]!.GetValue<float>());
            (await hope.PostAsync("v1/verify", Pair("NO-SUCH-GROUP"))).Status.ShouldBe(HttpStatusCode.NotFound);

            // Run again after the group's change, the finished set still runs on its snapshot.
            await ProcessAsync(hope, "ACC");
            var again = await RunOfAsync(service.Db, tenant, hope, "ACC", ct);
            again["run"]!.GetValue<long>().ShouldBeGreaterThan(acc["run"]!.GetValue<long>());
            await ShouldHaveRunOnAsync(service.Db, tenant, hope, "ACC", again, ModelProfiles.Accurate, ct);

            // Approved, ACC's set is the group's gallery: identify embeds the probe with the gallery's profile and finds
            // the same person (a fourth photo, not in the set).
            (await hope.PostAsync("deduplication_sets/ACC/approve_or_reject/", new JsonObject { ["action"] = "merged", ["targets"] = new JsonArray() })).Status.ShouldBe(HttpStatusCode.OK);
            var probe = InProcessService.CopyPhotos(service.Media, Directory.GetFiles(Path.Combine(lfw, "Aaron_Peirsol")).Order().Skip(3).Take(1));
            var (status, identified) = await hope.PostAsync("v1/identify",
                new JsonObject { ["group"] = "ACC", ["image"] = new JsonObject { ["key"] = probe[0]!["filename"]!.GetValue<string>() } });
            status.ShouldBe(HttpStatusCode.OK);
            identified!["model"]!.GetValue<string>().ShouldBe(RecipeOf(ModelProfiles.Accurate).EmbeddingModel);
            identified["candidates"]!.AsArray().ShouldNotBeEmpty();
            identified["candidates"]![0]!["reference_pk"]!.GetValue<string>().ShouldStartWith("Aaron_Peirsol");
        }
        finally
        {
            InProcessService.Delete(root);
        }
    }

    [Fact]
    public async Task ActivatingAProfileOnTheAdminPageTakesEffectForTheNextSetWithoutARestart()
    {
        var lfw = RequireLfwAndBothProfiles();
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-activate-profile");
        try
        {
            var cache = InProcessService.LinkedModelCache(root);
            var pipelines = Pipelines(cache);
            await using var service = await InProcessService.StartAsync(root, pipelines, cache);
            await service.AddUsersAsync(AdminPassword, "reviewer-password-1");
            var hope = service.Hope(await service.AdminTokenAsync());

            // Opened before the activation: the set records the profile active then.
            await OpenAsync(hope, "BEFORE", InProcessService.CopyPhotos(service.Media, Photos(lfw, "Emma_Watson", 3)));

            using var admin = await AdminHttp.SignInAsync(service.Site, "alice", AdminPassword, ct);
            var csrf = (await admin.GetFromJsonAsync<JsonObject>("/admin/api/me", ct))!["csrf"]!.GetValue<string>();
            using var activate = new HttpRequestMessage(HttpMethod.Post, $"/admin/api/models/profiles/{ModelProfiles.AccurateName}/activate")
            {
                Content = Hope.Json(new JsonObject { ["accept_licence"] = true }),
            };
            activate.Headers.Add("X-CSRF-TOKEN", csrf);
            (await admin.SendAsync(activate, ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
            ModelProfiles.SelectedIn(cache).ShouldBe(ModelProfiles.Accurate);
            (await admin.GetFromJsonAsync<JsonObject>("/admin/api/models", ct))!["running"]!.GetValue<string>().ShouldBe(ModelProfiles.AccurateName);

            // The same process, no restart: a set opened now runs on the activated profile, the earlier one on its own.
            await OpenAsync(hope, "AFTER", InProcessService.CopyPhotos(service.Media, Photos(lfw, "Amelie_Mauresmo", 3)));
            await ProcessAsync(hope, "BEFORE");
            await ProcessAsync(hope, "AFTER");
            var tenant = (await service.Db.Tenants.FindAsync("registry", ct))!.Id;
            await ShouldHaveRunOnAsync(service.Db, tenant, hope, "BEFORE", await RunOfAsync(service.Db, tenant, hope, "BEFORE", ct), ModelProfiles.LicenceClean, ct);
            await ShouldHaveRunOnAsync(service.Db, tenant, hope, "AFTER", await RunOfAsync(service.Db, tenant, hope, "AFTER", ct), ModelProfiles.Accurate, ct);
            pipelines.Opened.ShouldBe([ModelProfiles.AccurateName, ModelProfiles.LicenceCleanName]);
        }
        finally
        {
            InProcessService.Delete(root);
        }
    }

    [Fact]
    public async Task AnAdministratorSetsAGroupsProfileOnTheAdminPage()
    {
        Assert.SkipUnless(File.Exists(AdminPageTests.Chromium), $"{AdminPageTests.Chromium} is not installed (apt-get install chromium).");
        var root = RepoPaths.NewTempDir("doppel-admin-group-profile");
        try
        {
            // Nothing is processed: the pipeline is never opened.
            await using var service = await InProcessService.StartAsync(root, new FacePipelineAnalyzer(RecipeOf(ModelProfiles.LicenceClean)));
            await service.AddUsersAsync(AdminPassword, "reviewer-password-1");
            var hope = service.Hope(await service.AdminTokenAsync());
            (await hope.SendAsync(HttpMethod.Patch, "v1/groups/PROG/settings", new JsonObject { ["duplicate_confidence_threshold"] = 0.6 })).Status.ShouldBe(HttpStatusCode.OK);

            using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = AdminPageTests.Chromium, Headless = true, Args = ["--no-sandbox"] });
            var page = await AdminModelsAndJobsTests.SignedInAsync(browser, service.Site, "alice", AdminPassword);
            await page.Locator("nav a[href='#groups']").ClickAsync();
            var row = page.Locator("#groups tr[data-group='PROG']");
            await Microsoft.Playwright.Assertions.Expect(row.Locator(".group-profile")).ToHaveValueAsync("");
            await row.Locator(".group-profile").SelectOptionAsync(ModelProfiles.AccurateName);
            await row.Locator("button.save-group").ClickAsync();
            await Microsoft.Playwright.Assertions.Expect(row.Locator(".group-error")).ToContainTextAsync("accept_licence");
            (await hope.GetAsync("v1/groups/PROG/settings")).Body!["model_profile"].ShouldBeNull();

            await row.Locator(".group-accept-licence").CheckAsync();
            await row.Locator("button.save-group").ClickAsync();
            await Microsoft.Playwright.Assertions.Expect(page.Locator("#groups tr[data-group='PROG'] .group-settings")).ToContainTextAsync($"\"model_profile\":\"{ModelProfiles.AccurateName}\"");
            await Microsoft.Playwright.Assertions.Expect(page.Locator("#groups tr[data-group='PROG'] .group-profile")).ToHaveValueAsync(ModelProfiles.AccurateName);
            // The threshold was kept, and a set opened now records the profile.
            var settings = (await hope.GetAsync("v1/groups/PROG/settings")).Body!;
            settings["duplicate_confidence_threshold"]!.GetValue<double>().ShouldBe(0.6);
            (await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "PROG" })).Body!["config"]!["model_profile"]!.GetValue<string>().ShouldBe(ModelProfiles.AccurateName);
        }
        finally
        {
            InProcessService.Delete(root);
        }
    }

    /// <summary>A service that runs one recogniser (<c>--model</c>) never runs a set of another profile on it (a worker
    /// runs the set's own: <c>WorkersServiceTests</c>).</summary>
    [Fact]
    public async Task AServiceWithOneRecogniserFailsASetOfAnotherProfileInsteadOfMixingModels()
    {
        var root = RepoPaths.NewTempDir("doppel-fixed-model");
        try
        {
            // Never opened: the set fails before anything is analysed.
            await using var service = await InProcessService.StartAsync(root, new FacePipelineAnalyzer(RecipeOf(ModelProfiles.LicenceClean)));
            var hope = service.Hope(await service.AdminTokenAsync());
            (await hope.SendAsync(HttpMethod.Patch, "v1/groups/OTHER/settings",
                new JsonObject { ["model_profile"] = ModelProfiles.AccurateName, [GroupSettings.AcceptLicence] = true })).Status.ShouldBe(HttpStatusCode.OK);
            await OpenAsync(hope, "OTHER", new JsonArray { new JsonObject { ["reference_pk"] = "x", ["filename"] = "p/x.jpg" } });
            (await hope.PostAsync("deduplication_sets/OTHER/process/")).Status.ShouldBe(HttpStatusCode.OK);
            (await hope.WaitForStateAsync("OTHER", "Ready", "Failed")).ShouldBe("Failed");
            var error = (await hope.GetAsync("deduplication_sets/OTHER/")).Body!["error"]!.GetValue<string>();
            error.ShouldContain($"opened with profile {ModelProfiles.AccurateName}");
            error.ShouldContain($"runs only {RecipeOf(ModelProfiles.LicenceClean).EmbeddingModel}");
            // A set of the service's own profile runs (it has no file, so it has nothing to analyse).
            await OpenAsync(hope, "OWN", new JsonArray { new JsonObject { ["reference_pk"] = "y", ["filename"] = "p/y.jpg" } });
            await ProcessAsync(hope, "OWN");
        }
        finally
        {
            InProcessService.Delete(root);
        }
    }

    private static IEnumerable<string> Photos(string lfw, string person, int count) =>
        Directory.GetFiles(Path.Combine(lfw, person)).Order().Take(count);

    private static async Task OpenAsync(Hope hope, string group, JsonArray images)
    {
        (await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = group })).Status.ShouldBe(HttpStatusCode.Created);
        (await hope.PostAsync($"deduplication_sets/{group}/images_bulk/", images)).Status.ShouldBe(HttpStatusCode.OK);
    }

    private static async Task ProcessAsync(Hope hope, string group)
    {
        (await hope.PostAsync($"deduplication_sets/{group}/process/")).Status.ShouldBe(HttpStatusCode.OK);
        (await hope.WaitForStateAsync(group, "Ready", "Failed")).ShouldBe("Ready");
    }

    private static async Task<Guid> SetIdAsync(Hope hope, string group) =>
        Guid.Parse((await hope.GetAsync($"deduplication_sets/{group}/")).Body!["id"]!.GetValue<string>());

    /// <summary>The arguments of the set's latest processing run (what it ran with), with its id as "run".</summary>
    private static async Task<JsonObject> RunOfAsync(IDoppelDatabase db, TenantId tenant, Hope hope, string group, CancellationToken ct)
    {
        var id = await SetIdAsync(hope, group);
        var run = (await db.For(tenant).Runs.ListAsync(Page.All, ct))
            .Where(r => r.Kind == ProcessSetHandler.RunKind && JsonNode.Parse(r.ArgsJson)!["set"]!.GetValue<Guid>() == id).MaxBy(r => r.Id).ShouldNotBeNull();
        run.State.ShouldBe(RunState.Completed);
        var args = JsonNode.Parse(run.ArgsJson)!.AsObject();
        args["run"] = run.Id;
        return args;
    }

    /// <summary>The run names the profile, its model, version and matching threshold, and every face of the set's images
    /// has a vector of that version and none of the other profile's model.</summary>
    private static async Task ShouldHaveRunOnAsync(IDoppelDatabase db, TenantId tenant, Hope hope, string group, JsonObject run, ModelProfile profile, CancellationToken ct)
    {
        var recipe = RecipeOf(profile);
        run["profile"]!.GetValue<string>().ShouldBe(profile.Name);
        run["model"]!.GetValue<string>().ShouldBe(recipe.EmbeddingModel);
        run["model_version"]!.GetValue<string>().ShouldBe(recipe.EmbeddingModelVersion);
        run["threshold"]!.GetValue<float>().ShouldBe(Confidence.CosineAt(GroupSettings.Default.DuplicateConfidenceThreshold, profile.Recognition.RawDedupThreshold), 1e-6f);

        var media = (await db.SetsFor(tenant).ListImagesAsync(await SetIdAsync(hope, group), 0, 100, ct)).Select(i => i.MediaId.ShouldNotBeNull()).ToHashSet();
        var faces = (await db.For(tenant).Faces.ListAsync(Page.All, ct)).Where(f => media.Contains(f.MediaId)).Select(f => f.Id).ToList();
        faces.Count.ShouldBeGreaterThanOrEqualTo(3, $"{group}: every photo has a face");
        var own = await db.For(tenant).Faces.FacesWithEmbeddingAsync(recipe.EmbeddingModel, recipe.EmbeddingModelVersion, ct);
        faces.ShouldAllBe(f => own.Contains(f), $"{group}: every face has a vector of {profile.Name}'s version");
        var other = RecipeOf(profile == ModelProfiles.Accurate ? ModelProfiles.LicenceClean : ModelProfiles.Accurate);
        var foreign = await db.For(tenant).Faces.FacesWithEmbeddingAsync(other.EmbeddingModel, other.EmbeddingModelVersion, ct);
        faces.ShouldNotContain(f => foreign.Contains(f), $"{group}: no face of the set was embedded by the other profile");
    }
}
