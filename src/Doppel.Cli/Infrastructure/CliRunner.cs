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
        if (OptionLikeArgument(parse) is { } token)
        {
            Console.Error.WriteLine($"error: unknown option {token} ({HelpCommand(parse)} --help lists the options; a file whose name starts with '-' is given as ./{token} or after --)");
            return Failure;
        }
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

    private static string HelpCommand(ParseResult parse)
    {
        var path = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is CommandResult command; result = command.Parent)
            path.Insert(0, command.Command is RootCommand ? "doppel" : command.Command.Name);
        return string.Join(' ', path);
    }

    private static int ReportParseErrors(ParseResult parse)
    {
        var help = HelpCommand(parse);
        // Two missing arguments give the same message twice; an unknown command also reports the
        // missing subcommand it stands in for: say only what the user typed wrong.
        var errors = parse.Errors.Select(e => CliErrors.OneLine(CliErrors.FriendlyTypes(e.Message))).Distinct().ToList();
        var unknown = errors.Where(m => m.StartsWith("Unrecognized command or argument", StringComparison.Ordinal)).ToList();
        foreach (var message in unknown.Count > 0 ? unknown : errors)
            Console.Error.WriteLine($"error: {message} ({help} --help shows the usage)");
        return Failure;
    }

    /// <summary>
    /// A token that looks like an option but went to a command's argument, before any <c>--</c>:
    /// <c>dedup DIR --treshold 0.5</c> used to scan a folder named "--treshold", and
    /// <c>detect -file.jpg</c> to print the help. Negative numbers are values, not options.
    /// </summary>
    private static string? OptionLikeArgument(ParseResult parse)
    {
        int doubleDash = parse.Tokens.ToList().FindIndex(t => t.Type == TokenType.DoubleDash);
        var beforeDash = doubleDash < 0 ? parse.Tokens : parse.Tokens.Take(doubleDash).ToList();
        var argumentTokens = parse.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).ToHashSet();
        return beforeDash
            .Where(t => argumentTokens.Contains(t) && t.Value.Length > 1 && t.Value[0] == '-'
                        && !double.TryParse(t.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
            .Select(t => t.Value)
            .FirstOrDefault();
    }
}
