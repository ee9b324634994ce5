using Doppel.Application.Tokens;
using Doppel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Doppel.Service;

/// <summary>
/// Token authentication for every API endpoint: <c>Authorization: Token SECRET</c> (HOPE's form; <c>Bearer</c> is
/// accepted too). Missing, unknown or revoked → 401; a token whose scope is below the endpoint's → 403. The
/// tenant of the token scopes everything after: another tenant's resources read as absent (404).
/// </summary>
internal static class Auth
{
    private const string Key = "doppel.token";

    public static ApiToken Token(this HttpContext context) => (ApiToken)context.Items[Key]!;

    public static TenantId Tenant(this HttpContext context) => context.Token().Tenant;

    /// <summary>Who made a change, as recorded with it.</summary>
    public static string Actor(this HttpContext context) => $"token:{context.Token().Id}:{context.Token().Name}";

    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, TokenScope scope) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            var token = await AuthenticateAsync(context);
            if (token is null)
            {
                context.Response.Headers.WWWAuthenticate = "Token";
                return Problem.Of(401, "Unauthorized", "Send a live API token: Authorization: Token <key>.");
            }
            if (token.Scope < scope)
                return Problem.Of(403, "Forbidden", $"This endpoint needs a {scope.ToString().ToLowerInvariant()} token; this one is {token.Scope.ToString().ToLowerInvariant()}.");
            context.Items[Key] = token;
            return await next(invocation);
        });

    private static async Task<ApiToken?> AuthenticateAsync(HttpContext context)
    {
        string? header = context.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
            return null;
        var parts = header.Split(' ', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !(parts[0].Equals("Token", StringComparison.OrdinalIgnoreCase) || parts[0].Equals("Bearer", StringComparison.OrdinalIgnoreCase)))
            return null;
        return await context.RequestServices.GetRequiredService<TokenHandlers>().AuthenticateAsync(parts[1], context.RequestAborted);
    }
}
