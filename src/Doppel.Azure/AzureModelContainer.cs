using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Doppel.Models.Publishing;

namespace Doppel.Azure;

/// <summary>
/// A models container in Azure Blob Storage (the HOPE seed keeps its model files there). The
/// manifest's compare-and-swap is the blob's ETag (If-Match, or If-None-Match * for the first one).
/// Every storage failure becomes a <see cref="ModelContainerException"/> naming the container and
/// what the service said, never a stack trace.
/// </summary>
public sealed class AzureModelContainer(BlobAddress address) : IModelContainer
{
    public string Address => address.Display.TrimEnd('/');

    public static AzureModelContainer Parse(string text) => new(BlobAddress.Parse(text));

    public Task<(ModelContainerManifest Manifest, string Tag)?> ReadManifestAsync(CancellationToken cancellation = default) =>
        Guard(async () =>
        {
            try
            {
                var download = await Blob(ModelContainerManifest.BlobName).DownloadContentAsync(cancellation);
                return ((ModelContainerManifest, string)?)(ModelContainerManifest.Parse(download.Value.Content.ToArray(), Address), download.Value.Details.ETag.ToString());
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
        });

    public Task WriteManifestAsync(ModelContainerManifest manifest, string? expectedTag, CancellationToken cancellation = default) =>
        Guard(async () =>
        {
            var conditions = expectedTag is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = new ETag(expectedTag) };
            try
            {
                await Blob(ModelContainerManifest.BlobName).UploadAsync(new BinaryData(manifest.ToJson()),
                    new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellation);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 409)
            {
                throw new ManifestChangedException(Address);
            }
            return true;
        });

    public Task<bool> ExistsAsync(string blobName, CancellationToken cancellation = default) =>
        Guard(async () => (bool)await Blob(blobName).ExistsAsync(cancellation));

    public Task UploadAsync(string blobName, string localPath, CancellationToken cancellation = default) =>
        Guard(async () =>
        {
            await Blob(blobName).UploadAsync(localPath, overwrite: true, cancellation);
            return true;
        });

    public Task DownloadAsync(string blobName, string localPath, CancellationToken cancellation = default) =>
        Guard(async () =>
        {
            try
            {
                await Blob(blobName).DownloadToAsync(localPath, cancellation);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                File.Delete(localPath);
                throw new ModelBlobMissingException(Address, blobName);
            }
            return true;
        });

    private BlobClient Blob(string name) => address.Container.GetBlobClient(address.BlobName(name));

    private async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (RequestFailedException e)
        {
            throw new ModelContainerException($"The models container {Address} answered {e.Status} {e.ErrorCode ?? ""}: {BlobErrors.FirstLine(e.Message)}", e);
        }
        catch (AggregateException e) when (e.InnerException is HttpRequestException http)
        {
            throw new ModelContainerException($"The models container {Address} could not be reached: {http.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new ModelContainerException($"The models container {Address} could not be reached: {e.Message}", e);
        }
    }
}

internal static class BlobErrors
{
    /// <summary>The service's message without the request and header dump Azure.Core appends.</summary>
    public static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
