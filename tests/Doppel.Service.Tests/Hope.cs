using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Doppel.Service.Tests;

/// <summary>
/// A client written from docs/hde-api.md only (not Doppel's types): relative paths with trailing slashes joined to
/// a base ending in '/', JSON in and out, page-number paging followed through absolute <c>next</c> URLs.
/// </summary>
public sealed class Hope(HttpClient http)
{
    public HttpClient Http => http;

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Json(JsonNode node) => Json(node.ToJsonString());

    public async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Post, path, body);

    /// <summary>Every result of a paged listing: the first request with the filters, then <c>next</c> as given.</summary>
    public async Task<List<JsonNode>> AllPagesAsync(string path)
    {
        var all = new List<JsonNode>();
        string? next = path;
        while (next is not null)
        {
            var (status, body) = await GetAsync(next);
            status.ShouldBe(HttpStatusCode.OK);
            all.AddRange(body!["results"]!.AsArray().Select(n => n!));
            next = body["next"]?.GetValue<string>();
            if (next is not null)
                new Uri(next).IsAbsoluteUri.ShouldBeTrue();
        }
        return all;
    }

    public async Task<string> StateAsync(string key)
    {
        var (status, body) = await GetAsync($"deduplication_sets/{key}/");
        status.ShouldBe(HttpStatusCode.OK);
        return body!["state"]!.GetValue<string>();
    }

    public async Task<string> WaitForStateAsync(string key, params string[] states)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var state = await StateAsync(key);
            if (states.Contains(state) || DateTime.UtcNow > deadline)
                return state;
            await Task.Delay(100);
        }
    }
}
