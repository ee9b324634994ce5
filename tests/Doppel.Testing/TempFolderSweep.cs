using System.Collections.Concurrent;

namespace Doppel.Testing;

/// <summary>
/// Deletes the folders <see cref="RepoPaths.NewTempDir"/> made, when the test assembly's run ends. A full suite makes
/// about 950 folders (860 MB) under /tmp (session 7), and a full disk failed CI once (session 5).
/// </summary>
/// <remarks>
/// Every test project registers it as an assembly fixture (tests/TempFolderSweep.AssemblyFixture.cs, compiled into each
/// through Directory.Build.props), so it runs when the last test class is done and before the runner checks for
/// leftover work. It used to run at ProcessExit, which is too late: xunit.v3 under Microsoft.Testing.Platform gives the
/// process about 10 seconds after the run returns, then prints "Foreground threads were left running, forcing process
/// exit" and exits 1 with every test green. Deleting the CLI tests' folders at exit took longer than that on CI
/// (stop 16: 776 passed, 0 failed, exit 1). DOPPEL_KEEP_TEMP=1 keeps the folders to look at a failure.
/// </remarks>
public sealed class TempFolderSweep : IDisposable
{
    private static readonly ConcurrentQueue<string> Created = new();

    internal static void Add(string path) => Created.Enqueue(path);

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("DOPPEL_KEEP_TEMP") == "1")
            return;
        DeleteCreated();
    }

    /// <summary>Deletes every folder made so far.</summary>
    private static int DeleteCreated()
    {
        var paths = new List<string>();
        while (Created.TryDequeue(out var path))
            paths.Add(path);
        return Delete(paths);
    }

    /// <summary>Deletes <paramref name="paths"/> with what they hold, a few at a time (a folder of thumbnails is many
    /// small unlinks, and the disk keeps more than one busy); answers how many it deleted. Best effort: a folder still
    /// held open, or one a test locked against its own user, stays behind.</summary>
    public static int Delete(IReadOnlyCollection<string> paths)
    {
        var deleted = 0;
        Parallel.ForEach(paths, new ParallelOptions { MaxDegreeOfParallelism = 4 }, path =>
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                    Interlocked.Increment(ref deleted);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // .NET cannot name a file whose name is not valid UTF-8 (the hostile-input tests plant one), so the
                // folder is "not empty"; rm deletes by bytes.
                if (RemoveWithRm(path))
                    Interlocked.Increment(ref deleted);
            }
        });
        return deleted;
    }

    private static bool RemoveWithRm(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return false;
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("rm") { UseShellExecute = false };
            foreach (var arg in new[] { "-rf", "--", path })
                start.ArgumentList.Add(arg);
            using var rm = System.Diagnostics.Process.Start(start)!;
            return rm.WaitForExit(TimeSpan.FromSeconds(30)) && rm.ExitCode == 0 && !Directory.Exists(path);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
