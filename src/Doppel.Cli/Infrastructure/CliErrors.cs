using Doppel.Models;
using Doppel.Storage;

namespace Doppel.Cli.Infrastructure;

/// <summary>
/// Which exceptions are a user's problem to fix (a missing model, a locked or newer database, a
/// missing folder, bad arguments) and so end a command with a one-line message and exit code 1,
/// rather than a stack trace. Anything else is a bug and keeps its trace.
/// </summary>
public static class CliErrors
{
    public static bool IsUserFacing(Exception e) => e is
        ModelNotInstalledException or
        CatalogException or
        DirectoryNotFoundException or
        FileNotFoundException or
        UnauthorizedAccessException or
        ArgumentException or
        FormatException or
        OperationCanceledException;
}
