using System.CommandLine;

namespace Doppel.Cli.Commands;

/// <summary><c>doppel eval</c>: measure models and algorithms on labelled data (verification,
/// detection, clustering).</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var eval = new Command("eval", "Measure Doppel's models and algorithms on labelled data.");
        eval.Subcommands.Add(EvalVerifyCommand.Create());
        eval.Subcommands.Add(EvalDetectCommand.Create());
        eval.Subcommands.Add(EvalClusterCommand.CreateCluster());
        eval.Subcommands.Add(EvalQualityCommand.Create());
        eval.Subcommands.Add(ClassifyCommand.CreateEval());
        return eval;
    }
}
