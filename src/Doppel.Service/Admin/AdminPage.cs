using System.Net;
using System.Reflection;
using Doppel.Application.Admin;
using Microsoft.AspNetCore.Antiforgery;

namespace Doppel.Service.Admin;

/// <summary>
/// The admin page at <c>/admin/</c>: a sign-in form rendered here (it carries the antiforgery field), and a
/// single page of plain HTML, CSS and JavaScript embedded in this assembly (no CDN, no build step) that talks to
/// <see cref="AdminApi"/>.
/// </summary>
internal static class AdminPage
{
    private static readonly Assembly Self = typeof(AdminPage).Assembly;

    private static readonly Dictionary<string, string> Types = new()
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["admin.js"] = "text/javascript; charset=utf-8",
        ["admin.css"] = "text/css; charset=utf-8",
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/", (HttpContext c) => Asset(c, "index.html")).RequireAuthorization(AdminAuth.ReviewerPolicy).ExcludeFromDescription();
        app.MapGet("/admin/assets/{name}", (HttpContext c, string name) => Types.ContainsKey(name) && name != "index.html" ? Asset(c, name) : Results.NotFound())
            .ExcludeFromDescription();
        app.MapGet("/admin/login", (HttpContext c, IAntiforgery antiforgery) => LoginForm(c, antiforgery, null)).ExcludeFromDescription();
        app.MapPost("/admin/login", SignIn).DisableAntiforgery().RequireRateLimiting(AdminAuth.SignInLimit).ExcludeFromDescription();
        app.MapPost("/admin/logout", async (HttpContext c, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(c))
                return Results.BadRequest();
            await AdminAuth.SignOutAsync(c);
            return Results.Redirect("/admin/login");
        }).DisableAntiforgery().ExcludeFromDescription();
    }

    private static async Task<IResult> SignIn(HttpContext c, IAntiforgery antiforgery, AdminUserHandlers users, ILoggerFactory logs)
    {
        if (!await antiforgery.IsRequestValidAsync(c))
            return LoginForm(c, antiforgery, "The form expired; sign in again.", 400);
        var form = await c.Request.ReadFormAsync(c.RequestAborted);
        var user = await users.SignInAsync(form["name"], form["password"], c.RequestAborted);
        if (user is null)
        {
            logs.CreateLogger("Doppel.Service.Admin").LogWarning("Admin sign-in refused for {Name}", form["name"].ToString());
            return LoginForm(c, antiforgery, "Wrong name or password.", 401);
        }
        await AdminAuth.SignInAsync(c, user);
        return Results.Redirect("/admin/");
    }

    private static IResult Asset(HttpContext c, string name)
    {
        using var stream = Self.GetManifestResourceStream("Doppel.Service.Admin.wwwroot." + name)
                           ?? throw new InvalidOperationException($"The admin page asset {name} is not embedded.");
        using var reader = new StreamReader(stream);
        c.Response.Headers.CacheControl = "no-cache";
        c.Response.Headers["X-Content-Type-Options"] = "nosniff";
        c.Response.Headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
        return Results.Text(reader.ReadToEnd(), Types[name]);
    }

    private static IResult LoginForm(HttpContext c, IAntiforgery antiforgery, string? error, int status = 200)
    {
        var tokens = antiforgery.GetAndStoreTokens(c);
        c.Response.Headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'";
        var message = error is null ? "" : $"<p class=\"error\" role=\"alert\">{WebUtility.HtmlEncode(error)}</p>";
        var html = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Doppel admin · sign in</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/admin/assets/admin.css"></head>
            <body class="login"><main>
            <h1>Doppel admin</h1>
            {{message}}
            <form method="post" action="/admin/login">
            <input type="hidden" name="{{tokens.FormFieldName}}" value="{{WebUtility.HtmlEncode(tokens.RequestToken)}}">
            <label>Name <input name="name" autocomplete="username" required autofocus></label>
            <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
            <button type="submit">Sign in</button>
            </form>
            <p class="hint">Users are created with <code>doppel users add NAME --role admin|reviewer</code>.</p>
            </main></body></html>
            """;
        return Results.Text(html, "text/html; charset=utf-8", statusCode: status);
    }
}
