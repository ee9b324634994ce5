using System.Net;
using System.Text.Json.Nodes;
using Doppel.Testing;

namespace Doppel.Service.Tests;

/// <summary>
/// The HOPE registration system's whole flow against the real service, with a client written from
/// docs/hde-api.md: create a set → register real LFW photos by blob key (plus a missing file and a file that is
/// not an image) → process → the notification (the receiver reads the state when notified: it must already be
/// final) → findings (paged, filtered, absolute next URLs keeping the filter) → ignore a pair → approve; then the
/// group's key is free for a new set.
/// </summary>
public abstract class HopeFlowContract(ServiceFixture service)
{
    /// <summary>Four people, 3–4 photos each (LFW dev split).</summary>
    private static readonly string[] People = ["Aaron_Peirsol", "Abdullah_Gul", "Abel_Pacheco", "Abdullah"];

    [Fact]
    public async Task FullFlowFromCreateToApprove()
    {
        service.Require();
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var images = service.StagePhotos(lfw, "prog-1", People);
        int photos = images.Count;
        File.WriteAllText(Path.Combine(service.Media, "prog-1/not-an-image.jpg"), "this is text");
        images.Add(new JsonObject { ["reference_pk"] = "IND-TEXT", ["filename"] = "prog-1/not-an-image.jpg" });
        images.Add(new JsonObject { ["reference_pk"] = "IND-MISSING", ["filename"] = "prog-1/never-uploaded.jpg" });

        await using var receiver = await Receiver.StartAsync();
        var hope = new Hope(service.Client(service.WriteA));
        var observer = new Hope(service.Client(service.ReadA));
        receiver.OnCall = async _ => await observer.StateAsync("PROG-1");

        var (status, created) = await hope.PostAsync("deduplication_sets/", new JsonObject
        {
            ["reference_pk"] = "PROG-1",
            ["notification_url"] = new Uri(receiver.Url, "notify/PROG-1/").ToString(),
        });
        status.ShouldBe(HttpStatusCode.Created);
        created!["state"]!.GetValue<string>().ShouldBe("Ready");
        created["reference_pk"]!.GetValue<string>().ShouldBe("PROG-1");
        var id = created["id"]!.GetValue<string>();
        Guid.TryParse(id, out _).ShouldBeTrue();

        (status, var bulk) = await hope.PostAsync($"deduplication_sets/{id}/images_bulk/", images);
        status.ShouldBe(HttpStatusCode.OK);
        bulk!.AsArray().Count.ShouldBe(images.Count);
        // Idempotent per reference_pk; a bulk add leaves the state as it is.
        (status, bulk) = await hope.PostAsync("deduplication_sets/PROG-1/images_bulk/", JsonNode.Parse(images.ToJsonString()));
        status.ShouldBe(HttpStatusCode.OK);
        (await hope.AllPagesAsync("deduplication_sets/PROG-1/images/?page_size=5")).Count.ShouldBe(images.Count);
        (await hope.StateAsync(id)).ShouldBe("Ready");

        (status, var started) = await hope.PostAsync($"deduplication_sets/PROG-1/process/");
        status.ShouldBe(HttpStatusCode.OK);
        started!["message"]!.GetValue<string>().ShouldBe("started");
        var state = await hope.StateAsync(id);
        if (state == "Processing")
            (await hope.PostAsync($"deduplication_sets/{id}/process/")).Status.ShouldBe(HttpStatusCode.Conflict);

        (await hope.WaitForStateAsync(id, "Ready", "Failed")).ShouldBe("Ready");
        var calls = await receiver.WaitForAsync(c => c.Count >= 2);
        calls.Count.ShouldBe(2);
        calls.ShouldAllBe(c => c.Method == "GET" && c.Path == "/notify/PROG-1/");
        // The end notification goes out after the results are stored: the client reacting to it reads Ready.
        calls[1].Observed.ShouldBe("Ready");

        var findings = await hope.AllPagesAsync($"deduplication_sets/{id}/duplicates/?page_size=3");
        var pairs = findings.Where(f => f["status_code"]!.GetValue<int>() == 200).ToList();
        var problems = findings.Where(f => f["status_code"]!.GetValue<int>() != 200).ToList();
        problems.ShouldContain(f => f["first"]!["reference_pk"]!.GetValue<string>() == "IND-MISSING" && f["status_code"]!.GetValue<int>() == 404);
        problems.ShouldContain(f => f["first"]!["reference_pk"]!.GetValue<string>() == "IND-TEXT" && f["status_code"]!.GetValue<int>() == 500);
        problems.ShouldAllBe(f => f["second"]!["reference_pk"]!.GetValue<string>() == "" && f["score"]!.GetValue<double>() == 0);
        pairs.ShouldNotBeEmpty();
        foreach (var pair in pairs)
        {
            // Same person (the folder in the key), a 0–1 score at or above the default 0.5.
            Person(pair["first"]!).ShouldBe(Person(pair["second"]!));
            pair["score"]!.GetValue<double>().ShouldBeInRange(0.5, 1.0);
            DateTimeOffset.Parse(pair["updated_at"]!.GetValue<string>()).ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddHours(-1));
        }

