using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Doppel.Service.Tests;

/// <summary>
/// Signed webhooks delivered to real HTTP receivers on 127.0.0.1: one that answers 503 to the first three calls,
/// one whose port has nobody listening for a while. Every attempt is logged; retries back off exponentially
/// (the fixture's policy: 300 ms, doubled); each delivered call's HMAC-SHA256 signature verifies under the secret.
/// </summary>
public sealed class WebhookTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    [Fact]
    public async Task StateChangesAreSignedRetriedAndLogged()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.FailFirst = 3;
        int downPort = Ports.Free();
        var admin = new Hope(service.Client(service.AdminA));
        var (status, hook) = await admin.PostAsync("v1/webhooks", new JsonObject { ["url"] = new Uri(receiver.Url, "hooks/doppel").ToString() });
        status.ShouldBe(HttpStatusCode.Created);
        var secret = hook!["secret"]!.GetValue<string>();
        (status, var downHook) = await admin.PostAsync("v1/webhooks", new JsonObject { ["url"] = $"http://127.0.0.1:{downPort}/later" });
        status.ShouldBe(HttpStatusCode.Created);

        // An empty set processes without models: Ready → Processing → Ready, two state changes.
        var hope = new Hope(service.Client(service.WriteA));
        (status, var set) = await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "HOOKS-1" });
        status.ShouldBe(HttpStatusCode.Created);
        var setId = set!["id"]!.GetValue<string>();
        (await hope.PostAsync("deduplication_sets/HOOKS-1/process/")).Status.ShouldBe(HttpStatusCode.OK);
        (await hope.WaitForStateAsync(setId, "Ready")).ShouldBe("Ready");

        var calls = await receiver.WaitForAsync(c => c.Count(x => x.AnsweredWith == 200) >= 2);
        calls.Count.ShouldBe(5);
        var delivered = calls.Where(c => c.AnsweredWith == 200).ToList();
        var states = new List<(string Old, string New)>();
        foreach (var call in delivered)
        {
            call.Method.ShouldBe("POST");
            var signature = call.Headers["X-Doppel-Signature"];
            var t = signature.Split(',')[0]["t=".Length..];
            var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + call.Body)));
            signature.ShouldBe($"t={t},v1={expected}");
            var payload = JsonNode.Parse(call.Body)!;
            payload["set_id"]!.GetValue<string>().ShouldBe(setId);
            payload["group"]!.GetValue<string>().ShouldBe("HOOKS-1");
            states.Add((payload["old_state"]!.GetValue<string>(), payload["new_state"]!.GetValue<string>()));
        }
        states.ShouldBe([("Ready", "Processing"), ("Processing", "Ready")], ignoreOrder: true);

        // The log: every attempt, with its answer, and waits that grow (300 ms, then 600 ms, ...).
        var (_, list) = await admin.GetAsync($"v1/webhooks/deliveries?set_id={setId}");
        var toReceiver = list!.AsArray().Where(d => d!["url"]!.GetValue<string>().Contains("/hooks/doppel")).ToList();
        toReceiver.Count.ShouldBe(2);
        int attempts = 0;
        foreach (var d in toReceiver)
        {
            var (_, detail) = await admin.GetAsync($"v1/webhooks/deliveries/{d!["id"]}");
            detail!["state"]!.GetValue<string>().ShouldBe("delivered");
            var log = detail["log"]!.AsArray();
            log[^1]!["status_code"]!.GetValue<int>().ShouldBe(200);
            log.Take(log.Count - 1).ShouldAllBe(a => a!["status_code"]!.GetValue<int>() == 503);
            for (int i = 1; i < log.Count; i++)
            {
                var gap = DateTimeOffset.Parse(log[i]!["at"]!.GetValue<string>()) - DateTimeOffset.Parse(log[i - 1]!["at"]!.GetValue<string>());
                gap.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(300 * Math.Pow(2, i - 1) - 20));
            }
            attempts += log.Count;
        }
        attempts.ShouldBe(5);

        // The endpoint that was down: attempts fail with no answer, then it comes up and gets both events.
        var down = await WaitForAttemptsAsync(admin, setId, downPort, 2);
        down.ShouldAllBe(a => a!["status_code"] == null && a!["error"] != null);
        await using var late = await Receiver.StartAsync(downPort);
        var lateCalls = await late.WaitForAsync(c => c.Count >= 2, TimeSpan.FromSeconds(30));
        lateCalls.Count.ShouldBe(2);
        lateCalls.ShouldAllBe(c => c.Path == "/later" && c.Headers.ContainsKey("X-Doppel-Signature"));
    }

    private static async Task<List<JsonNode?>> WaitForAttemptsAsync(Hope admin, string setId, int port, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (_, list) = await admin.GetAsync($"v1/webhooks/deliveries?set_id={setId}");
            var ids = list!.AsArray().Where(d => d!["url"]!.GetValue<string>().Contains($":{port}/")).Select(d => d!["id"]!.ToString()).ToList();
            var logs = new List<JsonNode?>();
            foreach (var id in ids)
                logs.AddRange((await admin.GetAsync($"v1/webhooks/deliveries/{id}")).Body!["log"]!.AsArray());
            if (ids.Count == 2 && logs.Count >= atLeast * 2 || DateTime.UtcNow > deadline)
                return logs;
            await Task.Delay(100);
        }
    }
}
