using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Doppel.Testing;

namespace Doppel.Service.Tests;

/// <summary>
/// The real thing, as an operator runs it: <c>doppel tenants add</c> and <c>doppel tokens add</c> mint a token,
/// <c>doppel serve</c> starts as its own process on 127.0.0.1, and a HOPE client registers real photos, processes
/// the set and reads the duplicates.
/// </summary>
public sealed class ServeProcessTests
{
    [Fact]
    public async Task DoppelServeRunsTheHopeFlow()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-serve");
        var images = TwoPeople(root);
        var db = Path.Combine(root, "doppel.db");

        (await Run(ct, "tenants", "add", "registry", "--db", db)).Output.ShouldContain("registry");
        var (code, token, _) = await Run(ct, "tokens", "add", "--tenant", "registry", "--scope", "write", "--db", db);
        code.ShouldBe(0);
        token = token.Trim();
        token.ShouldStartWith("dpl_");
        (await Run(ct, "tokens", "add", "--tenant", "nobody", "--db", db)).Error.ShouldStartWith("error: No tenant named 'nobody'");

        await using var serve = await Served.StartAsync(root, token, ct);
        var hope = serve.Hope;
        var (status, set) = await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "REG-1" });
        status.ShouldBe(HttpStatusCode.Created);
        (await hope.PostAsync("deduplication_sets/REG-1/images_bulk/", images)).Status.ShouldBe(HttpStatusCode.OK);
        (await hope.PostAsync("deduplication_sets/REG-1/process/")).Status.ShouldBe(HttpStatusCode.OK);
        (await hope.WaitForStateAsync("REG-1", "Ready", "Failed")).ShouldBe("Ready");
        var findings = await hope.AllPagesAsync("deduplication_sets/REG-1/duplicates/");
        var pairs = findings.Where(f => f["status_code"]!.GetValue<int>() == 200).ToList();
        pairs.ShouldNotBeEmpty();
        pairs.ShouldAllBe(p => Person(p["first"]!["reference_pk"]!.GetValue<string>()) == Person(p["second"]!["reference_pk"]!.GetValue<string>()));
    }

    /// <summary>
    /// <c>doppel serve</c> scores each face's quality as a dedup or a worker does (the profile's assessor), and a group's
    /// <c>unified_quality_score_threshold</c> then leaves the faces below it out: their images read 418 and no pair names
    /// them, while every other pair stays. Before, the service stored no quality and the gate filtered nothing.
    /// </summary>
    [Fact]
    public async Task DoppelServeStoresFaceQualityAndAGroupsMinimumLeavesLowQualityFacesOut()
    {
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-serve-quality");
        var images = TwoPeople(root);
        var db = Path.Combine(root, "doppel.db");
        (await Run(ct, "tenants", "add", "registry", "--db", db)).Code.ShouldBe(0);
        var token = (await Run(ct, "tokens", "add", "--tenant", "registry", "--scope", "admin", "--db", db)).Output.Trim();
        await using var serve = await Served.StartAsync(root, token, ct);
        var hope = serve.Hope;
        async Task<(Dictionary<string, JsonNode> Images, HashSet<(string, string)> Pairs)> ProcessAsync(string group, double? minQuality)
        {
            if (minQuality is { } q)
                (await hope.PostAsync($"deduplication_set_groups/config/{group}/", new JsonObject { ["unified_quality_score_threshold"] = q })).Status.ShouldBe(HttpStatusCode.OK);
            var (status, set) = await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = group });
            status.ShouldBe(HttpStatusCode.Created);
            (await hope.PostAsync($"deduplication_sets/{group}/images_bulk/", images.DeepClone())).Status.ShouldBe(HttpStatusCode.OK);
            (await hope.PostAsync($"deduplication_sets/{group}/process/")).Status.ShouldBe(HttpStatusCode.OK);
            (await hope.WaitForStateAsync(group, "Ready", "Failed")).ShouldBe("Ready");
            var listed = (await hope.AllPagesAsync($"v1/sets/{set!["id"]!.GetValue<string>()}/images")).ToDictionary(i => i["reference_id"]!.GetValue<string>());
            var pairs = (await hope.AllPagesAsync($"deduplication_sets/{group}/duplicates/"))
                .Where(f => f["status_code"]!.GetValue<int>() == 200)
                .Select(f => Ordered(f["first"]!["reference_pk"]!.GetValue<string>(), f["second"]!["reference_pk"]!.GetValue<string>()))
                .ToHashSet();
            return (listed, pairs);
        }

        // No minimum: each image's face carries a quality in [0, 1] (two of these read 416, a detector score under
        // the group's default 0.9, which the quality gate does not change).
        var (plain, plainPairs) = await ProcessAsync("REG-PLAIN", null);
        plain.Count.ShouldBe(images.Count);
        var plainStatus = plain.ToDictionary(p => p.Key, p => p.Value["status_code"]!.GetValue<int>());
        plainStatus.Values.ShouldAllBe(c => c == 200 || c == 416);
        var quality = plain.ToDictionary(p => p.Key, p => (p.Value["quality"] ?? throw new ShouldAssertException($"{p.Key} has no quality")).GetValue<double>());
        quality.Values.ShouldAllBe(q => q >= 0 && q <= 1);
        quality.Values.Distinct().Count().ShouldBeGreaterThan(1, "one quality for every face says nothing was scored");
        plainPairs.Count.ShouldBeGreaterThan(1);

        // A minimum just above the lowest quality of any paired image: that image (and any below it) is left out.
        var paired = plainPairs.SelectMany(p => new[] { p.Item1, p.Item2 }).ToHashSet();
        var lowest = paired.MinBy(r => quality[r])!;
        var minimum = (quality[lowest] + quality.Values.Where(q => q > quality[lowest]).Min()) / 2;
        var low = quality.Where(q => q.Value < minimum).Select(q => q.Key).ToHashSet();
        low.ShouldContain(lowest);
        var (strict, strictPairs) = await ProcessAsync("REG-STRICT", minimum);
        foreach (var (reference, image) in strict)
            image["status_code"]!.GetValue<int>().ShouldBe(plainStatus[reference] != 200 ? plainStatus[reference] : low.Contains(reference) ? 418 : 200, reference);
        strictPairs.ShouldBe(plainPairs.Where(p => !low.Contains(p.Item1) && !low.Contains(p.Item2)).ToHashSet(), ignoreOrder: true);
        strictPairs.Count.ShouldBeLessThan(plainPairs.Count);
    }

    /// <summary>Aaron_Peirsol's and Abdullah_Gul's LFW dev photos copied into ROOT/media, as HOPE's images_bulk list.</summary>
    private static JsonArray TwoPeople(string root)
    {
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        return InProcessService.CopyPhotos(Path.Combine(root, "media"),
            new[] { "Aaron_Peirsol", "Abdullah_Gul" }.SelectMany(person => Directory.GetFiles(Path.Combine(lfw, person)).Order()));
    }

    /// <summary><c>doppel serve</c> on ROOT's catalog and media folder, ready, with a HOPE client sending the token;
    /// disposing it stops the process and deletes ROOT.</summary>
    private sealed class Served : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly HttpClient _http;
        private readonly string _root;

        private Served(Process process, HttpClient http, string root) => (_process, _http, _root) = (process, http, root);

        public Hope Hope => new(_http);

        public static async Task<Served> StartAsync(string root, string token, CancellationToken ct)
        {
            int port = Ports.Free();
            var process = Start("serve", "--db", Path.Combine(root, "doppel.db"), "--media", Path.Combine(root, "media"), "--urls", $"http://127.0.0.1:{port}");
            var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/api/") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
            var served = new Served(process, http, root);
            try
            {
                await WaitUntil(async () => (await Try(() => http.GetAsync($"http://127.0.0.1:{port}/readyz", ct)))?.StatusCode == HttpStatusCode.OK, process);
                return served;
            }
            catch
            {
                await served.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
            _process.Dispose();
            InProcessService.Delete(_root);
        }
    }

    private static (string, string) Ordered(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? (a, b) : (b, a);

    private static string Person(string referencePk) => referencePk[..referencePk.LastIndexOf('_')];

    internal static ProcessStartInfo Info(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "doppel.dll"));
        foreach (var a in args)
            start.ArgumentList.Add(a);
        start.Environment["DOPPEL_LOG_DIR"] = Path.Combine(Path.GetTempPath(), "doppel-serve-logs");
        return start;
    }

    internal static Process Start(params string[] args)
    {
        var process = Process.Start(Info(args))!;
        // Drain the JSON logs so the pipe never fills.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task<(int Code, string Output, string Error)> Run(CancellationToken ct, params string[] args)
    {
        using var process = Process.Start(Info(args))!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await output, await error);
    }

    internal static async Task<T?> Try<T>(Func<Task<T>> call) where T : class
    {
        try
        {
            return await call();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    internal static async Task WaitUntil(Func<Task<bool>> ready, Process process)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await ready())
        {
            process.HasExited.ShouldBeFalse("doppel serve exited early");
            DateTime.UtcNow.ShouldBeLessThan(deadline, "doppel serve did not become ready");
            await Task.Delay(200);
        }
    }
}