        // Filter by reference_pk, followed through next: the filter is kept in every next URL.
        var chosen = pairs[0]["first"]!["reference_pk"]!.GetValue<string>();
        var filtered = await hope.AllPagesAsync($"deduplication_sets/{id}/duplicates/?reference_pk={chosen}&page_size=1");
        filtered.ShouldNotBeEmpty();
        filtered.ShouldAllBe(f => f["first"]!["reference_pk"]!.GetValue<string>() == chosen || f["second"]!["reference_pk"]!.GetValue<string>() == chosen);
        var (_, page1) = await hope.GetAsync($"deduplication_sets/{id}/duplicates/?reference_pk={chosen}&page_size=1");
        if (page1!["next"] is { } next)
            next.GetValue<string>().ShouldContain($"reference_pk={chosen}");

        // Group findings (filters by status_code).
        var groupRows = await hope.AllPagesAsync("deduplication_set_groups/PROG-1/findings/?status_code=200");
        groupRows.Count.ShouldBe(pairs.Count);

        // Ignore a pair by reference_pks: 201, the set is Modified, the pair is gone from the duplicates.
        var first = pairs[0]["first"]!["reference_pk"]!.GetValue<string>();
        var second = pairs[0]["second"]!["reference_pk"]!.GetValue<string>();
        var sorted = new[] { first, second }.Order(StringComparer.Ordinal).ToArray();
        (status, var ignored) = await hope.PostAsync($"deduplication_sets/{id}/ignored/reference_pks/", new JsonObject { ["first"] = sorted[0], ["second"] = sorted[1] });
        status.ShouldBe(HttpStatusCode.Created);
        ignored!["id"].ShouldNotBeNull();
        (await hope.StateAsync("PROG-1")).ShouldBe("Modified");
        var after = await hope.AllPagesAsync($"deduplication_sets/{id}/duplicates/");
        after.Count(f => f["status_code"]!.GetValue<int>() == 200).ShouldBe(pairs.Count - 1);
        after.ShouldNotContain(f => f["first"]!["reference_pk"]!.GetValue<string>() == first && f["second"]!["reference_pk"]!.GetValue<string>() == second);

        // Approve (the newest client's form): Inactive, and the key is free for a new set.
        (status, var ok) = await hope.PostAsync($"deduplication_sets/{id}/approve_or_reject/", new JsonObject { ["action"] = "merged", ["targets"] = new JsonArray() });
        status.ShouldBe(HttpStatusCode.OK);
        ok!["message"]!.GetValue<string>().ShouldBe("ok");
        (await hope.StateAsync(id)).ShouldBe("Inactive");
        (await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "PROG-1" })).Status.ShouldBe(HttpStatusCode.Created);
        (await hope.StateAsync("PROG-1")).ShouldBe("Ready");
    }

    /// <summary>A registration system registers one image per call from many threads. Every call must succeed: all
    /// of them read the new set Ready and move it to Modified, and on PostgreSQL they run at once, so all but one find
    /// it moved already (they used to get 409 for images that were stored: the isolation bench, session 8).</summary>
    [Fact]
    public async Task ConcurrentSingleRegistrationsAllSucceed()
    {
        service.Require();
        var hope = new Hope(service.Client(service.WriteA));
        (await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "CONCURRENT" })).Status.ShouldBe(HttpStatusCode.Created);
        const int calls = 32;
        using var start = new SemaphoreSlim(0);
        var registrations = Enumerable.Range(0, calls).Select(i => Task.Run(async () =>
        {
            await start.WaitAsync();
            return await hope.PostAsync("deduplication_sets/CONCURRENT/images/",
                new JsonObject { ["reference_pk"] = $"c-{i}", ["filename"] = $"concurrent/{i}.jpg" });
        })).ToList();
        start.Release(calls);
        var statuses = (await Task.WhenAll(registrations)).Select(r => r.Status).ToList();
        statuses.ShouldAllBe(s => s == HttpStatusCode.OK || s == HttpStatusCode.Created, string.Join(", ", statuses));
        (await hope.AllPagesAsync("deduplication_sets/CONCURRENT/images/?page_size=100")).Count.ShouldBe(calls);
        (await hope.StateAsync("CONCURRENT")).ShouldBe("Modified");
    }

    private static string Person(JsonNode side) => side["filename"]!.GetValue<string>().Split('/')[1];
}

/// <summary>The HOPE flow on SQLite.</summary>
public sealed class HopeFlowTests(ServiceFixture service) : HopeFlowContract(service), IClassFixture<ServiceFixture>;

/// <summary>The HOPE flow on PostgreSQL (issue 10: the flow passes on both engines).</summary>
public sealed class PostgresHopeFlowTests(PostgresServiceFixture service) : HopeFlowContract(service), IClassFixture<PostgresServiceFixture>;
