using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Doppel.Application;
using Doppel.Application.Sets;
using Doppel.Application.Tokens;
using Doppel.Storage;
using Microsoft.AspNetCore.Http;

namespace Doppel.Service;

/// <summary>
/// Doppel's own API under <c>/api/v1</c>: what HOPE lacks, as resources — sets with explicit actions over the
/// transition table, image registration and upload, findings with filters and reviewer decisions, runs with
/// progress, tokens and webhooks of the caller's tenant. Lists are paged like HOPE's (page/page_size, at most 1,000
/// here).
/// </summary>
internal static class V1Api
{
    private const int MaxPage = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/v1").WithTags("Doppel v1").RequireScope(TokenScope.Read);
        var write = app.MapGroup("/api/v1").WithTags("Doppel v1").RequireScope(TokenScope.Write);
        var admin = app.MapGroup("/api/v1").WithTags("Doppel v1").RequireScope(TokenScope.Admin);

        read.MapGet("/tenant", async (HttpContext c, IDoppelDatabase db) =>
        {
            var t = await db.Tenants.GetAsync(c.Tenant(), c.RequestAborted);
            return Results.Ok(new { id = t!.Id.Value, name = t.Name, token = TokenJson(c.Token()) });
        });

        read.MapGet("/sets/transitions", () => Results.Ok(SetTransitions.All.Select(t => new { from = t.From.ToString(), action = Word(t.Action), to = t.To.ToString() })));
        read.MapGet("/sets", ListSets);
        write.MapPost("/sets", CreateSet);
        read.MapGet("/sets/{key}", GetSet);
        write.MapDelete("/sets/{key}", async (HttpContext c, string key, SetHandlers h) =>
        {
            await h.DeleteAsync(c.Tenant(), key, c.RequestAborted);
            return Results.NoContent();
        });
        foreach (var action in new[] { SetAction.Process, SetAction.Cancel, SetAction.Retry, SetAction.Approve, SetAction.Reject })
            write.MapPost($"/sets/{{key}}/{Word(action)}", (HttpContext c, string key, SetHandlers h) => Act(c, key, action, h));
        read.MapGet("/sets/{key}/images", ListImages);
        write.MapPost("/sets/{key}/images", RegisterImages);
        write.MapPost("/sets/{key}/images/upload", Upload).DisableAntiforgery();
        read.MapGet("/sets/{key}/findings", Findings);
        read.MapGet("/findings/{id:long}", async (HttpContext c, long id, IDoppelDatabase db) =>
            Results.Ok(FindingJson(await db.SetsFor(c.Tenant()).GetFindingAsync(id, c.RequestAborted) ?? throw new NotFoundException($"No finding {id}."))));
        write.MapPost("/findings/{id:long}/decision", Decide);
        read.MapGet("/runs/{id:long}", async (HttpContext c, long id, IDoppelDatabase db) =>
            Results.Ok(RunJson(await db.For(c.Tenant()).Runs.GetAsync(id, c.RequestAborted) ?? throw new NotFoundException($"No run {id}."))));

        read.MapGet("/groups", async (HttpContext c, IDoppelDatabase db) =>
        {
            var page = PageRequest.From(c.Request, 100, MaxPage);
            var sets = db.SetsFor(c.Tenant());
            var groups = await sets.ListGroupsAsync(page.Offset, page.Size, c.RequestAborted);
            return Results.Ok(page.Envelope(c.Request, await sets.CountGroupsAsync(c.RequestAborted),
                groups.Select(g => new { name = g.ReferencePk, settings = GroupSettings.FromJson(g.SettingsJson), created_at = g.CreatedAt, updated_at = g.UpdatedAt })));
        });
        read.MapGet("/groups/{group}/settings", async (HttpContext c, string group, SetHandlers h) => Results.Ok(await h.GetSettingsAsync(c.Tenant(), group, c.RequestAborted)));
        admin.MapPatch("/groups/{group}/settings", async (HttpContext c, string group, SetHandlers h) =>
            Results.Ok(await h.UpdateSettingsAsync(c.Tenant(), group, await JsonBody.ObjectAsync(c.Request), c.RequestAborted)));

