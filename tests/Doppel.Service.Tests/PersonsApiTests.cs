using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Doppel.Testing;

namespace Doppel.Service.Tests;

/// <summary>
/// Persons and the embedding export over v1, on faces the service analysed from real LFW photos: recognise groups
/// tenant A's faces, a split and a merge round-trip, rename, a face taken out of its person, and the export in both
/// formats with the model version. Tenant B sees none of it (404 on A's ids, empty lists, no vectors), and bad tokens
/// get 401 / 403 before any handler runs.
/// </summary>
public sealed class PersonsApiTests(ServiceFixture service) : IClassFixture<ServiceFixture>
{
    private static readonly string[] People = ["Angelina_Jolie", "Amelie_Mauresmo"];

    [Fact]
    public async Task PersonsAndExportStayInTheirTenant()
    {
        service.Require();
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var images = service.StagePhotos(lfw, "pers", People);
        var a = new Hope(service.Client(service.WriteA));
        var b = new Hope(service.Client(service.AdminB));
        (await a.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "PERS-A" })).Status.ShouldBe(HttpStatusCode.Created);
        (await a.PostAsync("deduplication_sets/PERS-A/images_bulk/", images)).Status.ShouldBe(HttpStatusCode.OK);
        (await a.PostAsync("deduplication_sets/PERS-A/process/")).Status.ShouldBe(HttpStatusCode.OK);
        (await a.WaitForStateAsync("PERS-A", "Ready", "Failed")).ShouldBe("Ready");

        // Before recognise nothing is grouped; after it, A's faces are in persons.
        (await a.GetAsync("v1/persons")).Body!["count"]!.GetValue<long>().ShouldBe(0);
        var (status, recognized) = await a.PostAsync("v1/persons/recognize");
        status.ShouldBe(HttpStatusCode.OK);
        recognized!["faces"]!.GetValue<int>().ShouldBe(images.Count);
        recognized["persons"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(1);
        var persons = await a.AllPagesAsync("v1/persons?page_size=1");
        persons.Count.ShouldBeGreaterThanOrEqualTo(recognized["persons"]!.GetValue<int>());
        var largest = persons.MaxBy(p => p["faces"]!.GetValue<int>())!;
        long personId = largest["id"]!.GetValue<long>();
        int faceCount = largest["faces"]!.GetValue<int>();
        faceCount.ShouldBeGreaterThanOrEqualTo(3);
        var shown = (await a.GetAsync($"v1/persons/{personId}")).Body!;
        var faces = shown["faces"]!.AsArray().Select(f => f!["id"]!.GetValue<long>()).ToList();
        faces.Count.ShouldBe(faceCount);
        // Keys as A registered them (relative to the media folder), one person's photos.
        var keys = shown["faces"]!.AsArray().Select(f => f!["key"]!.GetValue<string>()).ToList();
        keys.ShouldAllBe(k => k.StartsWith("pers/", StringComparison.Ordinal));
        keys.Select(k => k.Split('/')[1]).Distinct().Count().ShouldBe(1);

        // Tenant B: none of A's persons, faces or vectors; A's ids are 404, not 403.
        (await b.GetAsync("v1/persons")).Body!["count"]!.GetValue<long>().ShouldBe(0);
        foreach (var (method, path, body) in new (string, string, JsonNode?)[]
                 {
                     ("GET", $"v1/persons/{personId}", null),
                     ("POST", $"v1/persons/{personId}/name", new JsonObject { ["name"] = "stolen" }),
                     ("POST", $"v1/persons/{personId}/merge", new JsonObject { ["person"] = personId + 1 }),
                     ("POST", $"v1/persons/{personId}/split", new JsonObject { ["faces"] = new JsonArray(faces[0]) }),
                     ("POST", $"v1/faces/{faces[0]}/person", new JsonObject { ["person"] = personId }),
                     ("POST", $"v1/faces/{faces[0]}/exclude", new JsonObject { ["person"] = personId }),
                     ("GET", "v1/embeddings", null),
                 })
        {
            var (s, answer) = await b.SendAsync(new HttpMethod(method), path, body);
            s.ShouldBe(HttpStatusCode.NotFound, $"{method} {path}");
            (answer?.ToJsonString() ?? "").ShouldNotContain("pers/");
        }
        // B's recognise groups B's faces only: it has none.
        (await b.PostAsync("v1/persons/recognize")).Body!["faces"]!.GetValue<int>().ShouldBe(0);
        (await a.GetAsync($"v1/persons/{personId}")).Body!["person"]!["name"].ShouldBeNull();

        // Bad tokens: refused before any handler.
        using (var wrong = service.Client("dpl_not-a-token"))
            (await wrong.GetAsync($"v1/persons/{personId}", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using (var revoked = service.Client(service.RevokedA))
            (await revoked.GetAsync("v1/embeddings", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var reader = new Hope(service.Client(service.ReadA));
        (await reader.PostAsync($"v1/persons/{personId}/merge", new JsonObject { ["person"] = personId })).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.PostAsync("v1/persons/recognize")).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.GetAsync($"v1/persons/{personId}")).Status.ShouldBe(HttpStatusCode.OK);

        // Split one face off, merge it back: the person is whole again.
        (status, var split) = await a.PostAsync($"v1/persons/{personId}/split", new JsonObject { ["faces"] = new JsonArray(faces[0]), ["name"] = "split off" });
        status.ShouldBe(HttpStatusCode.Created);
        long splitId = split!["id"]!.GetValue<long>();
        split["name"]!.GetValue<string>().ShouldBe("split off");
        (await a.GetAsync($"v1/persons/{personId}")).Body!["faces"]!.AsArray().Count.ShouldBe(faceCount - 1);
        (await a.PostAsync($"v1/persons/{personId}/split", new JsonObject { ["faces"] = new JsonArray(faces[0]) })).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await a.PostAsync($"v1/persons/{personId}/merge", new JsonObject { ["person"] = personId })).Status.ShouldBe(HttpStatusCode.BadRequest);
        (status, var merged) = await a.PostAsync($"v1/persons/{personId}/merge", new JsonObject { ["person"] = splitId });
        status.ShouldBe(HttpStatusCode.OK);
        merged!["faces"]!.GetValue<int>().ShouldBe(faceCount);
        (await a.GetAsync($"v1/persons/{splitId}")).Status.ShouldBe(HttpStatusCode.NotFound);

        (status, var renamed) = await a.PostAsync($"v1/persons/{personId}/name", new JsonObject { ["name"] = People[0] });
        status.ShouldBe(HttpStatusCode.OK);
        renamed!["name"]!.GetValue<string>().ShouldBe(People[0]);
        (await a.PostAsync($"v1/faces/{faces[1]}/exclude", new JsonObject { ["person"] = personId })).Status.ShouldBe(HttpStatusCode.NoContent);
        var after = (await a.GetAsync($"v1/persons/{personId}")).Body!;
        after["person"]!["name"]!.GetValue<string>().ShouldBe(People[0]);
        after["faces"]!.AsArray().Select(f => f!["id"]!.GetValue<long>()).ShouldNotContain(faces[1]);

        // The export: one line per stored vector of the service's model, ids KEY#FACE, with the model version.
        using var http = service.Client(service.ReadA);
        using var jsonl = await http.GetAsync("v1/embeddings", TestContext.Current.CancellationToken);
        jsonl.StatusCode.ShouldBe(HttpStatusCode.OK);
        jsonl.Headers.GetValues("X-Doppel-Model-Version").Single().ShouldNotBeNullOrWhiteSpace();
        var lines = (await jsonl.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(images.Count);
        var rows = lines.Select(l => JsonNode.Parse(l)!).ToList();
        rows.ShouldAllBe(r => r["id"]!.GetValue<string>().StartsWith("pers/", StringComparison.Ordinal) && r["id"]!.GetValue<string>().EndsWith("#0", StringComparison.Ordinal));
        int dimension = rows[0]["vector"]!.AsArray().Count;
        dimension.ShouldBe(128);
        using var npy = await http.GetAsync("v1/embeddings?format=npy", TestContext.Current.CancellationToken);
        npy.StatusCode.ShouldBe(HttpStatusCode.OK);
        npy.Content.Headers.ContentType!.MediaType.ShouldBe("application/zip");
        using var zip = new ZipArchive(await npy.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        zip.Entries.Select(e => e.Name).Order(StringComparer.Ordinal).ToArray().ShouldBe(new[] { "vectors.ids.txt", "vectors.npy" });
        using (var idsReader = new StreamReader(zip.GetEntry("vectors.ids.txt")!.Open()))
            (await idsReader.ReadToEndAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .ShouldBe(rows.Select(r => r["id"]!.GetValue<string>()).ToArray());
        // float32 rows after the npy header (a multiple of 64 bytes).
        (zip.GetEntry("vectors.npy")!.Length - (long)images.Count * dimension * 4).ShouldBeInRange(64, 1024);
        (await a.GetAsync("v1/embeddings?format=csv")).Status.ShouldBe(HttpStatusCode.BadRequest);

        // Verify: a photo sent as bytes against the same photo by key is the same person; two people are not.
        var photo = new JsonObject { ["content_base64"] = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(service.Media, keys[0]))) };
        (status, var verified) = await a.PostAsync("v1/verify", new JsonObject { ["first"] = photo, ["second"] = new JsonObject { ["key"] = keys[0] } });
        status.ShouldBe(HttpStatusCode.OK);
        verified!["similarity"]!.GetValue<float>().ShouldBeGreaterThan(0.99f);
        verified["same_person"]!.GetValue<bool>().ShouldBeTrue();
        verified["confidence"]!.GetValue<float>().ShouldBeGreaterThan(0.5f);
        var other = images.Select(i => i!["filename"]!.GetValue<string>()).First(k => k.Split('/')[1] != keys[0].Split('/')[1]);
        (status, var different) = await a.PostAsync("v1/verify", new JsonObject { ["first"] = new JsonObject { ["key"] = keys[0] }, ["second"] = new JsonObject { ["key"] = other } });
        status.ShouldBe(HttpStatusCode.OK);
        different!["same_person"]!.GetValue<bool>().ShouldBeFalse();
        different["similarity"]!.GetValue<float>().ShouldBeLessThan(verified["similarity"]!.GetValue<float>());
        // A photo against a person: its own stored face is the match.
        (status, var toPerson) = await a.PostAsync("v1/verify", new JsonObject { ["first"] = new JsonObject { ["key"] = keys[0] }, ["person"] = personId });
        status.ShouldBe(HttpStatusCode.OK);
        toPerson!["matched_face_id"]!.GetValue<long>().ShouldBe(faces[0]);
        toPerson["same_person"]!.GetValue<bool>().ShouldBeTrue();
        // Bad photos: a clear 400 (no face, bad base64, neither or both of second/person), 413 over the upload limit, 404 for an absent key.
        (status, var noFace) = await a.PostAsync("v1/verify", new JsonObject { ["first"] = new JsonObject { ["content_base64"] = Convert.ToBase64String("not a photo"u8.ToArray()) }, ["person"] = personId });
        status.ShouldBe(HttpStatusCode.BadRequest);
        noFace!["detail"]!.GetValue<string>().ShouldContain("no usable face");
        (await a.PostAsync("v1/verify", new JsonObject { ["first"] = new JsonObject { ["content_base64"] = "%%%" }, ["person"] = personId })).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await a.PostAsync("v1/verify", new JsonObject { ["first"] = new JsonObject { ["key"] = keys[0] } })).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await a.PostAsync("v1/verify", new JsonObject { ["first"] = new JsonObject { ["key"] = "pers/absent.jpg" }, ["person"] = personId })).Status.ShouldBe(HttpStatusCode.NotFound);
        (await a.PostAsync("v1/verify", new JsonObject { ["first"] = new JsonObject { ["key"] = "../etc/passwd" }, ["person"] = personId })).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await a.PostAsync("v1/verify", new JsonObject { ["first"] = new JsonObject { ["content_base64"] = Convert.ToBase64String(new byte[ServiceFixture.MaxUpload + 1]) }, ["person"] = personId }))
            .Status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);

        // Identify: the group's gallery is its approved sets' usable images (status 200): empty until PERS-A is
        // approved, then a gallery photo finds itself first.
        var usable = (await a.AllPagesAsync("v1/sets/PERS-A/images?page_size=100")).Where(i => i["status_code"]?.GetValue<int>() == 200)
            .Select(i => i["key"]!.GetValue<string>()).ToList();
        usable.Count.ShouldBeGreaterThanOrEqualTo(3);
        var probe = new JsonObject { ["image"] = new JsonObject { ["key"] = usable[0] }, ["group"] = "PERS-A", ["top"] = 3 };
        (status, var before) = await a.PostAsync("v1/identify", JsonNode.Parse(probe.ToJsonString()));
        status.ShouldBe(HttpStatusCode.OK);
        before!["gallery"]!.GetValue<int>().ShouldBe(0);
        before["candidates"]!.AsArray().ShouldBeEmpty();
        (await a.PostAsync("deduplication_sets/PERS-A/approve_or_reject/", new JsonObject { ["action"] = "approve" })).Status.ShouldBe(HttpStatusCode.OK);
        (status, var identified) = await a.PostAsync("v1/identify", JsonNode.Parse(probe.ToJsonString()));
        status.ShouldBe(HttpStatusCode.OK);
        identified!["gallery"]!.GetValue<int>().ShouldBe(usable.Count);
        var candidates = identified["candidates"]!.AsArray();
        candidates.Count.ShouldBe(3);
        candidates[0]!["filename"]!.GetValue<string>().ShouldBe(usable[0]);
        candidates[0]!["similarity"]!.GetValue<float>().ShouldBeGreaterThan(0.99f);
        candidates.Select(k => k!["similarity"]!.GetValue<float>()).ShouldBeInOrder(SortDirection.Descending);
        (await a.PostAsync("v1/identify", new JsonObject { ["image"] = new JsonObject { ["key"] = keys[0] }, ["group"] = "PERS-A", ["top"] = 0 })).Status.ShouldBe(HttpStatusCode.BadRequest);

        // Tenant B can neither identify against A's group nor verify against A's person.
        (await b.PostAsync("v1/identify", JsonNode.Parse(probe.ToJsonString()))).Status.ShouldBe(HttpStatusCode.NotFound);
        var (bStatus, bBody) = await b.PostAsync("v1/verify", new JsonObject { ["first"] = new JsonObject { ["content_base64"] = photo["content_base64"]!.GetValue<string>() }, ["person"] = personId });
        bStatus.ShouldBe(HttpStatusCode.NotFound);
        bBody!.ToJsonString().ShouldNotContain("pers/");
    }
}
