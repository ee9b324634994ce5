namespace Doppel.Application.Sets;

/// <summary>
/// The folder a tenant's registration system shares with the service (HOPE's blob container, as a local folder):
/// an image's <c>filename</c> is a key relative to it. Keys are checked before any file is touched: no absolute
/// paths, no <c>..</c> or <c>.</c> segments, no backslashes or control characters, at most 1,024 characters, and
/// the resolved path must stay inside the folder, so a key can never name a file outside it.
/// </summary>
public sealed class MediaFolder
{
    public const int MaxKeyLength = 1024;

    public MediaFolder(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>Null when <paramref name="key"/> is acceptable, else why not.</summary>
    public static string? Problem(string? key)
    {
        if (string.IsNullOrEmpty(key))
            return "is empty";
        if (key.Length > MaxKeyLength)
            return $"is longer than {MaxKeyLength} characters";
        if (key.Any(char.IsControl))
            return "contains a control character";
        if (key.Contains('\\'))
            return "contains a backslash";
        if (key.StartsWith('/') || Path.IsPathRooted(key))
            return "is an absolute path";
        if (key.Split('/').Any(segment => segment is "" or "." or ".."))
            return "has an empty, '.' or '..' segment";
        return null;
    }

    /// <summary>The full path of <paramref name="key"/>; <see cref="ValidationException"/> when the key is not acceptable.</summary>
    public string PathOf(string key)
    {
        if (Problem(key) is { } problem)
            throw new ValidationException($"Blob key '{Shorten(key)}' {problem}.");
        var full = Path.GetFullPath(Path.Combine(Root, key));
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ValidationException($"Blob key '{Shorten(key)}' leaves the media folder.");
        return full;
    }

    private static string Shorten(string? key) => key is null ? "" : key.Length <= 80 ? key : key[..80] + "…";
}
