using System.CommandLine;

namespace Doppel.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Doppel: face deduplication and identity clustering.");
        // Each command group lives in its own file under Commands/ and registers itself here.
        root.Subcommands.Add(Doppel.Cli.Commands.ModelsCommand.Create());
        return root.Parse(args).Invoke();
    }
}
