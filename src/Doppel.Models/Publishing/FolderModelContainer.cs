using System.Security.Cryptography;

namespace Doppel.Models.Publishing;

/// <summary>
/// A models container in a folder (a shared or network file system): blobs are files under it, the
/// manifest is <c>models.json</c>. Writes go to a temporary file and are renamed into place; the
/// manifest's compare-and-swap holds an exclusive lock file while it compares.
/// </summary>
public sealed class FolderModelContainer(string root) : IModelContainer
{
    public string Address { get; } = Path.GetFullPath(root);

    public async Task<(ModelContainerManifest Manifest, string Tag)?> ReadManifestAsync(CancellationToken cancellation = default)
    {
        var path = Path.Combine(Address, ModelContainerManifest.BlobName);
        if (!File.Exists(path))
            return null;
        var bytes = await File.ReadAllBytesAsync(path, cancellation);
        return (ModelContainerManifest.Parse(bytes, Address), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    public async Task WriteManifestAsync(ModelContainerManifest manifest, string? expectedTag, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(Address);
        var path = Path.Combine(Address, ModelContainerManifest.BlobName);
        // FileShare.None on a lock file: a second publisher waits here instead of interleaving compare and write.
        await using var gate = await OpenLockAsync(Path.Combine(Address, ".models.lock"), cancellation);
        string? tag = File.Exists(path) ? Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path, cancellation))) : null;
        if (tag != expectedTag)
            throw new ManifestChangedException(Address);
        await WriteAtomicallyAsync(path, manifest.ToJson(), cancellation);
    }

    public Task<bool> ExistsAsync(string blobName, CancellationToken cancellation = default) => Task.FromResult(File.Exists(PathOf(blobName)));

    public async Task UploadAsync(string blobName, string localPath, CancellationToken cancellation = default)
    {
        var target = PathOf(blobName);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = $"{target}.{Guid.NewGuid():N}.part";
        File.Copy(localPath, temporary);
        File.Move(temporary, target, overwrite: true);
        await Task.CompletedTask;
    }

    public Task DownloadAsync(string blobName, string localPath, CancellationToken cancellation = default)
    {
        var source = PathOf(blobName);
        if (!File.Exists(source))
            throw new ModelBlobMissingException(Address, blobName);
        File.Copy(source, localPath, overwrite: true);
        return Task.CompletedTask;
    }

    /// <summary>Blob names are relative paths made by the publisher; one that climbs out of the folder is refused.</summary>
    private string PathOf(string blobName)
    {
        var full = Path.GetFullPath(Path.Combine(Address, blobName));
        if (!full.StartsWith(Address + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ModelContainerException($"Blob name '{blobName}' leaves the models folder {Address}.");
        return full;
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken cancellation)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.part";
        await File.WriteAllBytesAsync(temporary, bytes, cancellation);
        File.Move(temporary, path, overwrite: true);
    }

    private static async Task<FileStream> OpenLockAsync(string path, CancellationToken cancellation)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 200)
            {
                await Task.Delay(50, cancellation);
            }
        }
    }
}
