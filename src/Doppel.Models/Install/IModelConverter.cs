using Doppel.Models.Catalog;

namespace Doppel.Models.Install;

/// <summary>
/// Turns a model's fetched, verified source files into the files Doppel runs. Implementations
/// write only into <see cref="ConversionContext.OutputDirectory"/>; the installer verifies the
/// pinned checksums afterwards and moves the folder into place.
/// </summary>
public interface IModelConverter
{
    /// <summary>The key catalogue entries name in <see cref="ModelSpec.ConverterId"/>.</summary>
    string Id { get; }

    void Convert(ConversionContext context);
}

public sealed class ConversionContext(ModelSpec spec, IReadOnlyDictionary<string, string> sourcePaths, string outputDirectory, Action<string> log)
{
    public ModelSpec Spec { get; } = spec;
    public string OutputDirectory { get; } = outputDirectory;

    /// <summary>The local path of a fetched source file (an npm entry path or a URL file name).</summary>
    public string Source(string key) =>
        sourcePaths.TryGetValue(key, out var path)
            ? path
            : throw new InvalidOperationException($"Model '{Spec.Name}': converter asked for source '{key}', which the catalogue entry does not list (it has: {string.Join(", ", sourcePaths.Keys)}).");

    /// <summary>Where the converter writes the final file <paramref name="fileName"/>.</summary>
    public string Output(string fileName) => Path.Combine(OutputDirectory, fileName);

    public void Log(string message) => log(message);
}
