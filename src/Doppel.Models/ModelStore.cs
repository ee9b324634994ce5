namespace Doppel.Models;

/// <summary>
/// Where installed models live: <c>$DOPPEL_MODELS</c>, default <c>~/.cache/doppel/models</c>. Each
/// model has a folder named after its catalogue name holding the file(s) Doppel runs.
/// </summary>
public static class ModelStore
{
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("DOPPEL_MODELS") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "doppel", "models");

    public static string ModelDirectory(string name) => Path.Combine(CacheRoot, name);

    /// <summary>The path of an installed model file, or a <see cref="ModelNotInstalledException"/>
    /// that tells the user the command to run.</summary>
    public static string RequireFile(string name, string fileName)
    {
        var path = Path.Combine(ModelDirectory(name), fileName);
        if (!File.Exists(path))
            throw new ModelNotInstalledException(name, path);
        return path;
    }
}

public sealed class ModelNotInstalledException(string modelName, string expectedPath)
    : Exception($"Model '{modelName}' is not installed (expected {expectedPath}). Run: doppel models install {modelName}")
{
    public string ModelName { get; } = modelName;
    public string ExpectedPath { get; } = expectedPath;
}
