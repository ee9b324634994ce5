using System.Net;
using Doppel.Testing.Servers;
using Doppel.Workers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Doppel.Workers.Tests;

// One PostgreSQL serves the assembly and WorkerFaultTests restarts it on purpose; a class running beside the
// restart lost its connection (merged suite of 2026-12-07), so every class here shares one sequential collection.
[Collection("shared-postgres")]
public sealed class DashboardTests(PostgresServer server)
{
    /// <summary>The dashboard answers only requests the host's check lets through: its pages and its JSON alike.</summary>
    [Fact]
    public async Task TheDashboardIsBehindTheHostsAuthorisation()
    {
        server.Require();
        var jobs = await server.CreateDatabaseAsync("jobs");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddDoppelJobs(jobs.Uri);
        await using var app = builder.Build();
        // AddHangfire makes the host's logger factory Hangfire's (process-wide) log provider; this host is disposed at
        // the end of the test while other tests of the process use Hangfire, so hand logging back to the default.
        using var restoreLogging = new Restore(() => Hangfire.Logging.LogProvider.SetCurrentLogProvider(null));
        app.MapDoppelJobsDashboard("/admin/jobs", context => context.Request.Headers["X-Test-Admin"] == "yes");
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        foreach (var path in new[] { "/admin/jobs", "/admin/jobs/jobs/failed", "/admin/jobs/stats" })
        {
            var refused = await http.SendAsync(new HttpRequestMessage(path.EndsWith("stats", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get, path), TestContext.Current.CancellationToken);
            refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
        }
        var page = new HttpRequestMessage(HttpMethod.Get, "/admin/jobs/jobs/failed");
        page.Headers.Add("X-Test-Admin", "yes");
        var answer = await http.SendAsync(page, TestContext.Current.CancellationToken);
        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldContain("Doppel jobs");
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
