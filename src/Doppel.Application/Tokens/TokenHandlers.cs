using System.Security.Cryptography;
using System.Text;
using Doppel.Storage;

namespace Doppel.Application.Tokens;

/// <summary>A token as created: <see cref="Secret"/> is shown this once and never stored.</summary>
public sealed record IssuedToken(ApiToken Token, string Secret);

/// <summary>
/// Tenants and their API tokens. A token is <c>dpl_</c> + 32 random bytes (base64url); only its SHA-256 is stored
/// (the secret has 256 bits of entropy, so a fast hash is enough: there is nothing to brute-force), looked up by
/// that hash. Revoked tokens stay listed (who had access, until when). Rotation issues a new secret with the same
/// name and scope and revokes the old one.
/// </summary>
public sealed class TokenHandlers(IDoppelDatabase db)
{
    public const string SecretPrefix = "dpl_";

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public async Task<Tenant> AddTenantAsync(string name, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100 || name.Any(char.IsControl))
            throw new ValidationException("A tenant name is 1 to 100 printable characters.");
        if (await db.Tenants.FindAsync(name, cancellationToken) is not null)
            throw new ConflictException($"A tenant named '{name}' already exists.");
        return await db.Tenants.CreateAsync(name, cancellationToken);
    }

    public async Task<IssuedToken> IssueAsync(string tenantName, string? name, TokenScope scope, CancellationToken cancellationToken = default)
    {
        var tenant = await db.Tenants.FindAsync(tenantName, cancellationToken)
                     ?? throw new NotFoundException($"No tenant named '{tenantName}' (doppel tenants add NAME creates one).");
        return await IssueAsync(tenant.Id, name, scope, cancellationToken);
    }

    public async Task<IssuedToken> IssueAsync(TenantId tenant, string? name, TokenScope scope, CancellationToken cancellationToken = default)
    {
        name = string.IsNullOrWhiteSpace(name) ? $"{scope.ToString().ToLowerInvariant()} token" : name.Trim();
        if (name.Length > 100 || name.Any(char.IsControl))
            throw new ValidationException("A token name is at most 100 printable characters.");
        var secret = SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = await db.Tokens.CreateAsync(tenant, name, secret[..12], Hash(secret), scope, cancellationToken);
        return new IssuedToken(token, secret);
    }

    /// <summary>How stale <see cref="ApiToken.LastUsedAt"/> may be before a request refreshes it.</summary>
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    /// <summary>The live token with this secret, or null (unknown, malformed or revoked: all the same to a caller).</summary>
    public async Task<ApiToken?> AuthenticateAsync(string? secret, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(secret) || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length > 100)
            return null;
        var token = await db.Tokens.FindByHashAsync(Hash(secret), cancellationToken);
        if (token is null || token.IsRevoked)
            return null;
        // last_used_at has minute resolution (the store's UPDATE skips a fresher one): touching only a stale token spares
        // nearly every request a write statement, which on SQLite takes the catalog's single write lock and so queued
        // read requests behind a processing set's transactions.
        if (token.LastUsedAt is not { } used || DateTimeOffset.UtcNow - used >= TouchInterval)
            await db.Tokens.TouchAsync(token.Id, cancellationToken);
        return token;
    }

    public async Task RevokeAsync(TenantId tenant, long id, CancellationToken cancellationToken = default)
    {
        if (!await db.Tokens.RevokeAsync(tenant, id, cancellationToken))
            throw new NotFoundException($"No live token {id}.");
    }

    public async Task<IssuedToken> RotateAsync(TenantId tenant, long id, CancellationToken cancellationToken = default)
    {
        var old = await db.Tokens.GetAsync(tenant, id, cancellationToken);
        if (old is null || old.IsRevoked)
            throw new NotFoundException($"No live token {id}.");
        var issued = await IssueAsync(tenant, old.Name, old.Scope, cancellationToken);
        await db.Tokens.RevokeAsync(tenant, id, cancellationToken);
        return issued;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
