using System.Text.RegularExpressions;
using Doppel.Models;
using Doppel.Models.Catalog;
using Doppel.Storage;

namespace Doppel.Cli.Infrastructure;

/// <summary>
/// Which exceptions are a user's problem to fix (a missing model, a locked or newer database, a
/// missing folder, an unwritable output, bad arguments) and how any failure reaches the console:
/// one line on stderr, <c>error: ...</c>. The stack trace goes to the log file, and to stderr only
/// when <c>DOPPEL_TRACE=1</c>.
/// </summary>
public static partial class CliErrors
{
    /// <summary>Set to 1 to print the stack trace of a failure after its one-line message.</summary>
    public const string TraceVariable = "DOPPEL_TRACE";

    public static bool IsUserFacing(Exception e) => e is
        ModelNotInstalledException or
        UnknownModelException or
        Doppel.Models.Publishing.ModelContainerException or
        CatalogException or
        IOException or // missing files and folders, a path taken by a file, a full disk: the message names the path
        UnauthorizedAccessException or
        ArgumentException or
        FormatException or
        OperationCanceledException;

    public static bool TraceRequested =>
        Environment.GetEnvironmentVariable(TraceVariable) is { Length: > 0 } value && value != "0";

    /// <summary>The line a failure prints: the message of a user's problem; for anything else (a bug)
    /// also its type, so a report of it says what broke.</summary>
    public static string LineFor(Exception e)
    {
        var message = OneLine(e.Message);
        return IsUserFacing(e)
            ? $"error: {message}"
            : $"error: unexpected {e.GetType().Name}: {message} (this is a bug; {TraceVariable}=1 prints where it happened)";
    }

    /// <summary>What a command threw, without the wrappers that tasks and reflection put around it.</summary>
    public static Exception Unwrap(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        System.Reflection.TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        _ => e,
    };

    /// <summary>Messages that span lines (System.CommandLine lists an option's choices one per line) as one line.</summary>
    public static string OneLine(string message) => LineBreaks().Replace(message.Trim(), " ");

    [GeneratedRegex(@"\s*[\r\n]+\s*")]
    private static partial Regex LineBreaks();
}
