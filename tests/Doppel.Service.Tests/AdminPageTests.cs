using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Doppel.Testing;
using Microsoft.Playwright;

namespace Doppel.Service.Tests;

/// <summary>
/// The admin page end to end, as an operator uses it: <c>doppel users add</c> creates an administrator and a
/// reviewer, the real <c>doppel serve</c> process processes real LFW photos, and Debian's chromium (driven by
/// Playwright, never its own browser download) signs in, opens the set, reviews pairs with the keyboard, moves the
/// threshold explorer, and splits a face off a person and merges it back. Decisions are checked through the v1 API,
/// not the page.
/// </summary>
public sealed class AdminPageTests
{
    internal const string Chromium = "/usr/bin/chromium";

    /// <summary>Generous: the test machine is shared and slow; every wait is for a selector or a state, never a sleep.</summary>
    private const float Timeout = 60_000;

    [Fact]
    public async Task AdministratorReviewsPairsWithTheKeyboardAndExploresTheThreshold()
    {
        Assert.SkipUnless(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium).");
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-admin");
        var db = Path.Combine(root, "doppel.db");
        var media = Path.Combine(root, "media");
        Directory.CreateDirectory(Path.Combine(media, "p"));
        var images = new JsonArray();
        foreach (var person in new[] { "Amelia_Vega", "Denzel_Washington", "Emma_Watson" })
            foreach (var file in Directory.GetFiles(Path.Combine(lfw, person)).Order())
            {
                File.Copy(file, Path.Combine(media, "p", Path.GetFileName(file)));
                images.Add(new JsonObject { ["reference_pk"] = Path.GetFileNameWithoutExtension(file), ["filename"] = "p/" + Path.GetFileName(file) });
            }

        (await ServeProcessTests.Run(ct, "tenants", "add", "registry", "--db", db)).Output.ShouldContain("registry");
        var token = (await ServeProcessTests.Run(ct, "tokens", "add", "--tenant", "registry", "--scope", "admin", "--db", db)).Output.Trim();
        var (code, adminPassword, _) = await ServeProcessTests.Run(ct, "users", "add", "alice", "--role", "admin", "--db", db);
        code.ShouldBe(0);
        adminPassword = adminPassword.Trim();
        adminPassword.Length.ShouldBe(20);
        var reviewerPassword = (await ServeProcessTests.Run(ct, "users", "add", "bob", "--role", "reviewer", "--db", db)).Output.Trim();
        (await ServeProcessTests.Run(ct, "users", "add", "ALICE", "--db", db)).Error.ShouldStartWith("error: An admin page user named 'ALICE' already exists");

        int port = Ports.Free();
        var site = $"http://127.0.0.1:{port}";
        using var serve = ServeProcessTests.Start("serve", "--db", db, "--media", media, "--urls", site);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(site + "/api/") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
            await ServeProcessTests.WaitUntil(async () => (await ServeProcessTests.Try(() => http.GetAsync(site + "/readyz", ct)))?.StatusCode == HttpStatusCode.OK, serve);
            var hope = new Hope(http);
            (await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "REG-1" })).Status.ShouldBe(HttpStatusCode.Created);
            (await hope.PostAsync("deduplication_sets/REG-1/images_bulk/", images)).Status.ShouldBe(HttpStatusCode.OK);
            (await hope.PostAsync("deduplication_sets/REG-1/process/")).Status.ShouldBe(HttpStatusCode.OK);
            (await hope.WaitForStateAsync("REG-1", "Ready", "Failed")).ShouldBe("Ready");
            var set = (await hope.GetAsync("v1/sets/REG-1")).Body!;
            var setId = set["id"]!.GetValue<string>();
            var confidences = (await hope.GetAsync($"v1/sets/{setId}/findings?status_code=200&page_size=1000")).Body!["results"]!.AsArray()
                .Select(f => f!["confidence"]!.GetValue<float>()).Order().ToList();
            confidences.Count.ShouldBeGreaterThanOrEqualTo(3, "the three people's photos should give at least three pairs to review");
            var current = set["settings"]!["duplicate_confidence_threshold"]!.GetValue<double>();

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });

            // A wrong password is refused and leaves no session.
            var admin = await NewPageAsync(browser);
            await admin.GotoAsync(site + "/admin/");
            await admin.WaitForURLAsync("**/admin/login**");
            await SignInAsync(admin, "alice", adminPassword + "x");
            await Assertions.Expect(admin.Locator("p.error")).ToHaveTextAsync("Wrong name or password.");
            (await admin.APIRequest.GetAsync(site + "/admin/api/me")).Status.ShouldBe(401);

            // The administrator opens the processed set.
            await SignInAsync(admin, "alice", adminPassword);
            await admin.Locator("body[data-ready=true]").WaitForAsync();
            await admin.Locator("#tenant").SelectOptionAsync(new SelectOptionValue { Label = "registry" });
            await admin.Locator("#sets a", new() { HasText = "REG-1" }).ClickAsync();
            await Assertions.Expect(admin.Locator("#set-state")).ToHaveTextAsync("Ready");
            await Assertions.Expect(admin.Locator("#set-undecided")).ToHaveTextAsync(confidences.Count.ToString());

            // Review with the keyboard: confirm, not a duplicate, skip. The queue shows the least certain pair first.
            await admin.Locator("#start-review").ClickAsync();
            var decided = new List<long>();
            foreach (var key in new[] { "c", "n", "s" })
            {
                var pair = admin.Locator("#review-pair");
                await pair.WaitForAsync();
                var id = long.Parse((await pair.GetAttributeAsync("data-finding-id"))!);
                if (decided.Count == 0)
                    (await admin.Locator("#confidence").TextContentAsync()).ShouldBe(confidences.MinBy(c => Math.Abs(c - 0.5f)).ToString("0.000"));
                await admin.Locator(".pair-photo").First.WaitForAsync();
                await admin.Keyboard.PressAsync(key);
                decided.Add(id);
                await Assertions.Expect(admin.Locator($"#review-pair[data-finding-id='{id}']")).ToHaveCountAsync(0);
            }
            await Assertions.Expect(admin.Locator("#decided-count")).ToHaveTextAsync("2");
            var landed = new List<JsonNode>();
            foreach (var id in decided)
                landed.Add((await hope.GetAsync($"v1/findings/{id}")).Body!);
            landed[0]["decision"]!.GetValue<string>().ShouldBe("confirmed");
            landed[0]["decided_by"]!.GetValue<string>().ShouldBe("user:alice");
            landed[1]["decision"]!.GetValue<string>().ShouldBe("not_duplicate");
            landed[2]["decision"].ShouldBeNull();

            // The explorer: the set's threshold keeps every stored pair; one above the median keeps fewer, as counted here.
            await admin.GotoAsync($"{site}/admin/#explore/{setId}");
            await Assertions.Expect(admin.Locator("#kept-count")).ToHaveTextAsync(confidences.Count(c => c >= current).ToString());
            var chosen = Math.Round(confidences[confidences.Count / 2] + 0.005, 2);
            await admin.Locator("#threshold").FillAsync(chosen.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
            await admin.Locator("#threshold").DispatchEventAsync("change");
            var expected = confidences.Count(c => c >= chosen);
            expected.ShouldBeLessThan(confidences.Count(c => c >= current));
            await Assertions.Expect(admin.Locator("#kept-count")).ToHaveTextAsync(expected.ToString());
            await Assertions.Expect(admin.Locator("#disappear li")).ToHaveCountAsync(Math.Min(20, confidences.Count(c => c >= current && c < chosen)));

            // The administrator sees tokens; a reviewer neither sees the link nor gets the data.
            await admin.GotoAsync($"{site}/admin/#tokens");
            await Assertions.Expect(admin.Locator("#tokens tr[data-token-id]")).ToHaveCountAsync(1);
            var reviewer = await NewPageAsync(browser);
            await reviewer.GotoAsync(site + "/admin/login");
            await SignInAsync(reviewer, "bob", reviewerPassword);
            await reviewer.Locator("body[data-ready=true]").WaitForAsync();
            await Assertions.Expect(reviewer.Locator("nav a[href='#tokens']")).ToHaveCountAsync(0);
            await reviewer.GotoAsync($"{site}/admin/#tokens");
            await reviewer.ReloadAsync();
            await Assertions.Expect(reviewer.Locator("#error")).ToHaveTextAsync("This page is for administrators.");
            (await reviewer.APIRequest.GetAsync($"{site}/admin/api/tokens")).Status.ShouldBe(403);
            (await reviewer.APIRequest.GetAsync($"{site}/admin/api/sets")).Status.ShouldBe(200);
            // A state change without the antiforgery header is refused even with a valid session.
            (await reviewer.APIRequest.PostAsync($"{site}/admin/api/findings/{decided[2]}/decision", new() { DataObject = new { decision = "confirmed" } })).Status.ShouldBe(400);
            (await hope.GetAsync($"v1/findings/{decided[2]}")).Body!["decision"].ShouldBeNull();

            // Persons: grouped through the API, then in the page a face is split off the largest person and merged back.
            (await hope.PostAsync("v1/persons/recognize")).Status.ShouldBe(HttpStatusCode.OK);
            var persons = await hope.AllPagesAsync("v1/persons");
            var largest = persons.MaxBy(p => p["faces"]!.GetValue<int>())!;
            long largestId = largest["id"]!.GetValue<long>();
            int count = largest["faces"]!.GetValue<int>();
            count.ShouldBeGreaterThanOrEqualTo(2);
            await admin.GotoAsync($"{site}/admin/#persons");
            await Assertions.Expect(admin.Locator("#persons tr[data-person-id]")).ToHaveCountAsync(persons.Count);
            await admin.Locator($"#persons tr[data-person-id='{largestId}'] a").ClickAsync();
            await Assertions.Expect(admin.Locator("#person-faces")).ToHaveTextAsync(count.ToString());
            await Assertions.Expect(admin.Locator(".face .crop[data-loaded=true]")).ToHaveCountAsync(count);
            await admin.Locator(".face-pick").First.CheckAsync();
            await admin.Locator("#split-name").FillAsync("split off");
            await admin.Locator("#split").ClickAsync();
            await Assertions.Expect(admin.Locator("#person-name")).ToHaveTextAsync("split off");
            await Assertions.Expect(admin.Locator("#person-faces")).ToHaveTextAsync("1");
            long splitId = long.Parse(admin.Url.Split('/').Last());
            await admin.GotoAsync($"{site}/admin/#person/{largestId}");
            await Assertions.Expect(admin.Locator("#person-faces")).ToHaveTextAsync((count - 1).ToString());
            await admin.Locator("#merge-from").SelectOptionAsync(splitId.ToString());
            await admin.Locator("#merge").ClickAsync();
            await Assertions.Expect(admin.Locator("#person-faces")).ToHaveTextAsync(count.ToString());
            (await hope.GetAsync($"v1/persons/{splitId}")).Status.ShouldBe(HttpStatusCode.NotFound);
            (await hope.GetAsync($"v1/persons/{largestId}")).Body!["faces"]!.AsArray().Count.ShouldBe(count);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync(CancellationToken.None);
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    internal static async Task<IPage> NewPageAsync(IBrowser browser)
    {
        var context = await browser.NewContextAsync();
        context.SetDefaultTimeout(Timeout);
        context.SetDefaultNavigationTimeout(Timeout);
        Assertions.SetDefaultExpectTimeout(Timeout);
        return await context.NewPageAsync();
    }

    internal static async Task SignInAsync(IPage page, string name, string password)
    {
        await page.Locator("input[name=name]").FillAsync(name);
        await page.Locator("input[name=password]").FillAsync(password);
        // Wait for the server's answer to the post itself; each caller then waits for a selector of the document it
        // leads to (body[data-ready=true], p.error), which Playwright retries across the redirect's navigation. A
        // load-state wait here hung for its whole 60 s twice on 2026-12-07 (once "load", once "DOMContentLoaded", each
        // with the next page already there): the state event of a POST → 302 → GET navigation can pass before the wait
        // is registered against the new document, and nothing fires again. A selector is polled, so it cannot be missed.
        await page.RunAndWaitForResponseAsync(() => page.Locator("button[type=submit]").ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.Contains("/admin/login", StringComparison.Ordinal));
    }
}
