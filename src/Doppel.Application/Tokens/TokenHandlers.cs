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
/// A live token found by its hash is remembered for <see cref="CacheFor"/>, so a request costs no catalog read for
/// authentication (on SQLite every statement a request saves is one less wait behind a processing set's writes). A
/// revocation or rotation through these handlers drops the token from the cache at once; one made by another process
/// (<c>doppel tokens revoke</c> beside a running service) is refused there within <see cref="CacheFor"/>.
/// </summary>
public sealed class TokenHandlers(IDoppelDatabase db)
{
    public const string SecretPrefix = "dpl_";

    /// <summary>How long a live token is trusted without reading the catalog again.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <summary>Tokens remembered at most; the cache is emptied when full (only live tokens a caller proved it holds get in).</summary>
    private const int CacheLimit = 10_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (ApiToken Token, DateTimeOffset Until)> _live = new();

    /// <summary>Revocations seen by this process: an entry written while one ran is not trusted.</summary>
    private long _revocations;

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
        var hash = Hash(secret);
        var now = DateTimeOffset.UtcNow;
        long revocations = Interlocked.Read(ref _revocations);
        ApiToken? token;
        var until = now + CacheFor;
        if (_live.TryGetValue(hash, out var cached) && cached.Until > now)
            (token, until) = cached;
        else
        {
            token = await db.Tokens.FindByHashAsync(hash, cancellationToken);
            if (token is null || token.IsRevoked)
            {
                _live.TryRemove(hash, out _);
                return null;
            }
        }
        // last_used_at has minute resolution (the store's UPDATE skips a fresher one): touching only a stale token spares
        // nearly every request a write statement, which on SQLite takes the catalog's single write lock and so queued
        // read requests behind a processing set's transactions.
        if (token.LastUsedAt is not { } used || now - used >= TouchInterval)
        {
            await db.Tokens.TouchAsync(token.Id, cancellationToken);
            token = token with { LastUsedAt = now };
        }
        if (_live.Count >= CacheLimit)
            _live.Clear();
        _live[hash] = (token, until);
        // A revocation that ran while this request read the token may have found no entry to drop: drop it here.
        if (Interlocked.Read(ref _revocations) != revocations)
            _live.TryRemove(hash, out _);
        return token;
    }

    public async Task RevokeAsync(TenantId tenant, long id, CancellationToken cancellationToken = default)
    {
        if (!await db.Tokens.RevokeAsync(tenant, id, cancellationToken))
            throw new NotFoundException($"No live token {id}.");
        Forget(id);
    }

    /// <summary>Drops a revoked token from the cache: the next request with it reads the catalog and is refused.</summary>
    private void Forget(long id)
    {
        Interlocked.Increment(ref _revocations);
        foreach (var (hash, entry) in _live)
            if (entry.Token.Id == id)
                _live.TryRemove(hash, out _);
    }

    public async Task<IssuedToken> RotateAsync(TenantId tenant, long id, CancellationToken cancellationToken = default)
    {
        var old = await db.Tokens.GetAsync(tenant, id, cancellationToken);
        if (old is null || old.IsRevoked)
            throw new NotFoundException($"No live token {id}.");
        var issued = await IssueAsync(tenant, old.Name, old.Scope, cancellationToken);
        await db.Tokens.RevokeAsync(tenant, id, cancellationToken);
        Forget(id);
        return issued;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
