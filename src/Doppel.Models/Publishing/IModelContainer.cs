namespace Doppel.Models.Publishing;

/// <summary>
/// Where published model files live (an Azure Blob container, or a shared folder): named blobs plus
/// one manifest (<see cref="ModelContainerManifest.BlobName"/>) that says which version of each
/// model is current. Blobs are written once under a name that contains their version, and the
/// manifest last, so a reader sees the old complete set or the new complete one.
/// </summary>
public interface IModelContainer
{
    /// <summary>The container's address for messages (never with a secret in it).</summary>
    string Address { get; }

    /// <summary>The manifest and a tag that changes whenever it is rewritten; null when there is none yet.</summary>
    Task<(ModelContainerManifest Manifest, string Tag)?> ReadManifestAsync(CancellationToken cancellation = default);

    /// <summary>Replaces the manifest only if it is still the one read with <paramref name="expectedTag"/>
    /// (null: only if there is none); otherwise throws <see cref="ManifestChangedException"/>.</summary>
    Task WriteManifestAsync(ModelContainerManifest manifest, string? expectedTag, CancellationToken cancellation = default);

    Task<bool> ExistsAsync(string blobName, CancellationToken cancellation = default);

    Task UploadAsync(string blobName, string localPath, CancellationToken cancellation = default);

    /// <summary>Writes the blob to <paramref name="localPath"/>; throws <see cref="ModelBlobMissingException"/> when it is not there.</summary>
    Task DownloadAsync(string blobName, string localPath, CancellationToken cancellation = default);
}

/// <summary>A models container that cannot be used as asked: the message says what is wrong and what to do.</summary>
public class ModelContainerException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Another publisher rewrote the manifest between our read and our write.</summary>
public sealed class ManifestChangedException(string address)
    : ModelContainerException($"The models manifest in {address} changed while publishing.");

public sealed class ModelBlobMissingException(string address, string blobName)
    : ModelContainerException($"{blobName} is listed in {address}/{ModelContainerManifest.BlobName} but missing from the container.");
