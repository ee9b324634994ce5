using Doppel.Vision.Decoding;

namespace Doppel.Jobs.Ingest;

/// <summary>A file found under a scanned root: its full path and the path relative to that root
/// (what reports show, "as given on the command line relative to DIR").</summary>
public sealed record ScannedFile(string FullPath, string RelativePath, string Root, long Size, DateTime LastWriteUtc);

/// <summary>Why the scanner passed an entry over (or <see cref="Ok"/>: it is a file to read).</summary>
public enum ScanStatus
{
    Ok,
    /// <summary>A FIFO, socket or device named like an image: reading it could block forever or never end.</summary>
    SpecialFile,
    /// <summary>A symbolic link whose target does not exist.</summary>
    DanglingLink,
    /// <summary>A link back to a folder being scanned, or a cycle of links.</summary>
    Loop,
    /// <summary>A link to a file or folder outside every given root.</summary>
    OutsideRoots,
    /// <summary>A link to a file or folder that the scan reaches at its own place.</summary>
    Duplicate,
    /// <summary>A file or folder that cannot be opened or listed (permissions, I/O error, vanished).</summary>
    Unreadable,
    /// <summary>A name that is not valid UTF-8, so no path string can open it again.</summary>
    BadName,
    /// <summary>A dot-file or dot-folder (".thumbnails", macOS "._IMG.jpg" companions): not scanned.</summary>
    Hidden,
}

public static class ScanStatusNames
{
    public static string ToCode(this ScanStatus status) => status switch
    {
        ScanStatus.Ok => "ok",
        ScanStatus.SpecialFile => "special_file",
        ScanStatus.DanglingLink => "dangling_link",
        ScanStatus.Loop => "loop",
        ScanStatus.OutsideRoots => "outside_roots",
        ScanStatus.Duplicate => "duplicate",
        ScanStatus.Unreadable => "unreadable",
        ScanStatus.BadName => "bad_name",
        ScanStatus.Hidden => "hidden",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };
}

/// <summary>One entry the scan met: a file to read (<see cref="ScanStatus.Ok"/>) or one it passed over
/// and why. <see cref="IsFolder"/> marks a skipped folder (an unreadable one stands for all it holds).</summary>
public sealed record ScanEntry(string FullPath, string RelativePath, string Root, ScanStatus Status, string? Detail,
    long Size = 0, DateTime LastWriteUtc = default, bool IsFolder = false)
{
    public bool IsOk => Status == ScanStatus.Ok;

    public ScannedFile ToFile() => new(FullPath, RelativePath, Root, Size, LastWriteUtc);
}

/// <summary>Everything a scan met: the files to read, in order, and the entries passed over.</summary>
public sealed record ScanResult(IReadOnlyList<ScanEntry> Entries)
{
    public IReadOnlyList<ScannedFile> Files { get; } = Entries.Where(e => e.IsOk).Select(e => e.ToFile()).ToList();

    public IReadOnlyList<ScanEntry> Skipped { get; } = Entries.Where(e => !e.IsOk).ToList();
}

