using System.Net;
using System.Text.RegularExpressions;

namespace Doppel.Service.Tests;

/// <summary>The admin page's sign-in over plain HTTP, as a browser does it: the form's antiforgery field, then the
/// cookie, redirects not followed so each answer can be checked.</summary>
internal static partial class AdminHttp
{
    public static HttpClient NewClient(string site) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = new Uri(site) };

    /// <summary>Posts the sign-in form once with <paramref name="http"/>'s cookies; returns the answer.</summary>
    public static async Task<HttpResponseMessage> TrySignInAsync(HttpClient http, string name, string password, CancellationToken ct)
    {
        var form = await http.GetStringAsync("/admin/login", ct);
        var field = HiddenField().Match(form);
        field.Success.ShouldBeTrue(form);
        return await http.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [field.Groups[1].Value] = WebUtility.HtmlDecode(field.Groups[2].Value), ["name"] = name, ["password"] = password,
        }), ct);
    }

    /// <summary>Signs in and returns the client holding the session.</summary>
    public static async Task<HttpClient> SignInAsync(string site, string name, string password, CancellationToken ct)
    {
        var http = NewClient(site);
        var answer = await TrySignInAsync(http, name, password, ct);
        answer.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        answer.Headers.Location!.ToString().ShouldBe("/admin/");
        return http;
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenField();
}
