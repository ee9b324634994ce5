using System.Net;
using Doppel.Application.Admin;
using Doppel.Storage;

namespace Doppel.Service.Tests;

/// <summary>The admin sign-in form is rate limited per client address (10 a minute by default): guessing stops at the
/// limit with 429 and Retry-After, and while limited even the right password gets no session. The rest of the service
/// is not limited by it.</summary>
public sealed class AdminSignInLimitTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task GuessingStopsAtTheLimit()
    {
        service.Require();
        var ct = TestContext.Current.CancellationToken;
        await new AdminUserHandlers(service.Db).AddAsync("carol", AdminRole.Admin, "the right password", ct);
        var site = service.BaseUrl.ToString().TrimEnd('/');
        using var http = AdminHttp.NewClient(site);
        for (int i = 0; i < new ServiceOptions { Database = "", MediaFolder = "" }.AdminSignInsPerMinute; i++)
            (await AdminHttp.TrySignInAsync(http, "carol", $"guess {i}", ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"attempt {i + 1}");
        var limited = await AdminHttp.TrySignInAsync(http, "carol", "the right password", ct);
        limited.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter.ShouldNotBeNull();
        (await limited.Content.ReadAsStringAsync(ct)).ShouldContain("Too many sign-in attempts");
        (await http.GetAsync("/admin/api/me", ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // The API and the sign-in page itself are not behind this limit.
        (await http.GetAsync("/admin/login", ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var api = service.Client(service.ReadA);
        (await api.GetAsync("v1/tenant", ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
