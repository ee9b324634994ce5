using System.Security.Claims;
using Doppel.Application.Admin;
using Doppel.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Doppel.Service.Admin;

/// <summary>
/// Sign-in for the admin page: users from <c>doppel users add</c>, a cookie (HttpOnly, SameSite=Strict, 8 hours
/// sliding), and two authorisation policies other dashboards mounted in this process reuse (the Hangfire dashboard
/// takes <see cref="AdminPolicy"/>). Every state-changing request of the page carries an antiforgery token: the login
/// form as a hidden field, the page's own calls as the <c>X-CSRF-TOKEN</c> header.
/// </summary>
public static class AdminAuth
{
    /// <summary>Administrators only: tenants, tokens, settings, models, webhook resends, job dashboards.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>Administrators and reviewers: sets, findings review, threshold explorer.</summary>
    public const string ReviewerPolicy = "reviewer";

    public const string CsrfHeader = "X-CSRF-TOKEN";

    /// <summary>Where Hangfire's dashboard is mounted when workers process the sets.</summary>
    public const string JobsPath = "/admin/jobs";

    /// <summary>The rate limiter policy of the sign-in form (<see cref="ServiceOptions.AdminSignInsPerMinute"/>).</summary>
    public const string SignInLimit = "admin-sign-in";

    internal static void AddAdminAuth(this IServiceCollection services, int signInsPerMinute = 10)
    {
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(SignInLimit, context => System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions { PermitLimit = signInsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Doppel.Service.Admin")
                    .LogWarning("Admin sign-in rate limit reached for {Address}", context.HttpContext.Connection.RemoteIpAddress?.ToString());
                await context.HttpContext.Response.WriteAsync("Too many sign-in attempts from this address; wait a minute and try again.", cancellationToken);
            };
        });
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.Cookie.Name = "doppel.admin";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.LoginPath = "/admin/login";
            o.AccessDeniedPath = "/admin/login";
            // The page's JSON calls get a status to act on, not a redirect to an HTML form.
            o.Events.OnRedirectToLogin = ctx => Deny(ctx, 401);
            o.Events.OnRedirectToAccessDenied = ctx => Deny(ctx, 403);
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, p => p.RequireRole("admin"))
            .AddPolicy(ReviewerPolicy, p => p.RequireRole("admin", "reviewer"));
        services.AddAntiforgery(o =>
        {
            o.HeaderName = CsrfHeader;
            o.Cookie.Name = "doppel.csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddSingleton<AdminUserHandlers>();
    }

    private static Task Deny(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (ctx.Request.Path.StartsWithSegments("/admin/api"))
            ctx.Response.StatusCode = status;
        else if (status == 403)
        {
            ctx.Response.StatusCode = 403;
            return ctx.Response.WriteAsync("This page is for administrators.");
        }
        else
            ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    internal static ClaimsPrincipal Principal(AdminUser user) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.Name, user.Name),
        new Claim(ClaimTypes.Role, user.Role == AdminRole.Admin ? "admin" : "reviewer"),
    ], CookieAuthenticationDefaults.AuthenticationScheme));

    /// <summary>Who made a change, as recorded with it.</summary>
    internal static string Actor(this HttpContext context) => $"user:{context.User.Identity?.Name}";

    /// <summary>Rejects a state-changing call without a valid antiforgery token (400), before the handler runs.</summary>
    internal static TBuilder RequireCsrf<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
                return await next(invocation);
            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(context))
                return Problem.Of(400, "Missing antiforgery token", $"Send the token from /admin/api/me in the {CsrfHeader} header.");
            return await next(invocation);
        });

    internal static async Task SignInAsync(HttpContext context, AdminUser user) =>
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Principal(user));

    internal static Task SignOutAsync(HttpContext context) => context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
}
