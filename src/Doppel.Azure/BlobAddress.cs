using Azure.Storage.Blobs;

namespace Doppel.Azure;

/// <summary>
/// A container and an optional prefix in Azure Blob Storage, as a user writes it:
/// <list type="bullet">
/// <item><c>https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX][?SAS]</c> (or <c>http://HOST:PORT/ACCOUNT/CONTAINER...</c>
/// for an emulator): a SAS in the query authorises; without one, the account in
/// <c>AZURE_STORAGE_CONNECTION_STRING</c> does when its blob endpoint is this one, else access is anonymous (a public container);</item>
/// <item><c>az://CONTAINER[/PREFIX]</c>: in the account of <c>AZURE_STORAGE_CONNECTION_STRING</c>.</item>
/// </list>
/// Secrets never appear in <see cref="Display"/>, which messages and logs use.
/// </summary>
public sealed record BlobAddress(BlobContainerClient Container, string Prefix, string Display)
{
    /// <summary>The variable the Azure tools read a storage account's connection string from.</summary>
    public const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

    /// <summary>True for text that names a blob location rather than a local path.</summary>
    public static bool IsBlobAddress(string text) =>
        text.StartsWith("az://", StringComparison.OrdinalIgnoreCase) ||
        text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ||
        text.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <exception cref="ArgumentException">The text is not a blob address, or names no container, or needs a connection string that is not set.</exception>
    public static BlobAddress Parse(string text, string? connectionString = null)
    {
        connectionString ??= Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } env ? env : null;
        if (text.StartsWith("az://", StringComparison.OrdinalIgnoreCase))
        {
            var path = text["az://".Length..].Trim('/');
            var slash = path.IndexOf('/');
            var (container, prefix) = slash < 0 ? (path, "") : (path[..slash], path[(slash + 1)..]);
            RequireContainerName(container, text);
            if (connectionString is null)
                throw new ArgumentException($"{text} names a container in the account of {ConnectionStringVariable}, which is not set.");
            var client = new BlobServiceClient(connectionString).GetBlobContainerClient(container);
            return new BlobAddress(client, NormalisePrefix(prefix), $"az://{container}/{NormalisePrefix(prefix)}");
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new ArgumentException($"'{text}' is not a blob container address (az://CONTAINER/PREFIX or https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX).");
        var parts = new BlobUriBuilder(uri);
        RequireContainerName(parts.BlobContainerName, text);
        var blobPrefix = NormalisePrefix(parts.BlobName ?? "");
        var hasSas = !string.IsNullOrEmpty(uri.Query) && parts.Sas is not null && !string.IsNullOrEmpty(parts.Sas.Signature);
        parts.BlobName = "";
        var containerUri = parts.ToUri();
        parts.Sas = null;
        parts.Query = null;
        var display = parts.ToUri().GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + blobPrefix;
        BlobContainerClient containerClient;
        if (hasSas)
            containerClient = new BlobContainerClient(containerUri);
        else if (connectionString is not null && SameAccount(new BlobServiceClient(connectionString).Uri, parts))
            containerClient = new BlobServiceClient(connectionString).GetBlobContainerClient(parts.BlobContainerName);
        else
            containerClient = new BlobContainerClient(containerUri);
        return new BlobAddress(containerClient, blobPrefix, display);
    }

    /// <summary>The full blob name of <paramref name="relative"/> under the prefix.</summary>
    public string BlobName(string relative) => Prefix + relative;

    private static bool SameAccount(Uri serviceUri, BlobUriBuilder target)
    {
        var service = new BlobUriBuilder(serviceUri);
        return string.Equals(service.Host, target.Host, StringComparison.OrdinalIgnoreCase) && service.Port == target.Port &&
               string.Equals(service.AccountName, target.AccountName, StringComparison.Ordinal);
    }

    private static string NormalisePrefix(string prefix)
    {
        prefix = prefix.Trim('/');
        return prefix.Length == 0 ? "" : prefix + "/";
    }

    // Azure's rule: 3-63 characters, lower-case letters, digits and single dashes, starting with a letter or digit.
    private static void RequireContainerName(string? name, string text)
    {
        if (string.IsNullOrEmpty(name) || name.Length is < 3 or > 63 || !name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-') ||
            name[0] == '-' || name.Contains("--", StringComparison.Ordinal))
            throw new ArgumentException($"'{text}' does not name a valid blob container (3-63 lower-case letters, digits and dashes).");
    }
}