        admin.MapGet("/tokens", async (HttpContext c, IDoppelDatabase db) => Results.Ok((await db.Tokens.ListAsync(c.Tenant(), c.RequestAborted)).Select(TokenJson)));
        admin.MapPost("/tokens", async (HttpContext c, TokenHandlers tokens) =>
        {
            var body = await JsonBody.ObjectAsync(c.Request);
            var scope = ParseScope(body.Str("scope") ?? "read");
            var issued = await tokens.IssueAsync(c.Tenant(), body.Str("name"), scope, c.RequestAborted);
            return Results.Created($"/api/v1/tokens/{issued.Token.Id}", new { token = issued.Secret, details = TokenJson(issued.Token) });
        });
        admin.MapPost("/tokens/{id:long}/rotate", async (HttpContext c, long id, TokenHandlers tokens) =>
        {
            var issued = await tokens.RotateAsync(c.Tenant(), id, c.RequestAborted);
            return Results.Ok(new { token = issued.Secret, details = TokenJson(issued.Token) });
        });
        admin.MapDelete("/tokens/{id:long}", async (HttpContext c, long id, TokenHandlers tokens) =>
        {
            await tokens.RevokeAsync(c.Tenant(), id, c.RequestAborted);
            return Results.NoContent();
        });

        admin.MapGet("/webhooks", async (HttpContext c, IDoppelDatabase db) =>
            Results.Ok((await db.Webhooks.ListEndpointsAsync(c.Tenant(), c.RequestAborted)).Select(e => new { id = e.Id, url = e.Url, created_at = e.CreatedAt })));
        admin.MapPost("/webhooks", AddWebhook);
        admin.MapDelete("/webhooks/{id:long}", async (HttpContext c, long id, IDoppelDatabase db) =>
            await db.Webhooks.RemoveEndpointAsync(c.Tenant(), id, c.RequestAborted) ? Results.NoContent() : throw new NotFoundException($"No webhook {id}."));
        read.MapGet("/webhooks/deliveries", async (HttpContext c, IDoppelDatabase db) =>
        {
            var page = PageRequest.From(c.Request, 100, MaxPage);
            Guid? set = Guid.TryParse(c.Request.Query["set_id"], out var g) ? g : null;
            var items = await db.Webhooks.ListDeliveriesAsync(c.Tenant(), set, page.Offset, page.Size, c.RequestAborted);
            return Results.Ok(items.Select(d => DeliveryJson(d, null)));
        });
        read.MapGet("/webhooks/deliveries/{id:long}", async (HttpContext c, long id, IDoppelDatabase db) =>
        {
            var d = await db.Webhooks.GetDeliveryAsync(c.Tenant(), id, c.RequestAborted) ?? throw new NotFoundException($"No delivery {id}.");
            return Results.Ok(DeliveryJson(d, await db.Webhooks.ListAttemptsAsync(id, c.RequestAborted)));
        });
        admin.MapPost("/webhooks/deliveries/{id:long}/resend", async (HttpContext c, long id, IDoppelDatabase db) =>
            await db.Webhooks.ResendAsync(c.Tenant(), id, c.RequestAborted) ? Results.Accepted() : throw new NotFoundException($"No delivery {id}."));
    }

    private static string Word(SetAction action) => action.ToString().ToLowerInvariant();

    private static TokenScope ParseScope(string word) => word switch
    {
        "read" => TokenScope.Read,
        "write" => TokenScope.Write,
        "admin" => TokenScope.Admin,
        _ => throw new ValidationException("scope must be read, write or admin."),
    };

    internal static object TokenJson(ApiToken t) => new
    {
        id = t.Id, name = t.Name, prefix = t.Prefix, scope = t.Scope.ToString().ToLowerInvariant(),
        created_at = t.CreatedAt, revoked_at = t.RevokedAt, last_used_at = t.LastUsedAt,
    };

    internal static object RunJson(RunRecord r) => new
    {
        id = r.Id, kind = r.Kind, state = r.State.ToString().ToLowerInvariant(), total = r.Total, processed = r.Processed, rejected = r.Rejected,
        started_at = r.StartedAt, finished_at = r.FinishedAt, error = r.Error,
    };

    internal static object DeliveryJson(WebhookDelivery d, IReadOnlyList<DeliveryAttempt>? attempts) => new
    {
        id = d.Id, kind = d.Kind == DeliveryKind.Signed ? "signed" : "hope_get", url = d.Url, @event = d.EventType, state = d.State.ToString().ToLowerInvariant(),
        attempts = d.Attempts, next_attempt_at = d.NextAttemptAt, created_at = d.CreatedAt, set_id = d.SetId,
        log = attempts?.Select(a => new { number = a.Number, at = a.At, status_code = a.StatusCode, error = a.Error, duration_ms = a.DurationMs }),
    };

    internal static object FindingJson(SetFinding f) => new
    {
        id = f.Id, set_id = f.SetId,
        first = new { image_id = f.FirstImageId, reference_id = f.FirstReferencePk, key = f.FirstFilename },
        second = f.SecondImageId is null ? null : new { image_id = f.SecondImageId, reference_id = f.SecondReferencePk, key = f.SecondFilename },
        score = f.Score, confidence = f.Confidence, status_code = f.StatusCode, updated_at = f.UpdatedAt,
        decision = f.Decision switch { FindingDecision.Confirmed => "confirmed", FindingDecision.NotDuplicate => "not_duplicate", _ => null },
        decided_by = f.DecidedBy, decided_at = f.DecidedAt,
    };

    private static async Task<object> SetJsonAsync(HttpContext c, DeduplicationSet s)
    {
        var db = c.RequestServices.GetRequiredService<IDoppelDatabase>();
        var run = s.RunId is long id ? await db.For(c.Tenant()).Runs.GetAsync(id, c.RequestAborted) : null;
        return new
        {
            id = s.Id, group = s.GroupKey, state = s.State.ToString(), error = s.Error, notification_url = s.NotificationUrl,
            settings = GroupSettings.FromJson(s.SettingsJson),
            images = await db.SetsFor(c.Tenant()).CountImagesAsync(s.Id, c.RequestAborted),
            run = run is null ? null : RunJson(run),
            created_at = s.CreatedAt, updated_at = s.UpdatedAt,
        };
    }

    private static async Task<IResult> ListSets(HttpContext c, IDoppelDatabase db)
    {
        var page = PageRequest.From(c.Request, 100, MaxPage);
        var sets = db.SetsFor(c.Tenant());
        long? groupId = null;
        if (c.Request.Query["group"].ToString() is { Length: > 0 } groupKey)
            groupId = (await sets.FindGroupAsync(groupKey, c.RequestAborted))?.Id ?? -1;
        SetState[]? states = null;
        if (c.Request.Query["state"].ToString() is { Length: > 0 } state)
            states = [Enum.TryParse<SetState>(state, ignoreCase: true, out var s) ? s : throw new ValidationException($"Unknown state '{state}'.")];
        var items = await sets.ListSetsAsync(groupId, states, page.Offset, page.Size, c.RequestAborted);
        var json = new List<object>();
        foreach (var s in items)
            json.Add(await SetJsonAsync(c, s));
        return Results.Ok(page.Envelope(c.Request, await sets.CountSetsAsync(groupId, states, c.RequestAborted), json));
    }

    private static async Task<IResult> CreateSet(HttpContext c, SetHandlers h)
    {
        var body = await JsonBody.ObjectAsync(c.Request);
        var settings = body["settings"] as JsonObject;
        var set = await h.CreateAsync(c.Tenant(), body.Str("group"), body.Str("notification_url"), settings, c.RequestAborted);
        return Results.Created($"/api/v1/sets/{set.Id}", await SetJsonAsync(c, set));
    }

    private static async Task<IResult> GetSet(HttpContext c, string key, SetHandlers h) =>
        Results.Ok(await SetJsonAsync(c, await h.ResolveAsync(c.Tenant(), key, c.RequestAborted)));

    private static async Task<IResult> Act(HttpContext c, string key, SetAction action, SetHandlers h) =>
        Results.Ok(await SetJsonAsync(c, await h.ActAsync(c.Tenant(), key, action, c.RequestAborted)));

    private static object ImageJson(SetImage i) => ImageWithQualityJson(i, null);

    /// <param name="quality">The quality of the face its status is judged on (0–1; null before analysis or without a face).</param>
    private static object ImageWithQualityJson(SetImage i, float? quality) => new
    {
        id = i.Id, reference_id = i.ReferencePk, key = i.Filename, status_code = i.StatusCode, quality, created_at = i.CreatedAt, updated_at = i.UpdatedAt,
    };

    private static async Task<IResult> ListImages(HttpContext c, string key, SetHandlers h, IDoppelDatabase db)
    {
        var page = PageRequest.From(c.Request, 100, MaxPage);
        var set = await h.ResolveAsync(c.Tenant(), key, c.RequestAborted);
        var items = await h.ListImagesAsync(c.Tenant(), set, page.Offset, page.Size, c.RequestAborted);
        var quality = await h.FaceQualityAsync(c.Tenant(), items, c.RequestAborted);
        return Results.Ok(page.Envelope(c.Request, await db.SetsFor(c.Tenant()).CountImagesAsync(set.Id, c.RequestAborted),
            items.Select(i => ImageWithQualityJson(i, quality.TryGetValue(i.Id, out var q) ? q : null))));
    }

    private static async Task<IResult> RegisterImages(HttpContext c, string key, SetHandlers h)
    {
        var body = await JsonBody.ObjectAsync(c.Request);
        var list = body["images"] as JsonArray ?? throw new ValidationException("'images' must be a list of {reference_id, key}.");
        var images = list.Select((n, i) => n as JsonObject ?? throw new ValidationException($"image {i} must be an object."))
            .Select(o => new ImageRegistration(o.Str("reference_id")!, o.Str("key")!)).ToList();
        var added = await h.AddImagesAsync(c.Tenant(), key, images, bulk: true, c.RequestAborted);
        return Results.Ok(added.Select(ImageJson));
    }

    /// <summary>
    /// An image sent with the request (multipart field <c>file</c>, or JSON <c>{reference_id, content_base64}</c>):
    /// stored in the media folder under <c>uploads/TENANT/SHA256.EXT</c> (content-addressed: the same bytes twice are
    /// one file) and registered. Larger than the upload limit → 413.
    /// </summary>
    private static async Task<IResult> Upload(HttpContext c, string key, SetHandlers h, MediaFolder media, ServiceOptions options)
    {
        // The set first: nothing is written for a set the caller cannot see.
        var set = await h.ResolveAsync(c.Tenant(), key, c.RequestAborted);
        string? referenceId;
        byte[] bytes;
        string extension;
        if (c.Request.HasFormContentType)
        {
            var form = await c.Request.ReadFormAsync(c.RequestAborted);
            var file = form.Files["file"] ?? throw new ValidationException("The form needs a 'file' field.");
            referenceId = form["reference_id"].ToString();
            if (file.Length > options.MaxUploadBytes)
                return TooLarge(options);
            using var stream = new MemoryStream();
            await file.CopyToAsync(stream, c.RequestAborted);
            bytes = stream.ToArray();
            extension = Path.GetExtension(file.FileName);
        }
        else
        {
            var body = await JsonBody.ObjectAsync(c.Request);
            referenceId = body.Str("reference_id");
            var b64 = body.Str("content_base64") ?? throw new ValidationException("content_base64 is required.");
            if (b64.Length / 4L * 3 > options.MaxUploadBytes + 3)
                return TooLarge(options);
            try
            {
                bytes = Convert.FromBase64String(b64);
            }
            catch (FormatException)
            {
                throw new ValidationException("content_base64 is not valid base64.");
            }
            extension = body.Str("extension") ?? ".jpg";
        }
        if (bytes.Length > options.MaxUploadBytes)
            return TooLarge(options);
        if (bytes.Length == 0)
            throw new ValidationException("The image is empty.");
        extension = extension.ToLowerInvariant() is var e && e is ".jpg" or ".jpeg" or ".png" or ".bmp" or ".webp" or ".tif" or ".tiff" ? e : ".jpg";
        var relative = $"uploads/{c.Tenant()}/{Convert.ToHexStringLower(SHA256.HashData(bytes))}{extension}";
        var path = media.PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
        {
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            await File.WriteAllBytesAsync(temp, bytes, c.RequestAborted);
            File.Move(temp, path, overwrite: true);
        }
        var added = await h.AddImagesAsync(c.Tenant(), set.Id.ToString("D"), [new ImageRegistration(referenceId!, relative)], bulk: true, c.RequestAborted);
        return Results.Created((string?)null, ImageJson(added[0]));
    }

    private static IResult TooLarge(ServiceOptions options) =>
        Problem.Of(413, "Image too large", $"Uploads are limited to {options.MaxUploadBytes.ToString(CultureInfo.InvariantCulture)} bytes.");

    private static async Task<IResult> Findings(HttpContext c, string key, SetHandlers h)
    {
        var page = PageRequest.From(c.Request, 100, MaxPage);
        var set = await h.ResolveAsync(c.Tenant(), key, c.RequestAborted);
        string? min = c.Request.Query["min_score"];
        string? decision = c.Request.Query["decision"];
        var query = new SetFindingQuery
        {
            StatusCode = HopeApi.Int(c.Request, "status_code"),
            MinScore = string.IsNullOrEmpty(min) ? null
                : float.TryParse(min, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) ? m : throw new ValidationException("min_score must be a number."),
            UpdatedAfter = HopeApi.Time(c.Request, "updated_after"),
            UpdatedBefore = HopeApi.Time(c.Request, "updated_before"),
            Undecided = decision switch
            {
                null or "" => null,
                "none" => true,
                "any" => false,
                _ => throw new ValidationException("decision must be none or any."),
            },
            Offset = page.Offset,
            Limit = page.Size,
        };
        var found = await h.FindingsAsync(c.Tenant(), set, query, c.RequestAborted);
        return Results.Ok(page.Envelope(c.Request, found.Count, found.Items.Select(FindingJson)));
    }

    private static async Task<IResult> Decide(HttpContext c, long id, SetHandlers h)
    {
        var body = await JsonBody.ObjectAsync(c.Request);
        FindingDecision? decision = body.Str("decision") switch
        {
            "confirmed" => FindingDecision.Confirmed,
            "not_duplicate" => FindingDecision.NotDuplicate,
            null => null,
            var other => throw new ValidationException($"decision must be confirmed, not_duplicate or null (got '{other}')."),
        };
        var by = body.Str("by") is { Length: > 0 and <= 100 } who ? $"{who} ({c.Actor()})" : c.Actor();
        return Results.Ok(FindingJson(await h.DecideAsync(c.Tenant(), id, decision, by, c.RequestAborted)));
    }

    private static async Task<IResult> AddWebhook(HttpContext c, IDoppelDatabase db)
    {
        var body = await JsonBody.ObjectAsync(c.Request);
        var url = body.Str("url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ValidationException("url must be an absolute http(s) URL.");
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var endpoint = await db.Webhooks.AddEndpointAsync(c.Tenant(), url!, secret, c.RequestAborted);
        return Results.Created($"/api/v1/webhooks/{endpoint.Id}", new { id = endpoint.Id, url = endpoint.Url, secret, created_at = endpoint.CreatedAt });
    }
}
