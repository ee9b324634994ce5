namespace Doppel.Testing;

/// <summary>Paths inside the repository, found from the test binary's location.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
                return dir.FullName;
        throw new InvalidOperationException("Repository root (with Directory.Packages.props) not found above " + AppContext.BaseDirectory);
    }

    private static readonly System.Collections.Concurrent.ConcurrentBag<string> Created = [];

    static RepoPaths()
    {
        // A full suite made about 950 folders (860 MB) under /tmp that nothing removed (session 7): they go when the
        // test process ends. DOPPEL_KEEP_TEMP=1 keeps them to look at a failure.
        if (Environment.GetEnvironmentVariable("DOPPEL_KEEP_TEMP") != "1")
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteCreated();
    }

    /// <summary>A fresh empty temporary folder, unique per call, deleted when the test process exits
    /// (unless DOPPEL_KEEP_TEMP=1).</summary>
    public static string NewTempDir(string prefix = "doppel-test")
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        Created.Add(path);
        return path;
    }

    private static void DeleteCreated()
    {
        foreach (var path in Created)
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: a folder still held open (a server's data folder on its way down) stays behind.
            }
        }
    }
}
