using System.Net;
using System.Text.Json.Nodes;
using Doppel.Storage;

namespace Doppel.Service.Tests;

/// <summary>Doppel's v1 resources: the transition table's 409s, reviewer decisions feeding the group's ignore list,
/// uploads, group settings snapshotted into sets, HOPE paths at the root prefix too.</summary>
public sealed class V1Tests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task IllegalMovesAre409AndTheTableIsPublished()
    {
        var v1 = new Hope(service.Client(service.WriteA));
        var (status, set) = await v1.PostAsync("v1/sets", new JsonObject { ["group"] = "V1-MOVES" });
        status.ShouldBe(HttpStatusCode.Created);
        var id = set!["id"]!.GetValue<string>();
        set["state"]!.GetValue<string>().ShouldBe("Ready");
        foreach (var action in new[] { "cancel", "retry" })
        {
            var (s, problem) = await v1.PostAsync($"v1/sets/{id}/{action}");
            s.ShouldBe(HttpStatusCode.Conflict);
            problem!["detail"]!.GetValue<string>().ShouldContain("allowed from");
        }
        (await v1.PostAsync("v1/sets", new JsonObject { ["group"] = "V1-MOVES" })).Status.ShouldBe(HttpStatusCode.Conflict);
        (await v1.PostAsync($"v1/sets/{id}/reject")).Body!["state"]!.GetValue<string>().ShouldBe("Rejected");
        (await v1.PostAsync($"v1/sets/{id}/approve")).Status.ShouldBe(HttpStatusCode.Conflict);
        (await v1.PostAsync("v1/sets", new JsonObject { ["group"] = "V1-MOVES" })).Status.ShouldBe(HttpStatusCode.Created);
        var (_, table) = await v1.GetAsync("v1/sets/transitions");
        table!.AsArray().ShouldContain(t => t!["from"]!.GetValue<string>() == "Processing" && t["action"]!.GetValue<string>() == "complete" && t["to"]!.GetValue<string>() == "Ready");
    }

    /// <summary>Live tokens are cached for a few seconds (<c>TokenHandlers.CacheFor</c>): a revocation or rotation must
    /// still refuse the old secret on the very next request, not after the cache expires.</summary>
    [Fact]
    public async Task ARevokedOrRotatedTokenIsRefusedAtOnceThoughItWasJustUsed()
    {
        var admin = new Hope(service.Client(service.AdminA));
        foreach (var retire in new[] { "revoke", "rotate" })
        {
            var (status, issued) = await admin.PostAsync("v1/tokens", new JsonObject { ["name"] = $"to-{retire}", ["scope"] = "read" });
            status.ShouldBe(HttpStatusCode.Created);
            var secret = issued!["token"]!.GetValue<string>();
            var id = issued["details"]!["id"]!.GetValue<long>();
            var user = new Hope(service.Client(secret));
            // Used twice: the second request is served from the cache.
            (await user.GetAsync("v1/sets")).Status.ShouldBe(HttpStatusCode.OK);
            (await user.GetAsync("v1/sets")).Status.ShouldBe(HttpStatusCode.OK);
            string? replacement = null;
            if (retire == "revoke")
                (await admin.SendAsync(HttpMethod.Delete, $"v1/tokens/{id}")).Status.ShouldBe(HttpStatusCode.NoContent);
            else
            {
                var (rotated, body) = await admin.PostAsync($"v1/tokens/{id}/rotate");
                rotated.ShouldBe(HttpStatusCode.OK);
                replacement = body!["token"]!.GetValue<string>();
            }
            (await user.GetAsync("v1/sets")).Status.ShouldBe(HttpStatusCode.Unauthorized, $"the {retire}d token is refused at once");
            if (replacement is not null)
                (await new Hope(service.Client(replacement)).GetAsync("v1/sets")).Status.ShouldBe(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task NotDuplicateDecisionGoesOnTheGroupsIgnoreList()
    {
        var v1 = new Hope(service.Client(service.WriteA));
        var (_, set) = await v1.PostAsync("v1/sets", new JsonObject { ["group"] = "V1-REVIEW" });
        var id = Guid.Parse(set!["id"]!.GetValue<string>());
        var (status, images) = await v1.PostAsync($"v1/sets/{id}/images", new JsonObject
        {
            ["images"] = new JsonArray { new JsonObject { ["reference_id"] = "P-1", ["key"] = "r/1.jpg" }, new JsonObject { ["reference_id"] = "P-2", ["key"] = "r/2.jpg" } },
        });
        status.ShouldBe(HttpStatusCode.OK);
        var tenant = (await service.Db.Tenants.FindAsync("tenant-a", TestContext.Current.CancellationToken))!.Id;
        await service.Db.SetsFor(tenant).ReplaceFindingsAsync(id, [new NewSetFinding(images!.AsArray()[0]!["id"]!.GetValue<long>(), images.AsArray()[1]!["id"]!.GetValue<long>(), 0.96f, 0.7f, 200)],
            TestContext.Current.CancellationToken);
        var (_, findings) = await v1.GetAsync($"v1/sets/{id}/findings?decision=none");
        findings!["count"]!.GetValue<int>().ShouldBe(1);
        var findingId = findings["results"]![0]!["id"]!.GetValue<long>();

        (status, var decided) = await v1.PostAsync($"v1/findings/{findingId}/decision", new JsonObject { ["decision"] = "not_duplicate", ["by"] = "reviewer-1" });
        status.ShouldBe(HttpStatusCode.OK);
        decided!["decision"]!.GetValue<string>().ShouldBe("not_duplicate");
        decided["decided_by"]!.GetValue<string>().ShouldStartWith("reviewer-1");
        (await v1.GetAsync($"v1/sets/{id}/findings?decision=none")).Body!["count"]!.GetValue<int>().ShouldBe(0);
        // HOPE's view: the pair is on the ignore list and no longer a duplicate (root prefix, no api/).
        var root = new Hope(service.Client(service.ReadA, prefix: ""));
        var ignored = await root.AllPagesAsync($"deduplication_sets/{id}/ignored/reference_pks/");
        ignored.ShouldHaveSingleItem()["first"]!.GetValue<string>().ShouldBe("P-1");
        (await root.AllPagesAsync($"deduplication_sets/{id}/duplicates/")).ShouldBeEmpty();
    }

    [Fact]
    public async Task SettingsAreSnapshottedAndApprovedGroupsAreFrozen()
    {
        var admin = new Hope(service.Client(service.AdminA));
        var (status, settings) = await admin.PostAsync("deduplication_set_groups/config/V1-CFG/", new JsonObject { ["duplicate_confidence_threshold"] = 0.8 });
        status.ShouldBe(HttpStatusCode.OK);
        settings!["duplicate_confidence_threshold"]!.GetValue<double>().ShouldBe(0.8);
        settings["face_detection_confidence_threshold"]!.GetValue<double>().ShouldBe(0.9);
        (await admin.PostAsync("deduplication_set_groups/config/V1-CFG/", new JsonObject { ["sharpness_threshold"] = 1.5 })).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.PostAsync("deduplication_set_groups/config/V1-CFG/", new JsonObject { ["no_such_setting"] = 0.1 })).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await new Hope(service.Client(service.WriteA)).PostAsync("deduplication_set_groups/config/V1-CFG/", new JsonObject())).Status.ShouldBe(HttpStatusCode.Forbidden);

        var (_, set) = await admin.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "V1-CFG" });
        set!["config"]!["duplicate_confidence_threshold"]!.GetValue<double>().ShouldBe(0.8);
        (await admin.PostAsync("deduplication_set_groups/config/V1-CFG/", new JsonObject { ["duplicate_confidence_threshold"] = 0.6 })).Status.ShouldBe(HttpStatusCode.OK);
        (await admin.GetAsync("deduplication_sets/V1-CFG/")).Body!["config"]!["duplicate_confidence_threshold"]!.GetValue<double>().ShouldBe(0.8);

        (await admin.PostAsync("deduplication_set_groups/V1-CFG/approve/")).Status.ShouldBe(HttpStatusCode.OK);
        (await admin.GetAsync("deduplication_sets/V1-CFG/")).Body!["state"]!.GetValue<string>().ShouldBe("Inactive");
        (await admin.PostAsync("deduplication_set_groups/config/V1-CFG/", new JsonObject { ["duplicate_confidence_threshold"] = 0.7 })).Status.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task UploadStoresContentAddressedAndRegisters()
    {
        var v1 = new Hope(service.Client(service.WriteA));
        var (_, set) = await v1.PostAsync("v1/sets", new JsonObject { ["group"] = "V1-UP" });
        var id = set!["id"]!.GetValue<string>();
        var bytes = new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3 };
        var (status, image) = await v1.PostAsync($"v1/sets/{id}/images/upload", new JsonObject { ["reference_id"] = "U-1", ["content_base64"] = Convert.ToBase64String(bytes) });
        status.ShouldBe(HttpStatusCode.Created);
        var key = image!["key"]!.GetValue<string>();
        key.ShouldStartWith("uploads/");
        File.ReadAllBytes(Path.Combine(service.Media, key)).ShouldBe(bytes);
        (await v1.PostAsync($"v1/sets/{id}/images/upload", new JsonObject { ["reference_id"] = "U-2", ["content_base64"] = "@@notbase64" })).Status.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task HealthReadinessAndOpenApi()
    {
        using var http = new HttpClient { BaseAddress = service.BaseUrl };
        (await http.GetAsync("healthz", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var ready = JsonNode.Parse(await http.GetStringAsync("readyz", TestContext.Current.CancellationToken))!;
        ready["checks"]!["database"]!.GetValue<string>().ShouldBe("ok");
        var doc = JsonNode.Parse(await http.GetStringAsync("openapi/v1.json", TestContext.Current.CancellationToken))!;
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToList();
        paths.ShouldContain(p => p.EndsWith("deduplication_sets/{key}/process", StringComparison.Ordinal) || p.EndsWith("deduplication_sets/{key}/process/", StringComparison.Ordinal));
        paths.ShouldContain("/api/v1/sets/{key}/findings");
        var ui = await http.GetAsync("scalar", TestContext.Current.CancellationToken);
        ui.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ui.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldNotContain("cdn.jsdelivr.net");
    }
}
