using System.Diagnostics;
using System.Text.Json;
using Doppel.Testing;

namespace Doppel.Cli.Tests;

/// <summary>
/// <c>doppel models</c> run as a separate process (the built doppel.dll beside the tests), so the
/// registration in Program.cs, exit codes and environment handling are what a user gets.
/// </summary>
public sealed class ModelsCommandTests : IDisposable
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

    [Fact]
    public void InstallingABogusNameFailsListingTheValidNames()
    {
        var run = Doppel(["models", "install", "no-such-model"], NewTempDir("doppel-models"));

        // One error line, exit 1, like every other user error (issue 12 row 13: it was exit 2 without "error:").
        run.ExitCode.ShouldBe(1);
        run.Error.Trim().Split('\n').ShouldHaveSingleItem().ShouldStartWith("error: unknown model name no-such-model");
        foreach (var name in new[] { "blazeface-back", "dlib-resnet29", "yunet", "sface" })
            run.Error.ShouldContain(name);
        Directory.EnumerateFileSystemEntries(run.CacheRoot).ShouldBeEmpty(); // nothing was fetched
    }

    [Fact]
    public void ListJsonDescribesEveryModelAndTheDefaultSet()
    {
        var run = Doppel(["models", "list", "--json"], NewTempDir("doppel-models"));

        run.ExitCode.ShouldBe(0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var models = json.RootElement.EnumerateArray().ToList();
        models.Select(m => m.GetProperty("name").GetString()).ShouldBe(global::Doppel.Models.Catalog.ModelCatalog.Names);
        models.Where(m => m.GetProperty("isDefault").GetBoolean()).Select(m => m.GetProperty("name").GetString())
            .Order().ShouldBe(["blazeface-back", "blazeface-front", "dlib-resnet29", "faceapi-landmark68", "faceres", "yunet"]);
        models.ShouldAllBe(m => !m.GetProperty("installed").GetBoolean()); // fresh cache
        var dlib = models.Single(m => m.GetProperty("name").GetString() == "dlib-resnet29");
        dlib.GetProperty("metric").GetString().ShouldBe("euclidean");
        dlib.GetProperty("outputDimension").GetInt32().ShouldBe(128);
    }

    [Fact]
    public void InstallIsIdempotentAndReportsProgress()
    {
        var cache = NewTempDir("doppel-models");

        var first = Doppel(["models", "install", "blazeface-back"], cache);
        first.ExitCode.ShouldBe(0, first.Error);
        first.Output.ShouldContain("[1/1] blazeface-back");
        first.Output.ShouldContain("installed in");
        File.Exists(Path.Combine(cache, "blazeface-back", "model.onnx")).ShouldBeTrue();

        var second = Doppel(["models", "install", "blazeface-back"], cache);
        second.ExitCode.ShouldBe(0, second.Error);
        second.Output.ShouldContain("already installed and verified");

        var list = Doppel(["models", "list"], cache);
        list.Output.Split('\n').Single(l => l.StartsWith("blazeface-back ", StringComparison.Ordinal)).ShouldContain(" yes ");
    }

    [Fact]
    public void A_profile_with_unclear_weights_installs_only_with_accepted_licence_and_is_then_selected()
    {
        InstalledModels.Require("blazeface-back", "faceapi-landmark68", "dlib-resnet29", "mobilefacenet-192", "faceplugin-feature-512");
        // A cache of links to the installed models: nothing is converted again, and the real cache's
        // profile selection is left alone.
        var installed = Environment.GetEnvironmentVariable("DOPPEL_MODELS") is { Length: > 0 } env
            ? env : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "doppel", "models");
        var cache = NewTempDir("doppel-models-profile");
        foreach (var model in new[] { "blazeface-back", "faceapi-landmark68", "dlib-resnet29", "mobilefacenet-192", "faceplugin-feature-512" })
            Directory.CreateSymbolicLink(Path.Combine(cache, model), Path.Combine(installed, model));

        var refused = Doppel(["models", "install", "--profile", "accurate"], cache);
        refused.ExitCode.ShouldBe(1);
        refused.Output.ShouldContain("mobilefacenet-192: licence: Package says MIT; the weights trace back to a repository with no licence file");
        refused.Output.ShouldContain("dlib-resnet29: licence: Weights: Davis King (dlib), public domain");
        refused.Output.ShouldContain("faceplugin-feature-512: licence: Package says MIT (template copyright); weights of unknown origin");
        refused.Error.ShouldStartWith("error: profile accurate needs mobilefacenet-192");
        refused.Error.ShouldContain("--accept-licence");
        File.Exists(Path.Combine(cache, "profile")).ShouldBeFalse();
        Doppel(["models", "list"], cache).Output.ShouldContain("licence-clean (selected) = dlib-resnet29");

        var accepted = Doppel(["models", "install", "--profile", "accurate", "--accept-licence"], cache);
        accepted.ExitCode.ShouldBe(0, accepted.Error);
        accepted.Output.ShouldContain("Selected profile accurate");
        File.ReadAllText(Path.Combine(cache, "profile")).Trim().ShouldBe("accurate");
        Doppel(["models", "list"], cache).Output.ShouldContain("accurate (selected) = dlib-resnet29*2+mobilefacenet-192+faceplugin-feature-512");

        // The licence-clean profile needs no acceptance and switches back.
        var clean = Doppel(["models", "install", "--profile", "licence-clean"], cache);
        clean.ExitCode.ShouldBe(0, clean.Error);
        File.ReadAllText(Path.Combine(cache, "profile")).Trim().ShouldBe("licence-clean");

        File.WriteAllText(Path.Combine(cache, "profile"), "fastest\n");
        var broken = Doppel(["models", "list"], cache);
        broken.ExitCode.ShouldBe(1);
        broken.Error.ShouldContain("names profile 'fastest', which does not exist");
    }

    [Fact]
    public void OfflineUrlModelFailsWithNonZeroExitNamingTheMirrorVariable()
    {
        var emptyMirror = NewTempDir("doppel-mirror");
        // res10-ssd's files come from the mirror only here; an empty mirror and no network must fail clearly.
        var run = Doppel(["models", "install", "res10-ssd-caffe"], NewTempDir("doppel-models"), emptyMirror, offline: true);

        run.ExitCode.ShouldBe(1);
        run.Error.ShouldContain("DOPPEL_MODEL_MIRROR");
        run.Error.ShouldContain("deploy.prototxt");
    }

    private sealed record Result(int ExitCode, string Output, string Error, string CacheRoot);

    private Result Doppel(string[] args, string cacheRoot, string? mirror = null, bool offline = false)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "doppel.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["DOPPEL_MODELS"] = cacheRoot;
        start.Environment["DOPPEL_MODEL_MIRROR"] = mirror ?? (SharedData.RootOrNull is { } shared ? Path.Combine(shared, "models") : "");
        if (offline)
            start.Environment["DOPPEL_OFFLINE"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit(TimeSpan.FromMinutes(5)).ShouldBeTrue("doppel did not exit");
        return new Result(process.ExitCode, output.Result, error.Result, cacheRoot);
    }
}
