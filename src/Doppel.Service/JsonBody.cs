using System.Text.Json;
using System.Text.Json.Nodes;
using Doppel.Application;
using Microsoft.AspNetCore.Http;

namespace Doppel.Service;

/// <summary>Reads request bodies as JSON trees, so each endpoint accepts the shapes HOPE's clients send (an object or
/// a list) and answers malformed JSON with one clear 400.</summary>
internal static class JsonBody
{
    public static async Task<JsonNode?> ReadAsync(HttpRequest request, bool required = true)
    {
        try
        {
            var node = await JsonNode.ParseAsync(request.Body, documentOptions: new JsonDocumentOptions { MaxDepth = 16 }, cancellationToken: request.HttpContext.RequestAborted);
            if (node is null && required)
                throw new ValidationException("A JSON body is required.");
            return node;
        }
        catch (JsonException e)
        {
            if (!required && request.ContentLength is null or 0)
                return null;
            throw new ValidationException($"The body is not valid JSON: {e.Message}");
        }
    }

    public static async Task<JsonObject> ObjectAsync(HttpRequest request) =>
        await ReadAsync(request) as JsonObject ?? throw new ValidationException("The body must be a JSON object.");

    public static string? Str(this JsonObject o, string name)
    {
        var node = o[name];
        if (node is null)
            return null;
        if (node is JsonValue v && v.TryGetValue<string>(out var s))
            return s;
        if (node is JsonValue n && n.GetValueKind() == JsonValueKind.Number)
            return n.ToJsonString();
        throw new ValidationException($"'{name}' must be a string.");
    }
}
