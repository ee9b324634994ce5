using System.CommandLine;
using Doppel.Azure;
using Doppel.Models;
using Doppel.Models.Publishing;

namespace Doppel.Cli.Infrastructure;

/// <summary>
/// <c>--models-container</c> / <c>DOPPEL_MODELS_CONTAINER</c>: where a process takes its models from
/// (an Azure Blob container, <c>az://</c> or https, or a shared folder). Set, every command except
/// <c>doppel models ...</c> first syncs the model cache from it (<see cref="ModelSync"/>): a new
/// published version is downloaded and verified, a missing or tampered file stops the command with
/// one <c>error:</c> line before any work.
/// </summary>
public static class ModelsContainer
{
    public const string Variable = "DOPPEL_MODELS_CONTAINER";

    public static Option<string?> Option { get; } = new("--models-container")
    {
        Description = $"Sync the model cache from this models container before running (az://CONTAINER[/PREFIX], https://ACCOUNT.blob.core.windows.net/CONTAINER[?SAS] or a folder; default ${Variable}). Azure credentials: a SAS in the URI or {BlobAddress.ConnectionStringVariable}.",
        Recursive = true,
    };

    /// <summary>The container named by the option, else the variable, else null.</summary>
    public static string? Configured(ParseResult parse) =>
        parse.GetValue(Option) is { Length: > 0 } value ? value
        : Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } env ? env
        : null;

    public static IModelContainer Open(string address) =>
        BlobAddress.IsBlobAddress(address) ? AzureModelContainer.Parse(address) : new FolderModelContainer(address);

    /// <summary>Syncs when a container is configured and the command runs models (everything but <c>doppel models</c>, which manages the cache itself).</summary>
    public static void SyncIfConfigured(ParseResult parse)
    {
        if (Configured(parse) is not { } address || IsModelsCommand(parse))
            return;
        var sync = new ModelSync(Open(address), ModelStore.CacheRoot, line => Serilog.Log.Information("models container: {Line}", line));
        foreach (var result in sync.SyncAsync().GetAwaiter().GetResult())
            if (result.Outcome == ModelSyncOutcome.Downloaded)
                Console.Error.WriteLine($"models: {result.Model} version {result.Version} downloaded from {address} and verified");
    }

    private static bool IsModelsCommand(ParseResult parse)
    {
        for (var command = parse.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
            if (command.Command.Name == "models" && command.Parent is System.CommandLine.Parsing.CommandResult { Command: RootCommand })
                return true;
        return false;
    }
}
