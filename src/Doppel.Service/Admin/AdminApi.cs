using System.Globalization;
using System.Text.Json.Nodes;
using Doppel.Application;
using Doppel.Application.Admin;
using Doppel.Application.Models;
using Doppel.Application.Persons;
using Doppel.Application.Sets;
using Doppel.Application.Tokens;
using Doppel.Jobs;
using Doppel.Models;
using Doppel.Models.Catalog;
using Doppel.Models.Publishing;
using Doppel.Storage;
using Doppel.Vision.Embedding;
using Microsoft.AspNetCore.Antiforgery;

namespace Doppel.Service.Admin;

/// <summary>
/// The admin page's JSON calls under <c>/admin/api</c>, authenticated by the sign-in cookie (not API tokens): an
/// administrator or reviewer works across tenants, naming one with <c>?tenant=ID</c>. They call the same application
/// handlers as the REST API (<see cref="SetHandlers"/>, <see cref="TokenHandlers"/>), so a decision made here is
/// the one the API reports. Reviewers read sets and decide findings; everything else needs <see cref="AdminAuth.AdminPolicy"/>.
/// </summary>
internal static class AdminApi
{
    /// <summary>How many undecided findings the review queue ranks at most (sorted in memory by closeness to 0.5).</summary>
    private const int QueueWindow = 5000;

    /// <summary>How many findings the threshold explorer reads at most; a bigger set is explored on its first this many.</summary>
    private const int ExplorerWindow = 100_000;

    /// <summary>Persons listed, and faces shown per person, at most (largest persons first).</summary>
    private const int PersonsWindow = 200;

