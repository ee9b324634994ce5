using System.Globalization;
using System.Text.Json.Nodes;
using Doppel.Application;
using Doppel.Application.Recognition;
using Doppel.Application.Sets;
using Doppel.Application.Tokens;
using Doppel.Jobs;
using Doppel.Storage;
using Doppel.Vision.Embedding;

namespace Doppel.Service;

/// <summary>
/// Synchronous recognition under <c>/api/v1</c>, as CompreFace offers it: <c>verify</c> (two photos, compared with the
/// profile of <c>group</c> when one is named; or a photo and a person) and <c>identify</c> (a photo against a group's
/// approved gallery, top k). A photo is
/// <c>{"key": "blob key in the media folder"}</c> or <c>{"content_base64": "...", "extension": ".jpg"}</c> (at most
/// <c>--max-upload-bytes</c>, else 413; written to a temporary file for the call and deleted). The calls run the
/// application's <see cref="VerifyHandler"/> / <see cref="IdentifyHandler"/> on the service's probe pipeline
/// (<see cref="ProbeAnalyzer"/>, one call at a time). Write scope: each call runs the face models.
/// </summary>
internal static class RecognitionApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var write = app.MapGroup("/api/v1").WithTags("Doppel v1: recognition").RequireScope(TokenScope.Write);
        write.MapPost("/verify", Verify);
        write.MapPost("/identify", Identify);
    }

    private static async Task<IResult> Verify(HttpContext c, IDoppelDatabase db, ProbeAnalyzer probes, MediaFolder media, ServiceOptions options,
        SetHandlers sets, ISetAnalyzers analyzers)
    {
        var body = await JsonBody.ObjectAsync(c.Request);
        var group = body["group"] switch
        {
            null => null,
            JsonValue g when g.TryGetValue<string>(out var key) => key,
            _ => throw new ValidationException("'group' must be a group's reference_pk."),
        };
        long? person = body["person"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<long>(out var id) => id,
            _ => throw new ValidationException("'person' must be a person id."),
        };
        if ((person is null) == (body["second"] is null))
            throw new ValidationException("Give 'second' (a photo) or 'person' (a person id), not both.");
        if (group is not null && person is not null)
            throw new ValidationException("'group' chooses the profile two photos are compared with; a person is compared with the model persons are grouped with: give 'group' or 'person', not both.");
        // Two photos of a group are compared as its next set would compare them: with the profile its settings name, else
        // the active one (a set records it when it opens). No group: the service's own pipeline, the one persons are grouped with.
        ModelProfile? profile = null;
        if (group is not null)
        {
            await RequireGroupAsync(db, c, group);
            profile = (await sets.GetSettingsAsync(c.Tenant(), group, c.RequestAborted)).ModelProfile is { } name ? ModelProfiles.Get(name) : analyzers.Active;
        }
        await using var first = await PhotoFile.FromAsync(body["first"], "first", media, options, c.RequestAborted);
        await using var second = person is null ? await PhotoFile.FromAsync(body["second"], "second", media, options, c.RequestAborted) : null;
        var outcome = await probes.UseAsync(profile, analyzer =>
        {
            var handler = new VerifyHandler(db, c.Tenant(), analyzer);
            return person is long p ? handler.ImageAndPersonAsync(first.Path, p, c.RequestAborted) : handler.TwoImagesAsync(first.Path, second!.Path, c.RequestAborted);
        }, c.RequestAborted);
        return Results.Ok(new
        {
            similarity = outcome.Similarity, confidence = outcome.Confidence, same_person = outcome.Same, threshold = outcome.Threshold, model = outcome.Model,
            profile = profile?.Name, group, person, matched_face_id = outcome.MatchedFaceId, first_face = FaceJson(outcome.First),
        });
    }

    private static async Task<IResult> Identify(HttpContext c, IDoppelDatabase db, ProbeAnalyzer probes, MediaFolder media, ServiceOptions options)
    {
        var body = await JsonBody.ObjectAsync(c.Request);
        var group = body.Str("group") ?? throw new ValidationException("'group' (the programme's reference_pk) is required.");
        int top = body["top"] switch
        {
            null => 5,
            JsonValue v when v.TryGetValue<int>(out var k) => k,
            _ => throw new ValidationException("'top' must be a whole number."),
        };
        float? min = body["min_confidence"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<float>(out var f) && f is >= 0 and <= 1 => f,
            _ => throw new ValidationException("'min_confidence' must be a number from 0 to 1."),
        };
        await RequireGroupAsync(db, c, group);
        await using var image = await PhotoFile.FromAsync(body["image"], "image", media, options, c.RequestAborted);
        // The probe is embedded the way the gallery was: its group's newest approved set's profile.
        var profile = await c.RequestServices.GetRequiredService<SetHandlers>().GalleryProfileAsync(c.Tenant(), group, c.RequestAborted);
        var outcome = await probes.UseAsync(profile, analyzer => new IdentifyHandler(db, c.Tenant(), analyzer).HandleAsync(image.Path, group, top, min, c.RequestAborted), c.RequestAborted);
        return Results.Ok(new
        {
            model = outcome.Model, threshold = outcome.Threshold, gallery = outcome.Gallery, face = FaceJson(outcome.Probe),
            candidates = outcome.Candidates.Select(k => new
            {
                reference_pk = k.ReferencePk, filename = k.Filename, face_id = k.FaceId, similarity = k.Similarity, confidence = k.Confidence,
            }),
        });
    }

    /// <summary>The group first: nothing is written or analysed for a group the caller cannot see (another tenant's is 404).</summary>
    private static async Task RequireGroupAsync(IDoppelDatabase db, HttpContext c, string group)
    {
        if (await db.SetsFor(c.Tenant()).FindGroupAsync(group, c.RequestAborted) is null)
            throw new NotFoundException($"No group '{(group.Length <= 80 ? group : group[..80] + "…")}'.");
    }

    private static object FaceJson(ProbeFace f) => new
    {
        box = new { x = f.Box.X, y = f.Box.Y, width = f.Box.Width, height = f.Box.Height }, detector_score = f.DetectorScore, status = f.Status,
    };

    /// <summary>A photo of a request as a file: a key in the media folder as it is, or sent bytes in a temporary file.</summary>
    private sealed class PhotoFile : IAsyncDisposable
    {
        private readonly string? _temporary;

        private PhotoFile(string path, string? temporary)
        {
            Path = path;
            _temporary = temporary;
        }

        public string Path { get; }

        public static async Task<PhotoFile> FromAsync(JsonNode? node, string what, MediaFolder media, ServiceOptions options, CancellationToken cancellationToken)
        {
            var photo = node as JsonObject ?? throw new ValidationException($"'{what}' must be {{\"key\": ...}} or {{\"content_base64\": ...}}.");
            if (photo.Str("key") is { } key)
            {
                var path = media.PathOf(key);
                return File.Exists(path) ? new PhotoFile(path, null) : throw new NotFoundException($"'{what}': the key is not in the media folder.");
            }
            var b64 = photo.Str("content_base64") ?? throw new ValidationException($"'{what}' needs 'key' or 'content_base64'.");
            if (b64.Length / 4L * 3 > options.MaxUploadBytes + 3)
                throw new PayloadTooLargeException($"Photos are limited to {options.MaxUploadBytes.ToString(CultureInfo.InvariantCulture)} bytes.");
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(b64);
            }
            catch (FormatException)
            {
                throw new ValidationException($"'{what}': content_base64 is not valid base64.");
            }
            if (bytes.Length > options.MaxUploadBytes)
                throw new PayloadTooLargeException($"Photos are limited to {options.MaxUploadBytes.ToString(CultureInfo.InvariantCulture)} bytes.");
            if (bytes.Length == 0)
                throw new ValidationException($"'{what}' is empty.");
            var extension = photo.Str("extension")?.ToLowerInvariant() is var e && e is ".jpg" or ".jpeg" or ".png" or ".bmp" or ".webp" or ".tif" or ".tiff" ? e : ".jpg";
            var temporary = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"doppel-probe-{Guid.NewGuid():N}{extension}");
            await File.WriteAllBytesAsync(temporary, bytes, cancellationToken);
            return new PhotoFile(temporary, temporary);
        }

        public ValueTask DisposeAsync()
        {
            if (_temporary is not null)
                File.Delete(_temporary);
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>A request body part over its limit (HTTP 413).</summary>
internal sealed class PayloadTooLargeException(string message) : Exception(message);

/// <summary>
/// The pipelines verify and identify run on, one call at a time (a pipeline is not shared between threads): its own
/// instances, one per model profile, opened at the first call that needs one, so a set being processed in the service
/// never shares one with a request. With no factory (tests, or a service whose sets go to workers) they are the sets'
/// own pipelines (<see cref="ISetAnalyzers"/>). Profile null: the service's own pipeline (the one persons are embedded
/// with); identify asks for the profile its group's gallery was embedded with.
/// </summary>
public sealed class ProbeAnalyzer(IImageAnalyzer shared, ISetAnalyzers sets, Func<ModelProfile?, IImageAnalyzer>? factory) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, IImageAnalyzer> _own = [];

    public async Task<T> UseAsync<T>(Func<IImageAnalyzer, Task<T>> work, CancellationToken cancellationToken) => await UseAsync(null, work, cancellationToken);

    public async Task<T> UseAsync<T>(ModelProfile? profile, Func<IImageAnalyzer, Task<T>> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            IImageAnalyzer analyzer;
            if (factory is null)
                analyzer = profile is null ? shared : sets.For(profile);
            else if (!_own.TryGetValue(profile?.Name ?? "", out analyzer!))
                _own[profile?.Name ?? ""] = analyzer = factory(profile);
            return await work(analyzer);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        foreach (var analyzer in _own.Values)
            analyzer.Dispose();
        _gate.Dispose();
    }
}
