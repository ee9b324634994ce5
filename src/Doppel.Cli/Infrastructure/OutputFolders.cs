namespace Doppel.Cli.Infrastructure;

/// <summary>Output folders checked before a long run rather than after it: a report that cannot be
/// written should cost the user a second, not the whole ingest.</summary>
public static class OutputFolders
{
    /// <summary>Creates <paramref name="dir"/> when absent and proves a file can be written in it;
    /// otherwise throws an <see cref="IOException"/> saying which <paramref name="what"/> cannot be written where.</summary>
    public static void RequireWritable(string dir, string what)
    {
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".doppel-write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write the {what} to {dir}: {e.Message}", e);
        }
    }
}
