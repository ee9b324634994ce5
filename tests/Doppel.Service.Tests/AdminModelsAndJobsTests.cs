using Doppel.Vision.Decoding;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Doppel.Application.Admin;
using Doppel.Application.Tokens;
using Doppel.Jobs;
using Doppel.Models;
using Doppel.Models.Catalog;
using Doppel.Models.Publishing;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Doppel.Vision;
using Doppel.Vision.Embedding;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace Doppel.Service.Tests;

/// <summary>
/// The admin page's Models and Jobs views in Debian's chromium, on a service built in this process over SQLite (no
/// workers, so no Hangfire dashboard: the Jobs view is the page's own). An administrator publishes an installed model
/// into a models container in a folder, checked by reading the container's manifest and the blob's bytes; a reviewer
/// sees the models but no button, and the endpoint answers 403. A set whose processing fails shows its error, and
/// Retry moves it back to Processing (the analyzer holds it there until the test lets it finish).
/// </summary>
public sealed class AdminModelsAndJobsTests
{
    /// <summary>The smallest default model (236 KB, one file): the test copies it, it does not run it.</summary>
    private const string Model = "yunet";

    private const string AdminPassword = "admin-password-1";
    private const string ReviewerPassword = "reviewer-password-1";

    [Fact]
    public async Task AdministratorPublishesAnInstalledModelAndAReviewerCannot()
    {
        Assert.SkipUnless(File.Exists(AdminPageTests.Chromium), $"{AdminPageTests.Chromium} is not installed (apt-get install chromium).");
        InstalledModels.Require([Model, .. ModelProfiles.Accurate.Models.Select(m => m.Name)]);
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-admin-models");
        var containerFolder = Path.Combine(root, "models-container");
        // The installed models seen through links, so the profile the page activates is written here, not in the real cache.
        var cache = InProcessService.LinkedModelCache(root);
        try
        {
            await using var service = await StartAsync(root, new FlakyAnalyzer(failures: 0), new FolderModelContainer(containerFolder), cache);
            await service.AdminTokenAsync();
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = AdminPageTests.Chromium, Headless = true, Args = ["--no-sandbox"] });

            var admin = await SignedInAsync(browser, service.Site, "alice", AdminPassword);
            await admin.Locator("nav a[href='#models']").ClickAsync();
            var row = admin.Locator($"#models tr[data-model='{Model}']");
            await Assertions.Expect(row.Locator(".model-published")).ToHaveTextAsync("–");
            await row.Locator("button.publish").ClickAsync();
            await Assertions.Expect(admin.Locator("#publish-result code")).ToHaveCountAsync(1);
            var version = (await admin.Locator("#publish-result code").TextContentAsync())!;
            await Assertions.Expect(row.Locator(".model-published code")).ToHaveTextAsync(version);
            await Assertions.Expect(row.Locator(".model-published")).ToContainTextAsync("by user:alice");
            await Assertions.Expect(admin.Locator("#models-log tr", new() { HasText = "user:alice" })).ToHaveCountAsync(1);