    public static void Map(IEndpointRouteBuilder app)
    {
        var reviewer = app.MapGroup("/admin/api").RequireAuthorization(AdminAuth.ReviewerPolicy).RequireCsrf().WithTags("Admin page").ExcludeFromDescription();
        var admin = app.MapGroup("/admin/api").RequireAuthorization(AdminAuth.AdminPolicy).RequireCsrf().WithTags("Admin page").ExcludeFromDescription();

        reviewer.MapGet("/me", (HttpContext c, IAntiforgery antiforgery, ServiceOptions options) => Results.Ok(new
        {
            name = c.User.Identity!.Name,
            role = c.User.IsInRole("admin") ? "admin" : "reviewer",
            csrf = antiforgery.GetAndStoreTokens(c).RequestToken,
            // Hangfire's dashboard (queues, running and failed jobs with their errors, retry): administrators, with workers.
            jobs_dashboard = options.JobsDatabase is not null && c.User.IsInRole("admin") ? AdminAuth.JobsPath + "/" : null,
        }));
        reviewer.MapGet("/tenants", async (IDoppelDatabase db, CancellationToken ct) =>
            Results.Ok((await db.Tenants.ListAsync(ct)).Select(t => new { id = t.Id.Value, name = t.Name, created_at = t.CreatedAt })));

        reviewer.MapGet("/sets", async (HttpContext c, IDoppelDatabase db) =>
        {
            var tenant = TenantOf(c);
            var sets = db.SetsFor(tenant);
            var items = await sets.ListSetsAsync(null, null, 0, 200, c.RequestAborted);
            var json = new List<object>();
            foreach (var s in items)
                json.Add(await SetJsonAsync(db, tenant, s, c.RequestAborted));
            return Results.Ok(json);
        });
        reviewer.MapGet("/sets/{id:guid}", async (HttpContext c, Guid id, IDoppelDatabase db, SetHandlers h) =>
        {
            var tenant = TenantOf(c);
            var set = await h.ResolveAsync(tenant, id.ToString("D"), c.RequestAborted);
            var deliveries = await db.Webhooks.ListDeliveriesAsync(tenant, set.Id, 0, 100, c.RequestAborted);
            var log = new List<object>();
            foreach (var d in deliveries)
                log.Add(V1Api.DeliveryJson(d, await db.Webhooks.ListAttemptsAsync(d.Id, c.RequestAborted)));
            return Results.Ok(new { set = await SetJsonAsync(db, tenant, set, c.RequestAborted), webhooks = log });
        });
        reviewer.MapGet("/sets/{id:guid}/queue", Queue);
        reviewer.MapGet("/sets/{id:guid}/explore", Explore);
        reviewer.MapGet("/findings/{id:long}/photo/{side:int}", Photo);
        reviewer.MapPost("/findings/{id:long}/decision", async (HttpContext c, long id, SetHandlers h) =>
        {
            var body = await JsonBody.ObjectAsync(c.Request);
            FindingDecision? decision = body.Str("decision") switch
            {
                "confirmed" => FindingDecision.Confirmed,
                "not_duplicate" => FindingDecision.NotDuplicate,
                null => null,
                var other => throw new ValidationException($"decision must be confirmed, not_duplicate or null (got '{other}')."),
            };
            return Results.Ok(V1Api.FindingJson(await h.DecideAsync(TenantOf(c), id, decision, c.Actor(), c.RequestAborted)));
        });

        // Persons of the tenant (from recognise): thumbnails, merge and split, through the same handler as v1 and the CLI.
        reviewer.MapGet("/persons", async (HttpContext c, IDoppelDatabase db) =>
        {
            var tenant = TenantOf(c);
            var json = new List<object>();
            foreach (var p in (await new PersonHandlers(db, tenant).ListAsync(c.RequestAborted)).Take(PersonsWindow))
            {
                var face = p.Person.RepresentativeFaceId is long f ? await db.For(tenant).Faces.GetAsync(f, c.RequestAborted) : null;
                json.Add(new { id = p.Person.Id, name = p.Person.Name, faces = p.Faces, face = face is null ? null : FaceJson(face) });
            }
            return Results.Ok(json);
        });
        reviewer.MapGet("/persons/{id:long}", async (HttpContext c, long id, IDoppelDatabase db) =>
        {
            var detail = await new PersonHandlers(db, TenantOf(c)).ShowAsync(id, c.RequestAborted);
            return Results.Ok(new
            {
                id = detail.Person.Id, name = detail.Person.Name, face_count = detail.Faces.Count,
                faces = detail.Faces.Take(PersonsWindow).Select(f => FaceJson(f.Face)),
            });
        });
        reviewer.MapGet("/faces/{id:long}/photo", FacePhoto);
        reviewer.MapPost("/persons/{id:long}/merge", async (HttpContext c, long id, IDoppelDatabase db) =>
        {
            var body = await JsonBody.ObjectAsync(c.Request);
            long other = body["person"] is JsonValue v && v.TryGetValue<long>(out var o) ? o : throw new ValidationException("'person' must be a person id.");
            var kept = await new PersonHandlers(db, TenantOf(c)).MergeAsync(id, other, c.Actor(), c.RequestAborted);
            return Results.Ok(new { id = kept.Person.Id, name = kept.Person.Name, faces = kept.Faces });
        });
        reviewer.MapPost("/persons/{id:long}/split", async (HttpContext c, long id, IDoppelDatabase db) =>
        {
            var body = await JsonBody.ObjectAsync(c.Request);
            var faces = (body["faces"] as JsonArray ?? throw new ValidationException("'faces' must be a list of face ids."))
                .Select(n => n is JsonValue v && v.TryGetValue<long>(out var f) ? f : throw new ValidationException("faces must be face ids.")).Take(10_001).ToList();
            if (faces.Count > 10_000)
                throw new ValidationException("At most 10,000 faces per split.");
            var created = await new PersonHandlers(db, TenantOf(c)).SplitAsync(id, faces, body.Str("name"), c.Actor(), c.RequestAborted);
            return Results.Ok(new { id = created });
        });

        admin.MapPost("/webhooks/deliveries/{id:long}/resend", async (HttpContext c, long id, IDoppelDatabase db) =>
            await db.Webhooks.ResendAsync(TenantOf(c), id, c.RequestAborted) ? Results.Accepted() : throw new NotFoundException($"No delivery {id}."));
        admin.MapGet("/tokens", async (HttpContext c, IDoppelDatabase db) =>
            Results.Ok((await db.Tokens.ListAsync(TenantOf(c), c.RequestAborted)).Select(V1Api.TokenJson)));
        admin.MapPost("/tokens", async (HttpContext c, TokenHandlers tokens) =>
        {
            var body = await JsonBody.ObjectAsync(c.Request);
            var scope = body.Str("scope") switch
            {
                "read" => TokenScope.Read,
                "write" => TokenScope.Write,
                "admin" => TokenScope.Admin,
                _ => throw new ValidationException("scope must be read, write or admin."),
            };
            var issued = await tokens.IssueAsync(TenantOf(c), body.Str("name"), scope, c.RequestAborted);
            return Results.Ok(new { token = issued.Secret, details = V1Api.TokenJson(issued.Token) });
        });
        admin.MapPost("/tokens/{id:long}/revoke", async (HttpContext c, long id, TokenHandlers tokens) =>
        {
            await tokens.RevokeAsync(TenantOf(c), id, c.RequestAborted);
            return Results.NoContent();
        });
        admin.MapPost("/tenants", async (HttpContext c, TokenHandlers tokens) =>
        {
            var t = await tokens.AddTenantAsync((await JsonBody.ObjectAsync(c.Request)).Str("name") ?? "", c.RequestAborted);
            return Results.Ok(new { id = t.Id.Value, name = t.Name, created_at = t.CreatedAt });
        });
        admin.MapGet("/groups", async (HttpContext c, IDoppelDatabase db) =>
        {
            var groups = await db.SetsFor(TenantOf(c)).ListGroupsAsync(0, 500, c.RequestAborted);
            return Results.Ok(groups.Select(g => new { name = g.ReferencePk, settings = GroupSettings.FromJson(g.SettingsJson), updated_at = g.UpdatedAt }));
        });
        admin.MapPost("/groups/{group}/settings", async (HttpContext c, string group, SetHandlers h) =>
            Results.Ok(await h.UpdateSettingsAsync(TenantOf(c), group, await JsonBody.ObjectAsync(c.Request), c.RequestAborted)));
        admin.MapGet("/users", async (AdminUserHandlers users, CancellationToken ct) =>
            Results.Ok((await users.ListAsync(ct)).Select(u => new { name = u.Name, role = u.Role.ToString().ToLowerInvariant(), created_at = u.CreatedAt })));
        // Models: every reader sees the catalogue, what the container publishes and who published it; administrators publish.
        reviewer.MapGet("/models", Models);
        reviewer.MapGet("/models/log", async (IDoppelDatabase db, CancellationToken ct) =>
            Results.Ok((await NewestRunsAsync(db, TenantId.Default, [PublishModelsHandler.RunKind, ActivateProfileHandler.RunKind], LogWindow, ct)).Select(r => new
            {
                id = r.Id, kind = r.Kind == ActivateProfileHandler.RunKind ? "activate" : "publish", state = r.State.ToString().ToLowerInvariant(),
                at = r.StartedAt, error = r.Error, details = JsonNode.Parse(r.ArgsJson),
            })));
        admin.MapPost("/models/{name}/publish", async (HttpContext c, string name, ServiceOptions options, IDoppelDatabase db) =>
        {
            var container = options.ModelsContainer
                ?? throw new ConflictException("No models container: start doppel serve with --models-container (or DOPPEL_MODELS_CONTAINER) to publish from this page.");
            var spec = PublishModelsHandler.Resolve([name], null)[0];
            var published = await new PublishModelsHandler(container, options.ModelCache, db).PublishAsync(spec, c.Actor(), cancellationToken: c.RequestAborted);
            return Results.Ok(PublishedJson(published));
        });

        admin.MapPost("/models/profiles/{name}/activate", async (HttpContext c, string name, ServiceOptions options, IDoppelDatabase db) =>
        {
            var body = await JsonBody.ObjectAsync(c.Request);
            bool accepted = body["accept_licence"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
            var profile = await new ActivateProfileHandler(options.ModelCache, db).ActivateAsync(name, accepted, c.Actor(), c.RequestAborted);
            return Results.Ok(new { name = profile.Name, embedder = profile.Embedder });
        });

        // Jobs of Doppel's own (any engine): the tenant's sets with their state, progress and error, and its runs.
        reviewer.MapGet("/jobs", Jobs);
        admin.MapPost("/sets/{id:guid}/retry", async (HttpContext c, Guid id, SetHandlers h) =>
        {
            var moved = await h.ActAsync(TenantOf(c), id.ToString("D"), SetAction.Retry, c.RequestAborted);
            return Results.Ok(new { id = moved.Id, state = moved.State.ToString() });
        });
    }

    /// <summary>Runs of the jobs view and the publication log at most, newest first.</summary>
    private const int LogWindow = 100;

    private static async Task<IResult> Models(HttpContext c, ServiceOptions options, IImageAnalyzer analyzer, ISetAnalyzers analyzers, CancellationToken ct)
    {
        var profiles = new ActivateProfileHandler(options.ModelCache);
        var selected = profiles.Selected;
        var published = options.ModelsContainer is { } container
            ? (await new PublishModelsHandler(container, options.ModelCache).PublishedAsync(ct)).ToDictionary(p => p.Name)
            : [];
        return Results.Ok(new
        {
            container = options.ModelsContainer?.Address,
            can_publish = options.ModelsContainer is not null && c.User.IsInRole("admin"),
            can_activate = c.User.IsInRole("admin"),
            // What a new set of a group that names no profile runs: the active profile, read now (an activation
            // takes over at the next set), or the one pipeline a service started with --model runs.
            running = analyzers.Active?.Name ?? analyzer.EmbeddingModel,
            profiles = ModelProfiles.All.Select(p => new
            {
                name = p.Name, embedder = p.Embedder, description = p.Description, selected = p == selected,
                needs_acceptance = p.NeedingAcceptance.Select(m => new { name = m.Name, licence = m.Licence, risk_note = m.RiskNote }),
                missing = profiles.Missing(p),
            }),
            models = ModelCatalog.All.Select(m => new
            {
                name = m.Name, task = m.Task.ToString().ToLowerInvariant(), licence = m.Licence, risk_note = m.RiskNote, is_default = m.IsDefault,
                sha256 = m.OnnxFile?.Checksum.Hex,
                installed = m.Files.Count > 0 && m.Files.All(f => File.Exists(Path.Combine(options.ModelCache, m.Name, f.FileName))),
                published = published.TryGetValue(m.Name, out var p) ? PublishedJson(p) : null,
            }),
        });
    }

    private static object PublishedJson(PublishedModel p) => new
    {
        version = p.Version, published_at = p.PublishedAt, published_by = p.PublishedBy, origin = p.Origin,
        files = p.Files.Select(f => new { name = f.Name, sha256 = f.Sha256, bytes = f.Bytes, blob = f.Blob }),
    };

    /// <summary>The newest runs (of one kind, or all): runs are few (one per job), so the listing reads them all and keeps the last.</summary>
    private static async Task<List<RunRecord>> NewestRunsAsync(IDoppelDatabase db, TenantId tenant, string[]? kinds, int count, CancellationToken ct) =>
        [.. (await db.For(tenant).Runs.ListAsync(Page.All, ct)).Where(r => kinds is null || kinds.Contains(r.Kind)).Reverse().Take(count)];

    private static async Task<IResult> Jobs(HttpContext c, IDoppelDatabase db, ServiceOptions options)
    {
        var tenant = TenantOf(c);
        var sets = new List<object>();
        foreach (var s in await db.SetsFor(tenant).ListSetsAsync(null, null, 0, 200, c.RequestAborted))
        {
            var run = s.RunId is long id ? await db.For(tenant).Runs.GetAsync(id, c.RequestAborted) : null;
            sets.Add(new { id = s.Id, group = s.GroupKey, state = s.State.ToString(), error = s.Error, run = run is null ? null : V1Api.RunJson(run), updated_at = s.UpdatedAt });
        }
        return Results.Ok(new
        {
            sets,
            runs = (await NewestRunsAsync(db, tenant, null, LogWindow, c.RequestAborted)).Select(V1Api.RunJson),
            dashboard = options.JobsDatabase is not null && c.User.IsInRole("admin") ? AdminAuth.JobsPath + "/" : null,
        });
    }

    /// <summary>A face's photo (the whole image; the page draws the box), read from the media folder: only a file
    /// inside it is ever served, whatever path the catalog holds.</summary>
    private static async Task<IResult> FacePhoto(HttpContext c, long id, IDoppelDatabase db, MediaFolder media)
    {
        var stores = db.For(TenantOf(c));
        var face = await stores.Faces.GetAsync(id, c.RequestAborted) ?? throw new NotFoundException($"No face {id}.");
        var file = (await stores.Media.GetManyAsync([face.MediaId], c.RequestAborted)).FirstOrDefault() ?? throw new NotFoundException($"No photo of face {id}.");
        var relative = Path.GetRelativePath(media.Root, file.Path).Replace(Path.DirectorySeparatorChar, '/');
        if (MediaFolder.Problem(relative) is not null || !File.Exists(file.Path))
            throw new NotFoundException($"The photo of face {id} is not in the media folder.");
        c.Response.Headers.CacheControl = "private, max-age=300";
        return Results.File(media.PathOf(relative), ImageType(file.Path));
    }

    private static object FaceJson(FaceRecord f) => new
    {
        id = f.Id, pinned = f.PinnedPersonId is not null,
        box = new { x = f.Box.X, y = f.Box.Y, width = f.Box.Width, height = f.Box.Height },
    };

    private static string ImageType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".bmp" => "image/bmp",
        ".webp" => "image/webp",
        ".tif" or ".tiff" => "image/tiff",
        _ => "image/jpeg",
    };

