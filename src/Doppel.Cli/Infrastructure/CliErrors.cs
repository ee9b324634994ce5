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
        Doppel.Application.ApplicationException or // a use case's refusal (unknown tenant, name taken...)
        IOException or // missing files and folders, a path taken by a file, a full disk: the message names the path
        UnauthorizedAccessException or
        ArgumentException or
        FormatException or
        InvalidDataException or // a malformed annotations or pairs file
        OperationCanceledException ||
        IsDiskFull(e);

    /// <summary>SQLite's "database or disk is full" (SQLITE_FULL, 13): the user's disk, not a bug. The
    /// batch that failed was rolled back, so the next run resumes where this one stopped.
    /// A store may wrap it (a session that could not open its WAL file) in a <see cref="CatalogException"/>.</summary>
    public static bool IsDiskFull(Exception e) =>
        e is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 } || (e.InnerException is { } inner && IsDiskFull(inner));

    public static bool TraceRequested =>
        Environment.GetEnvironmentVariable(TraceVariable) is { Length: > 0 } value && value != "0";

    /// <summary>The line a failure prints: the message of a user's problem; for anything else (a bug)
    /// also its type, so a report of it says what broke.</summary>
    public static string LineFor(Exception e)
    {
        var message = OneLine(e is ArgumentException { ParamName: { } name } && e.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal)
            ? e.Message[..^$" (Parameter '{name}')".Length]
            : e.Message);
        if (IsDiskFull(e))
            return $"error: the catalog could not be written, the disk is full ({message}); free some space and run again: it resumes where it stopped";
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

    /// <summary>System.CommandLine names the .NET type a value failed to parse as
    /// (<c>System.Nullable`1[System.Single]</c>); users read "a number".</summary>
    public static string FriendlyTypes(string message) => DotNetType().Replace(message, m => m.Groups[1].Value switch
    {
        "Single" or "Double" or "Decimal" => "a number",
        "Int32" or "Int64" or "Int16" or "UInt32" or "UInt64" => "a whole number",
        "TimeSpan" => "an interval (e.g. 30s, 3m, 1h)",
        "Boolean" => "true or false",
        var other => other,
    });

    [GeneratedRegex(@"(?:expected type )?'?System\.(?:Nullable`1\[System\.)?(\w+)\]?'?")]
    private static partial Regex DotNetType();

    [GeneratedRegex(@"\s*[\r\n]+\s*")]
    private static partial Regex LineBreaks();
}
