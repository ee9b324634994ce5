using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Serilog;

namespace Doppel.Cli.Infrastructure;

/// <summary>
/// Runs the parsed command line, and is the one place failures are reported: every exception a
/// command lets out ends as one <c>error: ...</c> line on stderr with exit code 1 (see
/// <see cref="CliErrors"/>), its stack trace in the log file. A malformed command line is one line
/// too (the help stays one <c>--help</c> away) rather than the whole help page.
/// </summary>
public static class CliRunner
{
    public const int Failure = 1;

    public static int Invoke(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        // Bare "doppel" shows the help, as users expect; a mistake on a real command line is one line.
        if (parse.Action is ParseErrorAction && args.Length > 0)
            return ReportParseErrors(parse);
        try
        {
            // A process started with a models container runs only what was published there, verified.
            ModelsContainer.SyncIfConfigured(parse);
            // Without the default handler System.CommandLine would print the stack trace itself.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception thrown)
        {
            var e = CliErrors.Unwrap(thrown);
            Logging.FileOnly.Error(e, "{Command} failed", parse.CommandResult.Command.Name);
            Console.Error.WriteLine(CliErrors.LineFor(e));
            if (CliErrors.TraceRequested)
                Console.Error.WriteLine(e);
            return Failure;
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }

    private static int ReportParseErrors(ParseResult parse)
    {
        var path = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is CommandResult command; result = command.Parent)
            path.Insert(0, command.Command is RootCommand ? "doppel" : command.Command.Name);
        var help = string.Join(' ', path);
        // Two missing arguments give the same message twice.
        foreach (var message in parse.Errors.Select(e => CliErrors.OneLine(e.Message)).Distinct())
            Console.Error.WriteLine($"error: {message} ({help} --help shows the usage)");
        return Failure;
    }
}
