using Xunit;

namespace Doppel.Testing;

/// <summary>
/// Locates <c>../shared</c> (labelled photos and mirrored model files that must never be copied
/// into the repository). Tests that need it call <see cref="Require"/>: on a developer machine
/// without it they skip with a clear message; under CI (<c>CI=true</c>) a missing folder is a
/// failure, because CI must run them.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> Root = new(FindRoot);

    /// <summary>The shared folder, or null when absent. <c>DOPPEL_SHARED</c> overrides the search.</summary>
    public static string? RootOrNull => Root.Value;

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Full path of <paramref name="relative"/> under the shared folder; skips (or fails in CI) when missing.</summary>
    public static string Require(string relative = "")
    {
        var root = RootOrNull;
        var path = root is null ? null : Path.Combine(root, relative);
        if (path is not null && (Directory.Exists(path) || File.Exists(path)))
            return path;
        var message = $"Shared test data '{relative}' not found (looked for ../shared beside the project root; set DOPPEL_SHARED to override).";
        if (InCi)
            Assert.Fail(message + " CI must run this test.");
        Assert.Skip(message);
        return null!;
    }

    public static string ModelMirror => Require("models");

    private static string? FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("DOPPEL_SHARED");
        if (!string.IsNullOrEmpty(env))
            return Directory.Exists(env) ? Path.GetFullPath(env) : null;
        // Walk up from the test binary: <root>/tests/X/bin/Debug/net10.0 -> the repo root's sibling "shared".
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
            {
                var candidate = Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared");
                return Directory.Exists(candidate) ? candidate : null;
            }
        }
        return null;
    }
}