            // The container holds what the page says: the manifest names the version, the publisher and the catalogue's
            // pinned sha256, and the blob's bytes hash to it.
            var pin = ModelCatalog.Get(Model).OnnxFile!.Checksum.Hex;
            var manifest = (await new FolderModelContainer(containerFolder).ReadManifestAsync(ct))!.Value.Manifest;
            var entry = manifest.Find(Model).ShouldNotBeNull();
            entry.Version.ShouldBe(version);
            entry.PublishedBy.ShouldBe("user:alice");
            var file = entry.Files.ShouldHaveSingleItem();
            file.Sha256.ShouldBe(pin);
            Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(containerFolder, file.Blob), ct))).ShouldBe(pin);
            // Audited in the catalog: who, what, which version.
            var audit = (await service.Db.For(TenantId.Default).Runs.ListAsync(cancellationToken: ct)).ShouldHaveSingleItem();
            audit.Kind.ShouldBe("model-publish");
            audit.State.ShouldBe(RunState.Completed);
            var details = JsonNode.Parse(audit.ArgsJson)!;
            details["by"]!.GetValue<string>().ShouldBe("user:alice");
            details["version"]!.GetValue<string>().ShouldBe(version);

            // Activating the accurate profile needs the licence risk accepted; then it is the cache's selection, audited.
            var accurate = admin.Locator($"#profiles tr[data-profile='{ModelProfiles.AccurateName}']");
            await accurate.Locator("button.activate").ClickAsync();
            await Assertions.Expect(admin.Locator("#activate-error")).ToContainTextAsync("accept the licence risk");
            File.Exists(ModelProfiles.SelectionFileIn(cache)).ShouldBeFalse();
            await accurate.Locator(".accept-licence").CheckAsync();
            await accurate.Locator("button.activate").ClickAsync();
            await Assertions.Expect(accurate.Locator(".selected")).ToHaveTextAsync("selected");
            ModelProfiles.SelectedIn(cache).ShouldBe(ModelProfiles.Accurate);
            await Assertions.Expect(admin.Locator("#models-log tr", new() { HasText = "activate" })).ToHaveCountAsync(1);
            var runs = await service.Db.For(TenantId.Default).Runs.ListAsync(cancellationToken: ct);
            runs.Count.ShouldBe(2);
            runs[1].Kind.ShouldBe("model-activate");
            JsonNode.Parse(runs[1].ArgsJson)!["by"]!.GetValue<string>().ShouldBe("user:alice");

            // A reviewer reads the models but has no button, and the call itself is refused (with a valid CSRF header).
            var reviewer = await SignedInAsync(browser, service.Site, "bob", ReviewerPassword);
            await reviewer.Locator("nav a[href='#models']").ClickAsync();
            await Assertions.Expect(reviewer.Locator($"#models tr[data-model='{Model}'] .model-published code")).ToHaveTextAsync(version);
            await Assertions.Expect(reviewer.Locator("button.publish")).ToHaveCountAsync(0);
            var status = await reviewer.EvaluateAsync<int>(
                $"async () => (await fetch('/admin/api/models/{Model}/publish', {{ method: 'POST', headers: {{ 'X-CSRF-TOKEN': state.csrf }} }})).status");
            status.ShouldBe(403);
            await Assertions.Expect(reviewer.Locator("button.activate")).ToHaveCountAsync(0);
            status = await reviewer.EvaluateAsync<int>(
                $"async () => (await fetch('/admin/api/models/profiles/{ModelProfiles.LicenceCleanName}/activate', {{ method: 'POST', headers: {{ 'X-CSRF-TOKEN': state.csrf, 'Content-Type': 'application/json' }}, body: '{{}}' }})).status");
            status.ShouldBe(403);
            ModelProfiles.SelectedIn(cache).ShouldBe(ModelProfiles.Accurate);
            (await service.Db.For(TenantId.Default).Runs.ListAsync(cancellationToken: ct)).Count.ShouldBe(2);
        }
        finally
        {
            InProcessService.Delete(root);
        }
    }

    [Fact]
    public async Task AFailedSetShowsItsErrorAndRetryMovesItBackToProcessing()
    {
        Assert.SkipUnless(File.Exists(AdminPageTests.Chromium), $"{AdminPageTests.Chromium} is not installed (apt-get install chromium).");
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-admin-jobs");
        try
        {
            var analyzer = new FlakyAnalyzer(failures: 1);
            await using var service = await StartAsync(root, analyzer, null);
            var hope = service.Hope(await service.AdminTokenAsync());
            Directory.CreateDirectory(Path.Combine(service.Media, "p"));
            var images = new JsonArray();
            foreach (var name in new[] { "a.jpg", "b.jpg" })
            {
                await File.WriteAllTextAsync(Path.Combine(service.Media, "p", name), name, ct);
                images.Add(new JsonObject { ["reference_pk"] = name, ["filename"] = "p/" + name });
            }
            (await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "JOB-1" })).Status.ShouldBe(HttpStatusCode.Created);
            (await hope.PostAsync("deduplication_sets/JOB-1/images_bulk/", images)).Status.ShouldBe(HttpStatusCode.OK);
            (await hope.PostAsync("deduplication_sets/JOB-1/process/")).Status.ShouldBe(HttpStatusCode.OK);
            (await hope.WaitForStateAsync("JOB-1", "Ready", "Failed")).ShouldBe("Failed");

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = AdminPageTests.Chromium, Headless = true, Args = ["--no-sandbox"] });

            // A reviewer sees the failure but cannot retry it.
            var reviewer = await SignedInAsync(browser, service.Site, "bob", ReviewerPassword);
            await reviewer.Locator("nav a[href='#jobs']").ClickAsync();
            var reviewerRow = reviewer.Locator("#job-sets tr", new() { HasText = "JOB-1" });
            await Assertions.Expect(reviewerRow.Locator(".state")).ToHaveTextAsync("Failed");
            await Assertions.Expect(reviewerRow.Locator("button.retry")).ToHaveCountAsync(0);
            await Assertions.Expect(reviewer.Locator("#hangfire-link")).ToHaveCountAsync(0);

            var admin = await SignedInAsync(browser, service.Site, "alice", AdminPassword);
            await admin.Locator("nav a[href='#jobs']").ClickAsync();
            var row = admin.Locator("#job-sets tr", new() { HasText = "JOB-1" });
            await Assertions.Expect(row.Locator(".state")).ToHaveTextAsync("Failed");
            await Assertions.Expect(row.Locator(".set-error")).ToHaveTextAsync($"InvalidOperationException: {FlakyAnalyzer.Failure}");
            await Assertions.Expect(admin.Locator("#job-runs tr", new() { HasText = FlakyAnalyzer.Failure })).ToHaveCountAsync(1);
            await row.Locator("button.retry").ClickAsync();
            // The analyzer holds the second run until released: the set reads Processing, in the page and through the API.
            await Assertions.Expect(row.Locator(".state")).ToHaveTextAsync("Processing");
            await Assertions.Expect(row.Locator("button.retry")).ToHaveCountAsync(0);
            (await hope.StateAsync("JOB-1")).ShouldBe("Processing");
            analyzer.Release();
            (await hope.WaitForStateAsync("JOB-1", "Ready", "Failed")).ShouldBe("Ready");
            analyzer.Analysed.ShouldBe(2);
        }
        finally
        {
            InProcessService.Delete(root);
        }
    }

    /// <summary>The service on a fresh SQLite file with administrator alice and reviewer bob.</summary>
    private static async Task<InProcessService> StartAsync(string root, IImageAnalyzer analyzer, IModelContainer? container, string? modelCache = null)
    {
        var service = await InProcessService.StartAsync(root, analyzer, container, modelCache);
        await service.AddUsersAsync(AdminPassword, ReviewerPassword);
        return service;
    }

    internal static async Task<IPage> SignedInAsync(IBrowser browser, string site, string name, string password)
    {
        var page = await AdminPageTests.NewPageAsync(browser);
        await page.GotoAsync(site + "/admin/login");
        await AdminPageTests.SignInAsync(page, name, password);
        await page.Locator("body[data-ready=true]").WaitForAsync();
        await page.Locator("#tenant").SelectOptionAsync(new SelectOptionValue { Label = "registry" });
        return page;
    }

    /// <summary>A pipeline with no model that fails its first <paramref name="failures"/> analyses, then finds no face
    /// in any file, but only once <see cref="Release"/> is called: a retried set stays Processing until then.</summary>
    private sealed class FlakyAnalyzer(int failures) : IImageAnalyzer
    {
        public const string Failure = "the detector crashed (scripted)";
        private readonly SemaphoreSlim _gate = new(0);
        private int _calls;

        public string DetectorName => "flaky";
        public string EmbeddingModel => "flaky-model";
        public string EmbeddingModelVersion => "1";
        public IFaceEmbedder Embedder => throw new InvalidOperationException("No face is stored, so none is re-embedded.");
        public float DefaultThreshold => 0.7f;
        public Doppel.Vision.Embedding.RecognitionProfile Profile => Doppel.Vision.Embedding.RecognitionProfiles.Unmeasured(EmbeddingModel, DefaultThreshold);

        /// <summary>Analyse calls made (failed ones included).</summary>
        public int Analysed => _calls;

        public void Release() => _gate.Release(int.MaxValue / 2);

        public void Load()
        {
        }

        public IEnumerable<ImageAnalysis> Analyze(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) <= failures)
                throw new InvalidOperationException(Failure);
            if (failures > 0)
                _gate.Wait(cancellationToken);
            return paths.Select(p => new ImageAnalysis(p, ImageStatus.NoFace, null, "jpeg", 10, 10, [])).ToList();
        }

        /// <summary>As the pipeline does: each source read once, the result carrying the hash and size of what was read.</summary>
        public IEnumerable<ImageAnalysis> Analyze(IReadOnlyList<ImageSource> sources, CancellationToken cancellationToken = default)
        {
            var analyses = Analyze(sources.Select(s => s.Name).ToList(), cancellationToken);
            return sources.Zip(analyses, (source, analysis) =>
            {
                using var stream = source.Open(cancellationToken);
                var read = SourceBytes.Read(stream, 64L << 20, cancellationToken);
                return analysis with { ContentHash = read.Sha256, SizeBytes = read.Length };
            }).ToList();
        }

        public void Dispose() => _gate.Dispose();
    }
}

internal static class HttpClientTokens
{
    public static HttpClient WithToken(this HttpClient http, string token)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
        return http;
    }
}
