using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Doppel.Storage;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Doppel.Service.Tests;

/// <summary>
/// Every API endpoint (enumerated from the running service's routes, so a new one is covered without editing this
/// test) with no token, a wrong, malformed or revoked token, a read-only token on a write, and another tenant's token
/// (404 and none of the other tenant's data); then blob keys that try to leave the media folder, oversized bodies,
/// malformed JSON and huge page sizes.
/// </summary>
public sealed class SecurityTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    private sealed record Resources(Guid SetId, long FindingId, long TokenId, long WebhookId, long DeliveryId, long RunId);

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Resources? _resources;

    /// <summary>Tenant A's set "SEC-A" with two images, a finding, a run, a webhook with a delivery; its group's settings changed.</summary>
    private async Task<Resources> ResourcesOfAAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_resources is not null)
                return _resources;
            var tenant = (await service.Db.Tenants.FindAsync("tenant-a"))!.Id;
            var hope = new Hope(service.Client(service.AdminA));
            var (status, created) = await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "SEC-A" });
            status.ShouldBe(HttpStatusCode.Created);
            var setId = Guid.Parse(created!["id"]!.GetValue<string>());
            (await hope.PostAsync("deduplication_set_groups/config/SEC-A/", new JsonObject { ["duplicate_confidence_threshold"] = 0.7 })).Status.ShouldBe(HttpStatusCode.OK);
            var sets = service.Db.SetsFor(tenant);
            var images = await sets.AddImagesAsync(setId, [new NewSetImage("secret-ref-1", "a/1.jpg"), new NewSetImage("secret-ref-2", "a/2.jpg")]);
            await sets.ReplaceFindingsAsync(setId, [new NewSetFinding(images[0].Id, images[1].Id, 0.97f, 0.8f, 200)]);
            var finding = (await sets.ListFindingsAsync(setId, null, new SetFindingQuery())).Items.Single();
            var token = (await service.Db.Tokens.ListAsync(tenant)).First();
            var webhook = await service.Db.Webhooks.AddEndpointAsync(tenant, "http://127.0.0.1:9/", "s3cret");
            var delivery = await service.Db.Webhooks.EnqueueAsync(tenant, DeliveryKind.Signed, webhook.Id, webhook.Url, "test", "{}", setId);
            await service.Db.Webhooks.RecordAttemptAsync(delivery.Id, null, "test", 1, DeliveryState.Failed, DateTimeOffset.UtcNow);
            long run = await service.Db.For(tenant).Runs.StartAsync("set-process", "{}");
            return _resources = new Resources(setId, finding.Id, token.Id, webhook.Id, delivery.Id, run);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Every API route as (method, concrete path with A's ids, body), from the service's endpoint table.</summary>
    private async Task<List<(string Method, string Path, string? Body)>> RoutesAsync()
    {
        var r = await ResourcesOfAAsync();
        var sources = service.App.Services.GetRequiredService<EndpointDataSource>();
        var routes = new List<(string, string, string?)>();
        foreach (var endpoint in sources.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText!;
            if (!pattern.StartsWith("/api", StringComparison.Ordinal) && !pattern.StartsWith("/deduplication", StringComparison.Ordinal))
                continue;
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var path = pattern.TrimStart('/')
                .Replace("{key}", r.SetId.ToString())
                .Replace("{group}", "SEC-A")
                .Replace("{reference_pk}", "secret-ref-1")
                .Replace("{id:long}", pattern.Contains("/tokens/") ? r.TokenId.ToString() : pattern.Contains("/deliveries/") ? r.DeliveryId.ToString()
                    : pattern.Contains("/webhooks/") ? r.WebhookId.ToString() : pattern.Contains("/runs/") ? r.RunId.ToString() : r.FindingId.ToString());
            foreach (var method in methods)
                routes.Add((method, path, method is "GET" or "DELETE" ? null : BodyFor(path)));
        }
        routes.Count.ShouldBeGreaterThan(40);
        return routes;
    }

    /// <summary>A well-formed body for each kind of write, so a refusal is about the caller, not the body.</summary>
    private static string BodyFor(string path) => path switch
    {
        _ when path.EndsWith("images_bulk/") || path.EndsWith("/images/") => """[{"reference_pk": "x-1", "filename": "x/1.jpg"}]""",
        _ when path.EndsWith("/images") => """{"images": [{"reference_id": "x-1", "key": "x/1.jpg"}]}""",
        _ when path.EndsWith("/images/upload") => """{"reference_id": "x-1", "content_base64": "/9j/AA=="}""",
        _ when path.Contains("/ignored/") => """{"first": "secret-ref-1", "second": "secret-ref-2"}""",
        _ when path.EndsWith("approve_or_reject/") => """{"action": "reject"}""",
        _ when path.EndsWith("/decision") => """{"decision": "confirmed"}""",
        _ when path.EndsWith("deduplication_sets/") || path.EndsWith("v1/sets") => """{"reference_pk": "SEC-NEW", "group": "SEC-NEW"}""",
        _ when path.EndsWith("/tokens") => """{"name": "x", "scope": "read"}""",
        _ when path.EndsWith("/webhooks") => """{"url": "http://127.0.0.1:9/"}""",
        _ when path.EndsWith("/merge") || path.EndsWith("/person") || path.EndsWith("/exclude") => """{"person": 1}""",
        _ when path.EndsWith("/split") => """{"faces": [1]}""",
        _ when path.EndsWith("/name") => """{"name": "x"}""",
        _ when path.EndsWith("/verify") => """{"first": {"key": "a/1.jpg"}, "second": {"key": "a/2.jpg"}}""",
        _ when path.EndsWith("/identify") => """{"image": {"key": "a/1.jpg"}, "group": "SEC-A"}""",
        _ => "{}",
    };

    private async Task<(HttpStatusCode Status, string Body)> CallAsync(string? authorization, string method, string path, string? body)
    {
        using var http = new HttpClient { BaseAddress = service.BaseUrl };
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EveryEndpointRefusesMissingWrongMalformedAndRevokedTokens()
    {
        foreach (var (method, path, body) in await RoutesAsync())
            foreach (var auth in new string?[] { null, "Token dpl_wrongwrongwrong", "Token", "Basic dXNlcjpwYXNz", $"Token {service.RevokedA}", service.AdminA })
            {
                var (status, text) = await CallAsync(auth, method, path, body);
                status.ShouldBe(HttpStatusCode.Unauthorized, $"{method} /{path} with '{auth}'");
                text.ShouldNotContain("secret-ref");
            }
    }

    [Fact]
    public async Task ReadOnlyTokenCannotWrite()
    {
        var ct = TestContext.Current.CancellationToken;
        var sets = service.Db.SetsFor((await service.Db.Tenants.FindAsync("tenant-a", ct))!.Id);
        var setId = (await ResourcesOfAAsync()).SetId;
        var before = await sets.CountImagesAsync(setId, ct);
        foreach (var (method, path, body) in (await RoutesAsync()).Where(r => r.Method != "GET"))
            (await CallAsync($"Token {service.ReadA}", method, path, body)).Status.ShouldBe(HttpStatusCode.Forbidden, $"{method} /{path}");
        (await sets.CountImagesAsync(setId, ct)).ShouldBe(before);
    }

    [Fact]
    public async Task AnotherTenantSeesNothingOfA()
    {
        var r = await ResourcesOfAAsync();
        // Group settings last: a write there gives B a group of its own with that name (groups are per tenant).
        foreach (var (method, path, body) in (await RoutesAsync()).OrderBy(r => r.Path.Contains("/config/") || r.Path.EndsWith("/settings")))
        {
            bool namesAResource = path.Contains(r.SetId.ToString()) || path.Contains("SEC-A") || path.Contains("secret-ref")
                                  || (path.Contains("/api/v1/") && System.Text.RegularExpressions.Regex.IsMatch(path, @"/\d+(/|$)"));
            if (!namesAResource)
                continue;
            var (status, text) = await CallAsync($"Token {service.AdminB}", method, path, body);
            text.ShouldNotContain("secret-ref", customMessage: $"{method} /{path}");
            text.ShouldNotContain("0.7", customMessage: $"{method} /{path}: A's group setting leaked");
            if (path.Contains("/config/") || path.EndsWith("/settings"))
                status.ShouldBe(HttpStatusCode.OK, $"{method} /{path}: groups are per tenant, B sees its own");
            else
                status.ShouldBe(HttpStatusCode.NotFound, $"{method} /{path}");
        }
        // A's set is still there, with its images and finding.
        var hope = new Hope(service.Client(service.ReadA));
        (await hope.GetAsync($"deduplication_sets/{r.SetId}/")).Status.ShouldBe(HttpStatusCode.OK);
        (await hope.AllPagesAsync($"deduplication_sets/{r.SetId}/images/")).Count.ShouldBeGreaterThanOrEqualTo(2);
        (await hope.AllPagesAsync($"deduplication_sets/{r.SetId}/duplicates/")).Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("../outside.jpg")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../etc/passwd")]
    [InlineData("a/./b.jpg")]
    [InlineData("a//b.jpg")]
    [InlineData("a\\..\\b.jpg")]
    [InlineData("")]
    [InlineData("a/b\u0000.jpg")]
    public async Task BlobKeysCannotLeaveTheMediaFolder(string key)
    {
        var r = await ResourcesOfAAsync();
        var images = new JsonArray { new JsonObject { ["reference_pk"] = "trav", ["filename"] = key } };
        var hope = new Hope(service.Client(service.WriteA));
        var (status, body) = await hope.PostAsync($"deduplication_sets/{r.SetId}/images_bulk/", images);
        status.ShouldBe(HttpStatusCode.BadRequest);
        body!["title"].ShouldNotBeNull();
        (await hope.PostAsync($"/api/v1/sets/{r.SetId}/images", new JsonObject { ["images"] = new JsonArray { new JsonObject { ["reference_id"] = "trav", ["key"] = key } } }))
            .Status.ShouldBe(HttpStatusCode.BadRequest);
        (await hope.AllPagesAsync($"deduplication_sets/{r.SetId}/images/")).ShouldNotContain(i => i["reference_pk"]!.GetValue<string>() == "trav");
    }

    [Fact]
    public async Task OversizedBodiesAre413()
    {
        var r = await ResourcesOfAAsync();
        using var http = service.Client(service.WriteA);
        // 5 MB of JSON against the 4 MB request limit.
        var big = "[" + string.Join(",", Enumerable.Repeat("""{"reference_pk": "p", "filename": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.jpg"}""", 50_000)) + "]";
        // Expect: 100-continue lets the service refuse before the body is sent (else it closes mid-upload).
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"deduplication_sets/{r.SetId}/images_bulk/") { Content = Hope.Json(big) })
        {
            request.Headers.ExpectContinue = true;
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        }
        // Uploads above the upload limit: base64 and multipart.
        var bytes = new byte[ServiceFixture.MaxUpload + 1];
        using (var response = await http.PostAsync($"v1/sets/{r.SetId}/images/upload", Hope.Json(new JsonObject { ["reference_id"] = "big", ["content_base64"] = Convert.ToBase64String(bytes) }), TestContext.Current.CancellationToken))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }
        using var form = new MultipartFormDataContent { { new StringContent("big"), "reference_id" }, { new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("image/jpeg") } }, "file", "big.jpg" } };
        using (var response = await http.PostAsync($"v1/sets/{r.SetId}/images/upload", form, TestContext.Current.CancellationToken))
            response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        // More than 5,000 images in one call.
        var many = new JsonArray(Enumerable.Range(0, 5001).Select(i => (JsonNode)new JsonObject { ["reference_pk"] = $"m{i}", ["filename"] = $"m/{i}.jpg" }).ToArray());
        (await new Hope(http).PostAsync($"deduplication_sets/{r.SetId}/images_bulk/", many)).Status.ShouldBe(HttpStatusCode.BadRequest);
        Directory.Exists(Path.Combine(service.Media, "uploads")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("[{\"reference_pk\": 1.5e999}]")]
    [InlineData("42")]
    [InlineData("[1, 2]")]
    public async Task MalformedJsonIsAProblem400(string body)
    {
        var r = await ResourcesOfAAsync();
        using var http = service.Client(service.WriteA);
        using var response = await http.PostAsync($"deduplication_sets/{r.SetId}/images_bulk/", Hope.Json(body), TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        problem["status"]!.GetValue<int>().ShouldBe(400);
        problem["request_id"].ShouldNotBeNull();
    }

    [Theory]
    [InlineData("1000000000", 10_000)]
    [InlineData("99999999999999999999999", 10_000)]
    public async Task HugePageSizesAreCapped(string size, int cap)
    {
        var r = await ResourcesOfAAsync();
        var hope = new Hope(service.Client(service.ReadA));
        var (status, body) = await hope.GetAsync($"deduplication_sets/{r.SetId}/images/?page_size={size}");
        status.ShouldBe(HttpStatusCode.OK);
        body!["results"]!.AsArray().Count.ShouldBeLessThanOrEqualTo(cap);
        (status, _) = await hope.GetAsync($"v1/sets/{r.SetId}/findings?page_size={size}");
        status.ShouldBe(HttpStatusCode.OK);
        (await hope.GetAsync($"deduplication_sets/{r.SetId}/images/?page_size=-1")).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await hope.GetAsync($"deduplication_sets/{r.SetId}/images/?page=0")).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await hope.GetAsync($"deduplication_sets/{r.SetId}/duplicates/?reference_pk={string.Join(',', Enumerable.Range(0, 51))}")).Status.ShouldBe(HttpStatusCode.BadRequest);
        // No such set: 404 before the filter's 400 (the page reads the set with its findings; a bad filter resolves it first).
        (await hope.GetAsync($"deduplication_sets/{Guid.NewGuid()}/duplicates/?status_code=x")).Status.ShouldBe(HttpStatusCode.NotFound);
        (await hope.GetAsync($"deduplication_sets/{Guid.NewGuid()}/duplicates/")).Status.ShouldBe(HttpStatusCode.NotFound);
    }
}