/// <summary>
/// Walks folders for image files, safely on folders nobody cleaned. Files are chosen by extension (the
/// formats the decoder knows, and HEIC/AVIF so that they get an "unsupported" status rather than none);
/// whether the bytes really are such an image is the decoder's call. The walk never leaves the given
/// roots, never follows a link it has already been through (so <c>ln -s . loop</c> adds nothing), never
/// opens a FIFO or device, and lists each real file once however many roots or links lead to it. Every
/// image-named entry it passes over comes back with a <see cref="ScanStatus"/>; an unreadable folder
/// comes back as one entry. Order is deterministic (ordinal by full path).
/// </summary>
public static class ImageScanner
{
    public static readonly IReadOnlySet<string> ImageExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".tif", ".tiff", ".bmp", ".dib", ".gif", ".pgm", ".ppm", ".pbm", ".pnm",
        ".heic", ".heif", ".avif",
    };

    /// <summary>The files to read (the <see cref="ScanStatus.Ok"/> entries of <see cref="ScanAll"/>).</summary>
    public static IReadOnlyList<ScannedFile> Scan(IEnumerable<string> roots) => ScanAll(roots).Files;

    /// <summary>Every entry the walk met, each with its status. A root that does not exist is an
    /// error (<see cref="DirectoryNotFoundException"/>): that is the user's typo, not a bad file.</summary>
    public static ScanResult ScanAll(IEnumerable<string> roots)
    {
        var resolved = new List<(string Given, string Full, string Real, bool IsFile)>();
        foreach (var rootArg in roots)
        {
            var full = Path.GetFullPath(rootArg);
            var real = FileSystemProbe.RealPath(full, out _);
            var probe = real is null ? default : FileSystemProbe.Stat(real);
            if (real is null || probe.Kind is not (FileKind.Regular or FileKind.Directory))
                throw new DirectoryNotFoundException(real is not null && probe.Kind != FileKind.Missing
                    ? $"Not a file or folder: {rootArg} (a {Describe(probe.Kind)})"
                    : $"No such file or folder: {rootArg}");
            resolved.Add((rootArg, full, real, probe.Kind == FileKind.Regular));
        }
        var walk = new Walk(resolved.Where(r => !r.IsFile).Select(r => r.Real).ToList());
        // Ancestors first, so a root inside another adds nothing new and each file keeps the outer
        // root's relative path whatever the order on the command line.
        foreach (var root in resolved.OrderBy(r => r.Real, StringComparer.Ordinal).DistinctBy(r => r.Real))
        {
            if (root.IsFile)
                walk.AddFileRoot(root.Full, root.Real);
            else
                walk.WalkRoot(root.Full, root.Real);
        }
        return new ScanResult(walk.Entries.OrderBy(e => e.FullPath, StringComparer.Ordinal).ToList());
    }

    private static string Describe(FileKind kind) => kind switch
    {
        FileKind.Fifo => "FIFO",
        FileKind.CharacterDevice => "character device",
        FileKind.BlockDevice => "block device",
        FileKind.Socket => "socket",
        FileKind.SymbolicLink => "symbolic link",
        FileKind.Directory => "folder",
        _ => "special file",
    };

    private static bool IsImageName(string name) => ImageExtensions.Contains(Path.GetExtension(name));

    private sealed class Walk(IReadOnlyList<string> realRoots)
    {
        public List<ScanEntry> Entries { get; } = [];

        /// <summary>Real paths of folders listed (or queued) and of files taken, so nothing is read twice.</summary>
        private readonly HashSet<string> _seenFolders = new(StringComparer.Ordinal);
        private readonly HashSet<string> _seenFiles = new(StringComparer.Ordinal);

        private bool InsideRoots(string real) =>
            realRoots.Any(r => real == r || real.StartsWith(r.EndsWith('/') ? r : r + "/", StringComparison.Ordinal));

        public void AddFileRoot(string full, string real)
        {
            if (!_seenFiles.Add(real))
                return;
            var root = Path.GetDirectoryName(full)!;
            Entries.Add(FileEntry(full, Path.GetFileName(full), root, real));
        }

        public void WalkRoot(string full, string real)
        {
            if (!_seenFolders.Add(real))
                return; // the same folder given twice, or inside a root walked already
            var pending = new Stack<(string Path, string Real)>();
            pending.Push((full, real));
            while (pending.Count > 0)
            {
                var (folder, folderReal) = pending.Pop();
                List<FileSystemInfo> children;
                try
                {
                    children = new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions
                    {
                        RecurseSubdirectories = false,
                        IgnoreInaccessible = false,
                        AttributesToSkip = 0,
                        ReturnSpecialDirectories = false,
                    }).ToList();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
                {
                    Entries.Add(new ScanEntry(folder, Relative(full, folder), full, ScanStatus.Unreadable,
                        $"cannot list folder: {e.Message}", IsFolder: true));
                    continue;
                }
                foreach (var child in children)
                    Visit(child.FullName, child.Name, full, folderReal, pending);
            }
        }

        private void Visit(string path, string name, string root, string parentReal, Stack<(string, string)> pending)
        {
            var relative = Relative(root, path);
            var probe = FileSystemProbe.LStat(path);
            if (probe.Kind == FileKind.Missing)
            {
                // .NET turns bytes that are not UTF-8 into U+FFFD, and that string names no file.
                if (name.Contains('\uFFFD'))
                    Entries.Add(new ScanEntry(path, relative, root, ScanStatus.BadName, "file name is not valid UTF-8; rename it to read it"));
                else if (IsImageName(name))
                    Entries.Add(new ScanEntry(path, relative, root, ScanStatus.Unreadable, "vanished while the folder was scanned"));
                return;
            }
            bool isFolder = probe.Kind == FileKind.Directory;
            if (!isFolder && probe.Kind != FileKind.SymbolicLink && !IsImageName(name))
                return; // not an image by name: not ours to report
            if (name.StartsWith('.'))
            {
                if (isFolder || IsImageName(name))
                    Entries.Add(new ScanEntry(path, relative, root, ScanStatus.Hidden, isFolder ? "hidden folder, not scanned" : "hidden file, not scanned", IsFolder: isFolder));
                return;
            }
            switch (probe.Kind)
            {
                case FileKind.Directory:
                    var real = parentReal + "/" + name;
                    if (_seenFolders.Add(real))
                        pending.Push((path, real));
                    return;
                case FileKind.Regular:
                    var fileReal = parentReal + "/" + name;
                    if (_seenFiles.Add(fileReal))
                        Entries.Add(FileEntry(path, relative, root, fileReal, probe));
                    return;
                case FileKind.SymbolicLink:
                    VisitLink(path, name, relative, root, pending);
                    return;
                default:
                    Entries.Add(new ScanEntry(path, relative, root, ScanStatus.SpecialFile, $"a {Describe(probe.Kind)}, not a regular file: not read"));
                    return;
            }
        }

        private void VisitLink(string path, string name, string relative, string root, Stack<(string, string)> pending)
        {
            var target = FileSystemProbe.Stat(path);
            var real = FileSystemProbe.RealPath(path, out int error);
            if (target.Kind == FileKind.Missing || real is null)
            {
                if (!IsImageName(name) && target.Error != FileSystemProbe.ELoop && error != FileSystemProbe.ELoop)
                    return; // a dangling link named like no image: nothing we would have read
                Entries.Add(target.Error == FileSystemProbe.ELoop || error == FileSystemProbe.ELoop
                    ? new ScanEntry(path, relative, root, ScanStatus.Loop, "symbolic links form a cycle")
                    : new ScanEntry(path, relative, root, ScanStatus.DanglingLink, "symbolic link to nothing"));
                return;
            }
            bool isFolder = target.Kind == FileKind.Directory;
            if (!isFolder && !IsImageName(name))
                return;
            if (!InsideRoots(real))
            {
                Entries.Add(new ScanEntry(path, relative, root, ScanStatus.OutsideRoots, $"link to {real}, outside the folders given", IsFolder: isFolder));
                return;
            }
            if (isFolder)
            {
                // An ancestor (ln -s . loop) or a folder listed elsewhere: either way its files are
                // (or will be) found at their own place, so the link adds nothing but copies.
                bool ancestor = path.StartsWith(real + "/", StringComparison.Ordinal) || IsAncestorByReal(path, real);
                if (ancestor)
                    Entries.Add(new ScanEntry(path, relative, root, ScanStatus.Loop, $"link back to {real}, a folder being scanned", IsFolder: true));
                else
                    Entries.Add(new ScanEntry(path, relative, root, ScanStatus.Duplicate, $"link to {real}, scanned at its own place", IsFolder: true));
                return;
            }
            if (target.Kind != FileKind.Regular)
            {
                Entries.Add(new ScanEntry(path, relative, root, ScanStatus.SpecialFile, $"link to a {Describe(target.Kind)}: not read"));
                return;
            }
            Entries.Add(new ScanEntry(path, relative, root, ScanStatus.Duplicate, $"link to {real}, scanned at its own place"));
        }

        /// <summary>Whether the link's own folder lies inside <paramref name="real"/> once its links are resolved.</summary>
        private static bool IsAncestorByReal(string linkPath, string real)
        {
            var parentReal = FileSystemProbe.RealPath(Path.GetDirectoryName(linkPath)!, out _);
            return parentReal is not null && (parentReal == real || parentReal.StartsWith(real + "/", StringComparison.Ordinal));
        }

        private static ScanEntry FileEntry(string path, string relative, string root, string real, FileProbe? known = null)
        {
            var probe = known ?? FileSystemProbe.Stat(real);
            if (probe.Kind != FileKind.Regular)
                return new ScanEntry(path, relative, root, ScanStatus.SpecialFile, $"a {Describe(probe.Kind)}, not a regular file: not read");
            try
            {
                // Opening proves read permission now, rather than failing the whole run at hashing.
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new ScanEntry(path, relative, root, ScanStatus.Unreadable, $"cannot open: {e.Message}");
            }
            return new ScanEntry(path, relative, root, ScanStatus.Ok, null, probe.Size, probe.LastWriteUtc);
        }

        /// <summary>The path under its root with '/' between folders; on Linux a backslash is a character of
        /// a name, kept as it is.</summary>
        private static string Relative(string root, string path) =>
            Path.DirectorySeparatorChar == '\\' ? Path.GetRelativePath(root, path).Replace('\\', '/') : Path.GetRelativePath(root, path);
    }
}
