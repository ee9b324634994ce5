using System.CommandLine;
using Doppel.Cli.Commands;

namespace Doppel.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Doppel: face deduplication and identity clustering.");
        // Each command group lives in its own file under Commands/ and registers itself here.
        root.Subcommands.Add(EvalClusterCommand.Create());
        return root.Parse(args).Invoke();
    }
}
