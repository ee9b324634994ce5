using System.Net;
using System.Text.Json.Nodes;
using Doppel.Testing;

namespace Doppel.Service.Tests;

/// <summary>
/// The service's PostgreSQL goes away and comes back while the service runs (its own server: the class fixture's, so no
/// other test loses its database). Requests meanwhile get 503 problem details with Retry-After, never a 500 or a hang,
/// /readyz says not ready, and once the server is back the same service answers again with every committed row, without
/// a restart.
/// </summary>
public sealed class DatabaseOutageTests(PostgresServiceFixture service) : IClassFixture<PostgresServiceFixture>
{
    [Fact]
    public async Task ADroppedDatabaseIsA503WithRetryAfterAndTheServiceRecoversWhenItReturns()
    {
        service.Require();
        var hope = new Hope(service.Client(service.WriteA));
        (await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "OUTAGE" })).Status.ShouldBe(HttpStatusCode.Created);
        (await hope.PostAsync("deduplication_sets/OUTAGE/images/", new JsonObject { ["reference_pk"] = "kept", ["filename"] = "kept/1.jpg" }))
            .Status.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.Created);

        await service.Server.KillAsync();
        try
        {
            using var http = service.Client(service.WriteA);
            using var register = await http.PostAsync("deduplication_sets/OUTAGE/images/",
                JsonContent("""{"reference_pk": "during", "filename": "during/1.jpg"}"""), TestContext.Current.CancellationToken);
            await ShouldBeUnavailableAsync(register);
            // A token the service has not cached needs the database to be checked: unavailable too, not 401.
            using var stranger = service.Client("dpl_not-a-token-the-service-has-seen");
            await ShouldBeUnavailableAsync(await stranger.GetAsync("deduplication_sets/OUTAGE/", TestContext.Current.CancellationToken));
            using var root = service.Client(null, "");
            (await root.GetAsync("readyz", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            await service.Server.StartAsync();
        }

        // Connections the pool held died with the server; each is dropped on its first use, so a client that retries
        // (as Retry-After asks) gets through within a few attempts.
        var (status, listing) = await RetryAsync(() => hope.GetAsync("deduplication_sets/OUTAGE/images/"));
        status.ShouldBe(HttpStatusCode.OK);
        listing!["results"]!.AsArray().Select(i => i!["reference_pk"]!.GetValue<string>()).ShouldBe(["kept"]);
        (status, _) = await RetryAsync(() => hope.PostAsync("deduplication_sets/OUTAGE/images/", new JsonObject { ["reference_pk"] = "after", ["filename"] = "after/1.jpg" }));
        status.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.Created);
        using var ready = service.Client(null, "");
        (await RetryAsync(async () => ((await ready.GetAsync("readyz", TestContext.Current.CancellationToken)).StatusCode, (JsonNode?)null))).Item1
            .ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>The database goes away while a set processes: the set neither fails nor stays Processing for good; the
    /// service resumes it when the database is back and it ends Ready with its pairs.</summary>
    [Fact]
    public async Task ASetWhoseDatabaseDropsWhileItProcessesResumesWhenItReturns()
    {
        service.Require();
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var images = service.StagePhotos(lfw, "outage", new[] { "Aaron_Peirsol", "Abdullah_Gul" });
        var hope = new Hope(service.Client(service.WriteA));
        var (status, created) = await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "OUTAGE-RUN" });
        status.ShouldBe(HttpStatusCode.Created);
        (await hope.PostAsync("deduplication_sets/OUTAGE-RUN/images_bulk/", images)).Status.ShouldBe(HttpStatusCode.OK);
        (await hope.PostAsync("deduplication_sets/OUTAGE-RUN/process/")).Status.ShouldBe(HttpStatusCode.OK);
        // Killed once the run holds the set's lease and has started its run record: its release then cannot reach the database, so the resumed run
        // meets its own lease (the case a full suite hit: the set stayed Processing until the test gave up).
        var tenant = (await service.Db.Tenants.FindAsync("tenant-a", TestContext.Current.CancellationToken))!.Id;
        var lease = Doppel.Application.CatalogDatabases.LeaseName(tenant, $"set-process/{created!["id"]!.GetValue<string>()}");
        var runs = service.Db.For(tenant).Runs;
        async Task<List<Doppel.Storage.RunRecord>> SetRunsAsync() =>
            (await runs.ListAsync(cancellationToken: TestContext.Current.CancellationToken)).Where(r => r.Kind == Doppel.Application.Sets.ProcessSetHandler.RunKind).ToList();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while ((await service.Db.Leases.GetAsync(lease, TestContext.Current.CancellationToken) is null || !(await SetRunsAsync()).Any(r => r.State == Doppel.Storage.RunState.Running))
               && DateTime.UtcNow < deadline)
            await Task.Delay(20, TestContext.Current.CancellationToken);
        (await service.Db.Leases.GetAsync(lease, TestContext.Current.CancellationToken)).ShouldNotBeNull();
        await service.Server.KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        await service.Server.StartAsync();

        (await hope.WaitForStateAsync("OUTAGE-RUN", "Ready", "Failed")).ShouldBe("Ready");
        // The cut-short run is recorded as cancelled (with why) once the database answers; the resumed run completed.
        var setRuns = new List<Doppel.Storage.RunRecord>();
        for (var until = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < until; await Task.Delay(200, TestContext.Current.CancellationToken))
        {
            setRuns = await SetRunsAsync();
            if (setRuns.All(r => r.State != Doppel.Storage.RunState.Running))
                break;
        }
        setRuns.ShouldNotContain(r => r.State == Doppel.Storage.RunState.Running);
        setRuns.ShouldContain(r => r.State == Doppel.Storage.RunState.Cancelled && r.Error!.Contains("database became unavailable"));
        setRuns.ShouldContain(r => r.State == Doppel.Storage.RunState.Completed);
        var pairs = (await hope.AllPagesAsync("deduplication_sets/OUTAGE-RUN/duplicates/")).Where(f => f["status_code"]!.GetValue<int>() == 200).ToList();
        pairs.ShouldNotBeEmpty();
        pairs.ShouldAllBe(f => f["first"]!["filename"]!.GetValue<string>().Split('/', StringSplitOptions.None)[1] ==
                               f["second"]!["filename"]!.GetValue<string>().Split('/', StringSplitOptions.None)[1]);
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task ShouldBeUnavailableAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, body);
        response.Headers.RetryAfter.ShouldNotBeNull();
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        JsonNode.Parse(body)!["title"]!.GetValue<string>().ShouldBe("Database unavailable");
    }

    /// <summary>Calls again while the answer is 503 (at most 20 calls, 0.5 s apart).</summary>
    private static async Task<(HttpStatusCode Status, JsonNode? Body)> RetryAsync(Func<Task<(HttpStatusCode, JsonNode?)>> call)
    {
        for (int attempt = 1; ; attempt++)
        {
            var answer = await call();
            if (answer.Item1 != HttpStatusCode.ServiceUnavailable || attempt == 20)
                return answer;
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }
}
