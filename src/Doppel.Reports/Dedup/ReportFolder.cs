using System.Runtime.InteropServices;

namespace Doppel.Reports.Dedup;

/// <summary>
/// Replaces a report folder as a whole: the new report is written into a staging folder beside it
/// (<c>.NAME.new-GUID</c>, same file system), which is swapped in only when complete, with Linux's
/// <c>renameat2(RENAME_EXCHANGE)</c> (one atomic step) or two renames where that is not available. A
/// kill or a full disk during the writing leaves the previous report whole and no stray files: the
/// staging folder is removed on failure, and the leftovers of a killed run are removed by the next.
/// Only a folder holding nothing but report files is replaced, so <c>--report ~/Desktop</c> cannot
/// move anyone's files.
/// </summary>
public static class ReportFolder
{
    /// <summary>Names a dedup report folder consists of (<c>thumbnails</c>: the crop cache of older versions).</summary>
    public static readonly IReadOnlySet<string> OwnNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "index.html", "findings.csv", "summary.json", "score-histogram.png", "pages", "thumbs", "thumbnails",
    };

    /// <summary>Throws <see cref="IOException"/> when <paramref name="directory"/> exists and holds
    /// anything but a report: checked before a long run, and again before the swap.</summary>
    public static void RequireReplaceable(string directory)
    {
        if (!Directory.Exists(directory))
            return;
        var foreign = Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName)
            .Where(n => n is not null && !OwnNames.Contains(n) && !n.StartsWith(".doppel-write-test-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Take(3).ToList();
        if (foreign.Count > 0)
            throw new IOException($"The report folder {directory} holds files that are not a Doppel report ({string.Join(", ", foreign)}); a report replaces its whole folder, so give an empty or new folder.");
    }

    /// <summary>Runs <paramref name="write"/> on a fresh staging folder (with the current report's
    /// thumbnails copied in for reuse) and swaps it in for <paramref name="directory"/>.</summary>
    public static T Replace<T>(string directory, Func<string, T> write)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var parent = Path.GetDirectoryName(target) ?? throw new IOException($"A report cannot replace the root folder {target}.");
        var name = Path.GetFileName(target);
        Directory.CreateDirectory(parent);
        RemoveLeftovers(parent, name);
        RequireReplaceable(target);
        var staging = Path.Combine(parent, $".{name}.new-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        T result;
        try
        {
            CopyThumbnails(target, staging);
            result = write(staging);
            Swap(staging, target, parent, name);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
        return result;
    }

    /// <summary>The path <paramref name="path"/> under the staging folder will have once swapped in.</summary>
    public static string Moved(string path, string staging, string target) =>
        path.StartsWith(staging, StringComparison.Ordinal) ? target + path[staging.Length..] : path;

    private static void CopyThumbnails(string target, string staging)
    {
        var thumbs = Path.Combine(target, "thumbs");
        if (!Directory.Exists(thumbs))
            return;
        var copy = Directory.CreateDirectory(Path.Combine(staging, "thumbs")).FullName;
        foreach (var file in Directory.EnumerateFiles(thumbs, "*.jpg"))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
    }

    private static void Swap(string staging, string target, string parent, string name)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        if (OperatingSystem.IsLinux() && RenameExchange(staging, target))
        {
            TryDelete(staging); // now the old report
            return;
        }
        var old = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
        Directory.Move(target, old);
        Directory.Move(staging, target);
        TryDelete(old);
    }

    private static void RemoveLeftovers(string parent, string name)
    {
        foreach (var pattern in new[] { $".{name}.new-*", $".{name}.old-*" })
            foreach (var folder in Directory.EnumerateDirectories(parent, pattern))
                TryDelete(folder);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next run's RemoveLeftovers; the report itself is complete.
        }
    }

    private const int AtFdCwd = -100;
    private const uint RenameExchangeFlag = 2;

    [DllImport("libc.so.6", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(int oldDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath,
        int newDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath, uint flags);

    /// <summary>Atomically exchanges two paths; false where the kernel, C library or file system cannot.</summary>
    private static bool RenameExchange(string a, string b)
    {
        try
        {
            return RenameAt2(AtFdCwd, a, AtFdCwd, b, RenameExchangeFlag) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