    /// <summary>The tenant the page works in (<c>?tenant=ID</c>; the first tenant when absent).</summary>
    private static TenantId TenantOf(HttpContext c) =>
        long.TryParse(c.Request.Query["tenant"], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? new TenantId(id) : TenantId.Default;

    private static async Task<object> SetJsonAsync(IDoppelDatabase db, TenantId tenant, DeduplicationSet s, CancellationToken ct)
    {
        var run = s.RunId is long id ? await db.For(tenant).Runs.GetAsync(id, ct) : null;
        return new
        {
            id = s.Id, group = s.GroupKey, state = s.State.ToString(), error = s.Error,
            settings = GroupSettings.FromJson(s.SettingsJson),
            images = await db.SetsFor(tenant).CountImagesAsync(s.Id, ct),
            findings = (await db.SetsFor(tenant).ListFindingsAsync(s.Id, null, new SetFindingQuery { StatusCode = 200, Offset = 0, Limit = 1 }, ct)).Count,
            undecided = (await db.SetsFor(tenant).ListFindingsAsync(s.Id, null, new SetFindingQuery { StatusCode = 200, Undecided = true, Offset = 0, Limit = 1 }, ct)).Count,
            run = run is null ? null : V1Api.RunJson(run),
            created_at = s.CreatedAt, updated_at = s.UpdatedAt,
        };
    }

    /// <summary>
    /// The review queue: undecided pairs, the least certain first (confidence closest to 0.5, where the model's
    /// calibrated threshold puts an even chance), with each photo's face boxes so the page can draw them.
    /// </summary>
    private static async Task<IResult> Queue(HttpContext c, Guid id, SetHandlers h, IDoppelDatabase db)
    {
        var tenant = TenantOf(c);
        var set = await h.ResolveAsync(tenant, id.ToString("D"), c.RequestAborted);
        var found = await h.FindingsAsync(tenant, set, new SetFindingQuery { StatusCode = 200, Undecided = true, Offset = 0, Limit = QueueWindow }, c.RequestAborted);
        var next = found.Items.Where(f => f.SecondImageId is not null).OrderBy(f => Math.Abs(f.Confidence - 0.5f)).ThenBy(f => f.Id).Take(50).ToList();
        var boxes = await BoxesAsync(db, tenant, set, next.SelectMany(f => new[] { f.FirstImageId, f.SecondImageId!.Value }).ToHashSet(), c.RequestAborted);
        return Results.Ok(new
        {
            undecided = found.Count,
            items = next.Select(f => new
            {
                finding = V1Api.FindingJson(f),
                first_faces = boxes.GetValueOrDefault(f.FirstImageId, []),
                second_faces = boxes.GetValueOrDefault(f.SecondImageId!.Value, []),
            }),
        });
    }

    /// <summary>Face boxes (pixels of the stored photo) of these set images, through the images' catalog media.</summary>
    private static async Task<Dictionary<long, object[]>> BoxesAsync(IDoppelDatabase db, TenantId tenant, DeduplicationSet set, HashSet<long> imageIds, CancellationToken ct)
    {
        var mediaOf = new Dictionary<long, long>();
        const int page = 1000;
        for (long offset = 0; mediaOf.Count < imageIds.Count; offset += page)
        {
            var images = await db.SetsFor(tenant).ListImagesAsync(set.Id, offset, page, ct);
            foreach (var i in images)
                if (imageIds.Contains(i.Id) && i.MediaId is long m)
                    mediaOf[i.Id] = m;
            if (images.Count < page)
                break;
        }
        var faces = await db.For(tenant).Faces.ListOfMediaAsync(mediaOf.Values.Distinct().ToList(), ct);
        var byMedia = faces.GroupBy(f => f.MediaId).ToDictionary(g => g.Key, g => g.Select(f => (object)new
        {
            x = f.Box.X, y = f.Box.Y, width = f.Box.Width, height = f.Box.Height, score = f.DetectorScore, quality = f.Quality,
        }).ToArray());
        return mediaOf.ToDictionary(p => p.Key, p => byMedia.GetValueOrDefault(p.Value, []));
    }

    /// <summary>One photo of a finding (side 1 or 2), read from the media folder by the key the set registered.</summary>
    private static async Task<IResult> Photo(HttpContext c, long id, int side, IDoppelDatabase db, MediaFolder media)
    {
        var f = await db.SetsFor(TenantOf(c)).GetFindingAsync(id, c.RequestAborted) ?? throw new NotFoundException($"No finding {id}.");
        var key = side switch
        {
            1 => f.FirstFilename,
            2 when f.SecondImageId is not null => f.SecondFilename,
            _ => throw new NotFoundException($"Finding {id} has no photo {side}."),
        };
        var path = media.PathOf(key);
        if (!File.Exists(path))
            throw new NotFoundException($"The photo '{key}' is not in the media folder.");
        var type = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".bmp" => "image/bmp",
            ".webp" => "image/webp",
            ".tif" or ".tiff" => "image/tiff",
            _ => "image/jpeg",
        };
        c.Response.Headers.CacheControl = "private, max-age=300";
        return Results.File(path, type);
    }

