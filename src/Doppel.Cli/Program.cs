using System.CommandLine;
using Doppel.Cli.Commands;
using Doppel.Cli.Infrastructure;

namespace Doppel.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Engines.Register();
        var root = new RootCommand("Doppel: face deduplication and identity clustering.");
        root.Options.Add(ModelsContainer.Option);
        // Each command group lives in its own file under Commands/ and registers itself here.
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(DetectCommand.Create());
        root.Subcommands.Add(EmbedCommand.Create());
        root.Subcommands.Add(DedupCommand.Create());
        root.Subcommands.Add(FindingsCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(WorkerCommand.Create());
        foreach (var command in AutomateCommand.Create())
            root.Subcommands.Add(command);
        foreach (var command in PersonsCommand.Create())
            root.Subcommands.Add(command);
        return CliRunner.Invoke(root, args);
    }
}
