using System.Globalization;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Doppel.Application;
using Doppel.Application.Export;
using Doppel.Application.Persons;
using Doppel.Application.Sets;
using Doppel.Application.Tokens;
using Doppel.Jobs;
using Doppel.Jobs.Persons;
using Doppel.Storage;

namespace Doppel.Service;

/// <summary>
/// Persons and embeddings of the caller's tenant under <c>/api/v1</c>, as immich offers persons: group the faces the
/// tenant's sets analysed into persons (<c>persons/recognize</c>), list, show, rename, merge, split, move a face to a
/// person or out of one; and the embedding export (JSONL, or npy with its ids in a zip) with the model version. Each
/// call is the application's handler the CLI's <c>persons</c> and <c>export</c> commands call
/// (<see cref="PersonHandlers"/>, <see cref="RecognizeHandler"/>, <see cref="ExportEmbeddingsHandler"/>) on the
/// token's tenant: another tenant's person or face is 404, never its data.
/// </summary>
internal static class PersonsApi
{
    private const int MaxPage = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/v1").WithTags("Doppel v1: persons").RequireScope(TokenScope.Read);
        var write = app.MapGroup("/api/v1").WithTags("Doppel v1: persons").RequireScope(TokenScope.Write);

        read.MapGet("/persons", async (HttpContext c, IDoppelDatabase db) =>
        {
            var page = PageRequest.From(c.Request, 100, MaxPage);
            var all = await Persons(c, db).ListAsync(c.RequestAborted);
            return Results.Ok(page.Envelope(c.Request, all.Count, all.Skip((int)Math.Min(page.Offset, int.MaxValue)).Take(page.Size).Select(p => PersonJson(p.Person, p.Faces))));
        });
        read.MapGet("/persons/{id:long}", async (HttpContext c, long id, IDoppelDatabase db, MediaFolder media) =>
        {
            var detail = await Persons(c, db).ShowAsync(id, c.RequestAborted);
            return Results.Ok(new
            {
                person = PersonJson(detail.Person, detail.Faces.Count),
                faces = detail.Faces.Take(MaxPage).Select(f => new
                {
                    id = f.Face.Id, media_id = f.Face.MediaId, key = f.Media is null ? null : KeyOf(media, f.Media.Path),
                    box = new { x = f.Face.Box.X, y = f.Face.Box.Y, width = f.Face.Box.Width, height = f.Face.Box.Height },
                    detector_score = f.Face.DetectorScore, quality = f.Face.Quality, pinned = f.Face.PinnedPersonId == id,
                }),
                truncated = detail.Faces.Count > MaxPage,
            });
        });
        write.MapPost("/persons/recognize", Recognize);
        write.MapPost("/persons/{id:long}/name", async (HttpContext c, long id, IDoppelDatabase db) =>
        {
            var persons = Persons(c, db);
            await persons.GetAsync(id, c.RequestAborted);
            var name = (await JsonBody.ObjectAsync(c.Request)).Str("name");
            if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsControl))
                throw new ValidationException("name is required: at most 200 characters, none a control character.");
            var renamed = await persons.RenameAsync(id, name, c.RequestAborted);
            return Results.Ok(PersonJson(renamed, null));
        });
        write.MapPost("/persons/{id:long}/merge", async (HttpContext c, long id, IDoppelDatabase db) =>
        {
            var persons = Persons(c, db);
            await persons.GetAsync(id, c.RequestAborted);
            long other = Long(await JsonBody.ObjectAsync(c.Request), "person");
            var kept = await persons.MergeAsync(id, other, c.Actor(), c.RequestAborted);
            return Results.Ok(PersonJson(kept.Person, kept.Faces));
        });
        write.MapPost("/persons/{id:long}/split", async (HttpContext c, long id, IDoppelDatabase db) =>
        {
            var persons = Persons(c, db);
            await persons.GetAsync(id, c.RequestAborted);
            var body = await JsonBody.ObjectAsync(c.Request);
            var faces = (body["faces"] as JsonArray ?? throw new ValidationException("'faces' must be a list of face ids."))
                .Select((n, i) => n is JsonValue v && v.TryGetValue<long>(out var f) ? f : throw new ValidationException($"faces[{i}] must be a face id.")).ToList();
            if (faces.Count > 10_000)
                throw new ValidationException("At most 10,000 faces per split.");
            var created = await persons.SplitAsync(id, faces, body.Str("name"), c.Actor(), c.RequestAborted);
            var person = await persons.GetAsync(created, c.RequestAborted);
            return Results.Created($"/api/v1/persons/{created}", PersonJson(person, faces.Distinct().Count()));
        });
        // A face moved to a person (pinned there for good) or taken out of one (never put back by clustering).
        write.MapPost("/faces/{id:long}/person", async (HttpContext c, long id, IDoppelDatabase db) =>
        {
            var persons = Persons(c, db);
            await persons.FaceAsync(id, c.RequestAborted);
            await persons.PinAsync(id, Long(await JsonBody.ObjectAsync(c.Request), "person"), c.RequestAborted);
            return Results.NoContent();
        });
        write.MapPost("/faces/{id:long}/exclude", async (HttpContext c, long id, IDoppelDatabase db) =>
        {
            var persons = Persons(c, db);
            await persons.FaceAsync(id, c.RequestAborted);
            await persons.RemoveAsync(id, Long(await JsonBody.ObjectAsync(c.Request), "person"), c.RequestAborted);
            return Results.NoContent();
        });
        read.MapGet("/embeddings", Export);
    }

    private static PersonHandlers Persons(HttpContext c, IDoppelDatabase db) => new(db, c.Tenant());

    private static object PersonJson(Person p, int? faces) => new
    {
        id = p.Id, name = p.Name, faces, representative_face_id = p.RepresentativeFaceId, created_at = p.CreatedAt, updated_at = p.ModifiedAt,
    };

    private static long Long(JsonObject body, string name) =>
        body[name] is JsonValue v && v.TryGetValue<long>(out var id) ? id : throw new ValidationException($"'{name}' must be an id (a whole number).");

    /// <summary>A media path as the tenant's key: relative to the media folder (no server path leaves the service).</summary>
    private static string KeyOf(MediaFolder media, string path)
    {
        var relative = Path.GetRelativePath(media.Root, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? Path.GetFileName(path) : relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <summary>Groups the tenant's analysed faces into persons (incremental by default, <c>{"recluster": true}</c> to
    /// recluster everything keeping ids, names and manual decisions), with the model's tuned distance and minimum faces.</summary>
    private static async Task<IResult> Recognize(HttpContext c, IDoppelDatabase db, IImageAnalyzer analyzer)
    {
        var body = await JsonBody.ReadAsync(c.Request, required: false) as JsonObject;
        bool recluster = body?["recluster"] is JsonValue v && v.TryGetValue<bool>(out var r) && r;
        // The recogniser as its profile names it (an ensemble's weights kept): its tuned values and levels.
        var model = analyzer.Recogniser;
        var options = recluster ? PersonDefaults.Recluster(model) : PersonDefaults.Recognize(model);
        RecognizeOutcome outcome;
        try
        {
            outcome = await new RecognizeHandler(db, c.Tenant()).HandleAsync(model, options, recluster, c.RequestAborted);
        }
        catch (CatalogLockedException e)
        {
            throw new ConflictException($"Persons are being changed by another request or process; try again. ({e.Message})");
        }
        return Results.Ok(new
        {
            model = analyzer.EmbeddingModel, recluster, faces = outcome.Faces, assigned = outcome.Assigned, unassigned = outcome.Waiting,
            persons = outcome.Persons, created = outcome.CreatedPersons,
        });
    }

    /// <summary>The tenant's vectors of a model (default: the service's): <c>format=jsonl</c> (default; one
    /// <c>{"id": "KEY#FACE", "vector": [...]}</c> per line) or <c>format=npy</c> (a zip of <c>vectors.npy</c> and
    /// <c>vectors.ids.txt</c>); the model and its versions in <c>X-Doppel-Model</c> / <c>X-Doppel-Model-Version</c>.
    /// <c>set=ID</c> instead: the set's images' vectors of the model and version of the profile the set was opened with
    /// (the ones it is matched with), that version and profile stated (<c>X-Doppel-Profile</c>).</summary>
    private static async Task<IResult> Export(HttpContext c, IDoppelDatabase db, IImageAnalyzer analyzer, MediaFolder media, ProcessSetHandler sets)
    {
        string? version = null;
        IReadOnlySet<long>? setMedia = null;
        string model = c.Request.Query["model"].ToString() is { Length: > 0 } m ? m : analyzer.EmbeddingModel;
        if (c.Request.Query["set"].ToString() is { Length: > 0 } setText)
        {
            if (c.Request.Query["model"].Count > 0)
                throw new ValidationException("Give 'set' (its profile names the model) or 'model', not both.");
            if (!Guid.TryParse(setText, out var setId))
                throw new ValidationException("set must be a set id.");
            var results = new SetResults(db, c.RequestServices.GetRequiredService<SetHandlers>());
            var (set, images) = await results.SetAndImagesAsync(c.Tenant(), setId, c.RequestAborted);
            if (set is null)
                throw new NotFoundException($"No deduplication set '{setId:D}'.");
            var profiled = sets.AnalyzerOf(set);
            (model, version) = (profiled.EmbeddingModel, profiled.EmbeddingModelVersion);
            setMedia = images.Where(i => i.MediaId is not null).Select(i => i.MediaId!.Value).ToHashSet();
            if (ProcessSetHandler.RecordedProfile(set) is { } recorded)
                c.Response.Headers["X-Doppel-Profile"] = recorded.Name;
        }
        if (model.Length > 200 || model.Any(ch => char.IsControl(ch) || ch is '/' or '\\'))
            throw new ValidationException("model must be a catalogue model name.");
        string format = c.Request.Query["format"].ToString() is { Length: > 0 } f ? f : "jsonl";
        if (format is not ("jsonl" or "npy"))
            throw new ValidationException("format must be jsonl or npy.");
        var folder = Directory.CreateTempSubdirectory("doppel-export-");
        try
        {
            var file = Path.Combine(folder.FullName, format == "npy" ? "vectors.npy" : "vectors.jsonl");
            var exported = await new ExportEmbeddingsHandler(db.For(c.Tenant())).HandleAsync(model, format, file, path => KeyOf(media, path), c.RequestAborted, version, setMedia);
            c.Response.Headers["X-Doppel-Model"] = model;
            c.Response.Headers["X-Doppel-Model-Version"] = string.Join(",", exported.ModelVersions);
            c.Response.Headers["X-Doppel-Count"] = exported.Count.ToString(CultureInfo.InvariantCulture);
            byte[] bytes;
            if (format == "npy")
            {
                using var zip = new MemoryStream();
                using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
                    foreach (var part in Directory.GetFiles(folder.FullName).Order(StringComparer.Ordinal))
                        archive.CreateEntryFromFile(part, Path.GetFileName(part), CompressionLevel.Fastest);
                bytes = zip.ToArray();
                return Results.File(bytes, "application/zip", $"{model}.zip");
            }
            bytes = await File.ReadAllBytesAsync(file, c.RequestAborted);
            return Results.File(bytes, "application/x-ndjson", $"{model}.jsonl");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
