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

    /// <summary>A fresh empty temporary folder, unique per call. <see cref="TempFolderSweep"/> deletes it when the
    /// test assembly's run ends (unless DOPPEL_KEEP_TEMP=1).</summary>
    public static string NewTempDir(string prefix = "doppel-test")
    {
        var path = NewUnsweptTempDir(prefix);
        TempFolderSweep.Add(path);
        return path;
    }

    /// <summary>A fresh temporary folder the sweep leaves alone, for an owner that deletes it itself after it has
    /// stopped what runs in it (a database server's data folder must outlive the server's shutdown, and the order in
    /// which xunit disposes assembly fixtures is not specified).</summary>
    public static string NewUnsweptTempDir(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
