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
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-serve");
        var db = Path.Combine(root, "doppel.db");
        var media = Path.Combine(root, "media");
        var images = InProcessService.CopyPhotos(media,
            new[] { "Aaron_Peirsol", "Abdullah_Gul" }.SelectMany(person => Directory.GetFiles(Path.Combine(lfw, person)).Order()));

        (await Run(ct, "tenants", "add", "registry", "--db", db)).Output.ShouldContain("registry");
        var (code, token, _) = await Run(ct, "tokens", "add", "--tenant", "registry", "--scope", "write", "--db", db);
        code.ShouldBe(0);
        token = token.Trim();
        token.ShouldStartWith("dpl_");
        (await Run(ct, "tokens", "add", "--tenant", "nobody", "--db", db)).Error.ShouldStartWith("error: No tenant named 'nobody'");

        int port = Ports.Free();
        using var serve = Start("serve", "--db", db, "--media", media, "--urls", $"http://127.0.0.1:{port}");
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/api/") };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
            await WaitUntil(async () => (await Try(() => http.GetAsync($"http://127.0.0.1:{port}/readyz", ct)))?.StatusCode == HttpStatusCode.OK, serve);
            var hope = new Hope(http);
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
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync(CancellationToken.None);
            InProcessService.Delete(root);
        }
    }

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
