namespace Doppel.Jobs.Ingest;

/// <summary>A file found under a scanned root: its full path and the path relative to that root
/// (what reports show, "as given on the command line relative to DIR").</summary>
public sealed record ScannedFile(string FullPath, string RelativePath, string Root, long Size, DateTime LastWriteUtc);

/// <summary>
/// Walks folders for image files. Files are chosen by extension (the formats the decoder knows);
/// whether the bytes really are such an image is the decoder's call, so a text file named .jpg is
/// still scanned and gets an "unsupported" status rather than being silently ignored. Order is
/// deterministic (ordinal by relative path) so runs and their reports are reproducible.
/// </summary>
public static class ImageScanner
{
    public static readonly IReadOnlySet<string> ImageExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif", ".pgm", ".ppm", ".pbm", ".pnm",
    };

    public static IReadOnlyList<ScannedFile> Scan(IEnumerable<string> roots)
    {
        var files = new List<ScannedFile>();
        foreach (var rootArg in roots)
        {
            var root = Path.GetFullPath(rootArg);
            if (File.Exists(root))
            {
                var info = new FileInfo(root);
                files.Add(new ScannedFile(root, info.Name, Path.GetDirectoryName(root)!, info.Length, info.LastWriteTimeUtc));
                continue;
            }
            if (!Directory.Exists(root))
                throw new DirectoryNotFoundException($"No such file or folder: {rootArg}");
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System };
            foreach (var path in Directory.EnumerateFiles(root, "*", options))
            {
                if (!ImageExtensions.Contains(Path.GetExtension(path)))
                    continue;
                var info = new FileInfo(path);
                files.Add(new ScannedFile(path, Path.GetRelativePath(root, path).Replace('\\', '/'), root, info.Length, info.LastWriteTimeUtc));
            }
        }
        files.Sort((a, b) => string.CompareOrdinal(a.FullPath, b.FullPath));
        return files;
    }
}
