using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Doppel.Reports.Dedup;

namespace Doppel.Reports.Html;

/// <summary>
/// The thumbnails of a paged report: each distinct picture written once as <c>thumbs/NAME.jpg</c> and
/// shown with <c>&lt;img loading="lazy"&gt;</c>, so a page costs kilobytes however many pictures it
/// shows and the browser fetches only those scrolled into view. NAME is a hash of the source's
/// content (a file's or in-memory picture's bytes, or a drawn picture's
/// <see cref="ReportThumbnail.RenderKey"/>) and of <see cref="ThumbnailJpeg.Recipe"/>: the same
/// picture shown on several pages, or again by a later run into the same folder, is one file, and a
/// file already there is never made again.
/// </summary>
internal sealed partial class ThumbnailFolder : IThumbnailMarkup
{
    public const string FolderName = "thumbs";

    private readonly string _directory;
    private readonly ConcurrentDictionary<string, string?> _nameBySource = new(StringComparer.Ordinal);
    // In-memory pictures have no source key; the same array met again is not hashed again.
    private readonly ConditionalWeakTable<byte[], StrongBox<string?>> _nameByBytes = new();
    private readonly ConcurrentDictionary<string, byte> _used = new(StringComparer.Ordinal);

    public ThumbnailFolder(string reportDirectory) => _directory = Path.Combine(reportDirectory, FolderName);

    public string Directory => _directory;

    /// <summary>How many distinct thumbnail files the pages written so far show.</summary>
    public int Count => _used.Count;

    /// <summary>Makes the files of all these thumbnails, on every core: drawing a face crop means
    /// decoding its whole photograph, the slow part of a large report.</summary>
    public void Prepare(IEnumerable<ReportThumbnail> thumbnails)
    {
        System.IO.Directory.CreateDirectory(_directory);
        var distinct = new List<ReportThumbnail>();
        var seen = new HashSet<object>();
        foreach (var thumbnail in thumbnails)
            if (seen.Add((object?)ThumbnailSources.Key(thumbnail) ?? thumbnail.Bytes!))
                distinct.Add(thumbnail);
        try
        {
            Parallel.ForEach(distinct, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, t => FileNameFor(t));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The first failure as itself (a full disk is an IOException), not wrapped, so callers see a clear error.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    public string Box(ReportThumbnail? thumbnail, string label, int pageDepth)
    {
        var name = thumbnail is null ? null : FileNameFor(thumbnail);
        if (name is null)
            return ThumbnailPlaceholder.Box(thumbnail, label);
        _used.TryAdd(name, 0);
        var up = string.Concat(Enumerable.Repeat("../", pageDepth));
        return $"<img class=\"thumb\" src=\"{up}{FolderName}/{name}\" loading=\"lazy\" decoding=\"async\" alt=\"{Html.E(label)}\">";
    }

    /// <summary>Deletes thumbnail files no page of this run shows (left by an earlier run into the
    /// same folder), and the folder when it ends up empty. Only files named the way this class names
    /// them are touched.</summary>
    public void RemoveUnused() => RemoveAllExcept(_directory, _used.Keys.ToHashSet(StringComparer.Ordinal));

    /// <summary>Deletes every thumbnail file under <paramref name="reportDirectory"/>: a one-file report
    /// replacing a paged one needs none.</summary>
    public static void RemoveAll(string reportDirectory) => RemoveAllExcept(Path.Combine(reportDirectory, FolderName), []);

    private static void RemoveAllExcept(string directory, HashSet<string> keep)
    {
        if (!System.IO.Directory.Exists(directory))
            return;
        foreach (var file in System.IO.Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(file);
            if ((OwnFileName().IsMatch(name) && !keep.Contains(name)) || OwnTemporaryFile().IsMatch(name))
                File.Delete(file);
        }
        if (!System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
            System.IO.Directory.Delete(directory);
    }

    private string? FileNameFor(ReportThumbnail thumbnail)
    {
        var sourceKey = ThumbnailSources.Key(thumbnail);
        if (sourceKey is null)
            return _nameByBytes.GetValue(thumbnail.Bytes!, bytes => new StrongBox<string?>(Write(bytes, HashedName(bytes)))).Value;
        return _nameBySource.GetOrAdd(sourceKey, _ =>
        {
            if (thumbnail.RenderKey is { } renderKey)
            {
                var name = HashedName(Encoding.UTF8.GetBytes("render\n" + renderKey));
                return File.Exists(Path.Combine(_directory, name)) ? name : Write(thumbnail.LoadEncoded(), name);
            }
            var bytes = thumbnail.LoadEncoded();
            return bytes is null ? null : Write(bytes, HashedName(bytes));
        });
    }

    /// <summary>Shrinks and writes the picture unless a file of that name exists; null when the bytes are
    /// not a picture. The file appears whole or not at all (written aside, then renamed), so a run killed
    /// midway never leaves a truncated thumbnail that a later run would trust.</summary>
    private string? Write(byte[]? encoded, string name)
    {
        if (encoded is null)
            return null;
        var path = Path.Combine(_directory, name);
        if (File.Exists(path))
            return name;
        var jpeg = ThumbnailJpeg.Shrink(encoded);
        if (jpeg is null)
            return null;
        System.IO.Directory.CreateDirectory(_directory);
        var temporary = $"{path}.tmp-{Guid.NewGuid():N}";
        File.WriteAllBytes(temporary, jpeg);
        File.Move(temporary, path, overwrite: true);
        return name;
    }

    private static string HashedName(byte[] content)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(ThumbnailJpeg.Recipe + "\n"));
        sha.AppendData(content);
        return Convert.ToHexStringLower(sha.GetHashAndReset().AsSpan(0, 16)) + ".jpg";
    }

    [GeneratedRegex("^[0-9a-f]{32}\\.jpg$")]
    private static partial Regex OwnFileName();

    [GeneratedRegex("^[0-9a-f]{32}\\.jpg\\.tmp-[0-9a-f]{32}$")]
    private static partial Regex OwnTemporaryFile();
}
