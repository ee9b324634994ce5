namespace Doppel.Models.Install;

/// <summary>An install that cannot complete: the message says what failed and what to do.</summary>
public class ModelInstallException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A fetched or produced file whose hash differs from the pinned one.</summary>
public sealed class ChecksumMismatchException(string what, string path, string expected, string actual)
    : ModelInstallException($"Checksum mismatch for {what} ({path}): expected {expected}, got {actual}.")
{
    public string Expected { get; } = expected;
    public string Actual { get; } = actual;
}

/// <summary>The model's converter is not registered in this build.</summary>
public sealed class ConverterNotRegisteredException(string model, string converterId)
    : ModelInstallException($"Model '{model}' needs converter '{converterId}', which is not registered in this build of Doppel; skipped.")
{
    public string Model { get; } = model;
}