    /// <summary>
    /// The threshold explorer: a 20-bin histogram of the set's pair confidences, how many pairs a chosen threshold
    /// keeps, and which pairs would appear (lowering it) or disappear (raising it) against the set's own threshold.
    /// Only stored findings are seen: pairs below the threshold the set was processed with were never kept.
    /// </summary>
    private static async Task<IResult> Explore(HttpContext c, Guid id, SetHandlers h)
    {
        var tenant = TenantOf(c);
        var set = await h.ResolveAsync(tenant, id.ToString("D"), c.RequestAborted);
        var current = GroupSettings.FromJson(set.SettingsJson).DuplicateConfidenceThreshold;
        string? raw = c.Request.Query["threshold"];
        var chosen = string.IsNullOrEmpty(raw) ? current
            : double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t is >= 0 and <= 1 ? t
            : throw new ValidationException("threshold must be a number from 0 to 1.");
        var found = await h.FindingsAsync(tenant, set, new SetFindingQuery { StatusCode = 200, Offset = 0, Limit = ExplorerWindow }, c.RequestAborted);
        var pairs = found.Items.Where(f => f.SecondImageId is not null).ToList();
        var bins = new int[20];
        foreach (var f in pairs)
            bins[Math.Clamp((int)(f.Confidence * bins.Length), 0, bins.Length - 1)]++;
        var appear = pairs.Where(f => f.Confidence >= chosen && f.Confidence < current).OrderByDescending(f => f.Confidence);
        var disappear = pairs.Where(f => f.Confidence < chosen && f.Confidence >= current).OrderBy(f => f.Confidence);
        return Results.Ok(new
        {
            current_threshold = current,
            threshold = chosen,
            pairs = pairs.Count,
            kept = pairs.Count(f => f.Confidence >= chosen),
            kept_at_current = pairs.Count(f => f.Confidence >= current),
            histogram = bins.Select((n, i) => new { from = i / (double)bins.Length, to = (i + 1) / (double)bins.Length, count = n }),
            appear = appear.Take(20).Select(V1Api.FindingJson),
            appear_count = appear.Count(),
            disappear = disappear.Take(20).Select(V1Api.FindingJson),
            disappear_count = disappear.Count(),
            truncated = found.Count > ExplorerWindow,
        });
    }
}
