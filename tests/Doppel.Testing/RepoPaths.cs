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

    /// <summary>A fresh empty temporary folder, unique per call.</summary>
    public static string NewTempDir(string prefix = "doppel-test")
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
