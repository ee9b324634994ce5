using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Doppel.Application;
using Doppel.Application.Sets;
using Doppel.Storage;
using Microsoft.AspNetCore.Http;

namespace Doppel.Service;

/// <summary>
/// The HOPE deduplication engine's API (docs/hde-api.md), served at the root and under <c>api/</c>: the same paths
/// with their trailing slashes, field names, state names and 409s, so a registration system integrated with HOPE
/// works by changing its base URL and token. Each endpoint parses, calls <see cref="SetHandlers"/>, and shapes the
/// answer; no rule lives here.
/// </summary>
internal static class HopeApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var prefix in new[] { "", "/api" })
        {
            var read = app.MapGroup(prefix).WithTags("HOPE-compatible").RequireScope(TokenScope.Read);
            var write = app.MapGroup(prefix).WithTags("HOPE-compatible").RequireScope(TokenScope.Write);
            var admin = app.MapGroup(prefix).WithTags("HOPE-compatible").RequireScope(TokenScope.Admin);
            string sets = "/deduplication_sets";

            read.MapGet(sets + "/", ListSets);
            write.MapPost(sets + "/", CreateSet);
            read.MapGet(sets + "/{key}/", GetSet);
            write.MapDelete(sets + "/{key}/", DeleteSet);
            write.MapPost(sets + "/{key}/images_bulk/", (HttpContext c, string key, SetHandlers h) => AddImages(c, key, h, bulk: true));
            write.MapDelete(sets + "/{key}/images_bulk/", ClearImages);
            write.MapDelete(sets + "/{key}/images_bulk/clear/", ClearImages);
            write.MapPost(sets + "/{key}/images_bulk/clear/", ClearImages);
            read.MapGet(sets + "/{key}/images/", ListImages);
            write.MapPost(sets + "/{key}/images/", (HttpContext c, string key, SetHandlers h) => AddImages(c, key, h, bulk: false));
            write.MapDelete(sets + "/{key}/images/{reference_pk}/", RemoveImage);
            write.MapPost(sets + "/{key}/process/", Process);
            read.MapGet(sets + "/{key}/duplicates/", Duplicates);
            write.MapPost(sets + "/{key}/ignored/filenames/", (HttpContext c, string key, SetHandlers h) => Ignore(c, key, h, IgnoredKeyKind.Filename));
            write.MapPost(sets + "/{key}/ignored/reference_pks/", (HttpContext c, string key, SetHandlers h) => Ignore(c, key, h, IgnoredKeyKind.ReferencePk));
            read.MapGet(sets + "/{key}/ignored/filenames/", (HttpContext c, string key, SetHandlers h) => ListIgnored(c, key, h, IgnoredKeyKind.Filename));
            read.MapGet(sets + "/{key}/ignored/reference_pks/", (HttpContext c, string key, SetHandlers h) => ListIgnored(c, key, h, IgnoredKeyKind.ReferencePk));
            write.MapPost(sets + "/{key}/approve_or_reject/", ApproveOrReject);

            read.MapGet("/deduplication_set_groups/{group}/findings/", GroupFindings);
            write.MapPost("/deduplication_set_groups/{group}/approve/", ApproveGroup);
            read.MapGet("/deduplication_set_groups/config/{group}/", GetConfig);
            admin.MapPost("/deduplication_set_groups/config/{group}/", SetConfig);
        }
    }

    internal static object SetJson(DeduplicationSet s) => new Dictionary<string, object?>
    {
        ["id"] = s.Id,
        ["reference_pk"] = s.GroupKey,
        ["name"] = s.GroupKey,
        ["state"] = s.State.ToString(),
        ["error"] = s.Error ?? "",
        ["notification_url"] = s.NotificationUrl,
        ["config"] = GroupSettings.FromJson(s.SettingsJson),
        ["created_at"] = s.CreatedAt,
        ["updated_at"] = s.UpdatedAt,
    };

    internal static object ImageJson(SetImage i) => new HopeImage(i.Id, i.ReferencePk, i.Filename, i.StatusCode, i.CreatedAt);

    internal static object FindingJson(SetFinding f) => new HopeFinding(f.Id, new HopeSide(f.FirstReferencePk, f.FirstFilename),
        new HopeSide(f.SecondReferencePk, f.SecondFilename), Math.Round(f.Confidence, 4), f.StatusCode, f.UpdatedAt);

    // HOPE's rows as records rather than dictionaries: a findings page of 100 serialised 300 dictionaries and boxed
    // every value (about ten allocations a row, counted from the shapes); the JSON is the same, names and order.
    private sealed record HopeImage(
        [property: JsonPropertyName("id")] long Id,
        [property: JsonPropertyName("reference_pk")] string ReferencePk,
        [property: JsonPropertyName("filename")] string Filename,
        [property: JsonPropertyName("status_code")] int? StatusCode,
        [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt);

    private sealed record HopeSide(
        [property: JsonPropertyName("reference_pk")] string? ReferencePk,
        [property: JsonPropertyName("filename")] string? Filename);

    private sealed record HopeFinding(
        [property: JsonPropertyName("id")] long Id,
        [property: JsonPropertyName("first")] HopeSide First,
        [property: JsonPropertyName("second")] HopeSide Second,
        [property: JsonPropertyName("score")] double Score,
        [property: JsonPropertyName("status_code")] int StatusCode,
        [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt);

    private static async Task<IResult> ListSets(HttpContext c, IDoppelDatabase db)
    {
        var page = PageRequest.From(c.Request);
        var sets = db.SetsFor(c.Tenant());
        long count = await sets.CountSetsAsync(null, null, c.RequestAborted);
        var items = await sets.ListSetsAsync(null, null, page.Offset, page.Size, c.RequestAborted);
        return Results.Ok(page.Envelope(c.Request, count, items.Select(SetJson)));
    }

    private static async Task<IResult> CreateSet(HttpContext c, SetHandlers h)
    {
        var body = await JsonBody.ObjectAsync(c.Request);
        var config = body["config"] switch
        {
            null => null,
            JsonObject o => o,
            _ => throw new ValidationException("'config' must be an object."),
        };
        var set = await h.CreateAsync(c.Tenant(), body.Str("reference_pk") ?? body.Str("name"), body.Str("notification_url"), config, c.RequestAborted);
        return Results.Created($"{c.Request.PathBase}{c.Request.Path}{set.Id}/", SetJson(set));
    }

    private static async Task<IResult> GetSet(HttpContext c, string key, SetHandlers h) =>
        Results.Ok(SetJson(await h.ResolveAsync(c.Tenant(), key, c.RequestAborted)));

    private static async Task<IResult> DeleteSet(HttpContext c, string key, SetHandlers h)
    {
        await h.DeleteAsync(c.Tenant(), key, c.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> AddImages(HttpContext c, string key, SetHandlers h, bool bulk)
    {
        var body = await JsonBody.ReadAsync(c.Request);
        bool single = body is JsonObject;
        var items = body switch
        {
            JsonArray list => list.Select((n, i) => n as JsonObject ?? throw new ValidationException($"image {i} must be an object.")).ToList(),
            JsonObject o => [o],
            _ => throw new ValidationException("The body must be an image object or a list of them."),
        };
        var images = items.Select(o => new ImageRegistration(o.Str("reference_pk")!, o.Str("filename")!)).ToList();
        var added = await h.AddImagesAsync(c.Tenant(), key, images, bulk, c.RequestAborted);
        return single && !bulk ? Results.Created((string?)null, ImageJson(added[0])) : Results.Ok(added.Select(ImageJson));
    }

    private static async Task<IResult> ClearImages(HttpContext c, string key, SetHandlers h)
    {
        int removed = await h.RemoveImagesAsync(c.Tenant(), key, null, c.RequestAborted);
        return Results.Ok(new { message = "ok", removed });
    }

    private static async Task<IResult> RemoveImage(HttpContext c, string key, string reference_pk, SetHandlers h)
    {
        int removed = await h.RemoveImagesAsync(c.Tenant(), key, [reference_pk], c.RequestAborted);
        return removed == 0 ? throw new NotFoundException($"No image '{reference_pk}' in the set.") : Results.NoContent();
    }

    private static async Task<IResult> ListImages(HttpContext c, string key, SetHandlers h, IDoppelDatabase db)
    {
        var page = PageRequest.From(c.Request);
        var set = await h.ResolveAsync(c.Tenant(), key, c.RequestAborted);
        long count = await db.SetsFor(c.Tenant()).CountImagesAsync(set.Id, c.RequestAborted);
        var items = await h.ListImagesAsync(c.Tenant(), set, page.Offset, page.Size, c.RequestAborted);
        return Results.Ok(page.Envelope(c.Request, count, items.Select(ImageJson)));
    }

    private static async Task<IResult> Process(HttpContext c, string key, SetHandlers h)
    {
        await h.ProcessAsync(c.Tenant(), key, c.RequestAborted);
        return Results.Ok(new { message = "started" });
    }

    /// <summary>The HOPE filters: <c>reference_pk=a,b,c</c> (up to 50; empty = none), <c>status_code</c>,
    /// <c>updated_after</c>/<c>updated_before</c> (ISO-8601). Pairs a reviewer declared different are left out.</summary>
    private static SetFindingQuery Query(HttpRequest request, PageRequest page)
    {
        string? refs = request.Query["reference_pk"];
        var list = string.IsNullOrEmpty(refs) ? null : refs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list is { Length: > 50 })
            throw new ValidationException("At most 50 reference_pk values per request.");
        return new SetFindingQuery
        {
            ReferencePks = list,
            StatusCode = Int(request, "status_code"),
            UpdatedAfter = Time(request, "updated_after"),
            UpdatedBefore = Time(request, "updated_before"),
            ExcludeNotDuplicate = true,
            Offset = page.Offset,
            Limit = page.Size,
        };
    }

    internal static int? Int(HttpRequest request, string name)
    {
        string? text = request.Query[name];
        if (string.IsNullOrEmpty(text))
            return null;
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : throw new ValidationException($"{name} must be a whole number.");
    }

    internal static DateTimeOffset? Time(HttpRequest request, string name)
    {
        string? text = request.Query[name];
        if (string.IsNullOrEmpty(text))
            return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t : throw new ValidationException($"{name} must be an ISO-8601 time.");
    }

    private static async Task<IResult> Duplicates(HttpContext c, string key, SetHandlers h)
    {
        var page = PageRequest.From(c.Request);
        SetFindingQuery query;
        try
        {
            query = Query(c.Request, page);
        }
        catch (ValidationException)
        {
            // A missing set answers 404 before a bad filter's 400, as when the set was resolved first.
            await h.ResolveAsync(c.Tenant(), key, c.RequestAborted);
            throw;
        }
        var found = await h.FindingsAsync(c.Tenant(), key, query, c.RequestAborted);
        return Results.Ok(page.Envelope(c.Request, found.Count, found.Items.Select(FindingJson)));
    }

    private static async Task<IResult> Ignore(HttpContext c, string key, SetHandlers h, IgnoredKeyKind kind)
    {
        var body = await JsonBody.ObjectAsync(c.Request);
        var pair = await h.IgnoreAsync(c.Tenant(), key, kind, body.Str("first"), body.Str("second"), c.Actor(), c.RequestAborted);
        return Results.Created((string?)null, new { id = pair.Id, first = pair.First, second = pair.Second });
    }

    private static async Task<IResult> ListIgnored(HttpContext c, string key, SetHandlers h, IgnoredKeyKind kind)
    {
        var set = await h.ResolveAsync(c.Tenant(), key, c.RequestAborted);
        var pairs = await c.RequestServices.GetRequiredService<IDoppelDatabase>().SetsFor(c.Tenant()).ListIgnoredAsync(set.GroupId, c.RequestAborted);
        var page = PageRequest.From(c.Request);
        var matching = pairs.Where(p => p.Kind == kind).ToList();
        return Results.Ok(page.Envelope(c.Request, matching.Count,
            matching.Skip((int)Math.Min(page.Offset, int.MaxValue)).Take(page.Size).Select(p => new { id = p.Id, first = p.First, second = p.Second })));
    }

    private static async Task<IResult> ApproveOrReject(HttpContext c, string key, SetHandlers h)
    {
        var body = await JsonBody.ObjectAsync(c.Request);
        var action = body.Str("action") switch
        {
            "approve" or "merged" => SetAction.Approve,
            "reject" or "rejected" => SetAction.Reject,
            var other => throw new ValidationException($"action must be approve, reject, merged or rejected (got '{other}')."),
        };
        await h.ActAsync(c.Tenant(), key, action, c.RequestAborted);
        return Results.Ok(new { message = "ok" });
    }

    private static async Task<IResult> GroupFindings(HttpContext c, string group, SetHandlers h)
    {
        var page = PageRequest.From(c.Request);
        var found = await h.GroupFindingsAsync(c.Tenant(), group, Query(c.Request, page), c.RequestAborted);
        return Results.Ok(page.Envelope(c.Request, found.Count, found.Items.Select(FindingJson)));
    }

    private static async Task<IResult> ApproveGroup(HttpContext c, string group, SetHandlers h)
    {
        await h.ApproveGroupAsync(c.Tenant(), group, c.RequestAborted);
        return Results.Ok(new { message = "ok" });
    }

    private static async Task<IResult> GetConfig(HttpContext c, string group, SetHandlers h) =>
        Results.Ok(await h.GetSettingsAsync(c.Tenant(), group, c.RequestAborted));

    private static async Task<IResult> SetConfig(HttpContext c, string group, SetHandlers h)
    {
        var body = await JsonBody.ReadAsync(c.Request, required: false) ?? new JsonObject();
        var changes = body as JsonObject ?? throw new ValidationException("The body must be a JSON object of settings.");
        return Results.Ok(await h.UpdateSettingsAsync(c.Tenant(), group, changes, c.RequestAborted));
    }
}
