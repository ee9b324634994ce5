using Azure.Storage.Blobs;
using Doppel.Cli.Tests;
using Doppel.Models;
using Doppel.Models.Onnx.Proto;
using Doppel.Testing;
using Doppel.Testing.Servers;
using Google.Protobuf;

namespace Doppel.Cli.Servers.Tests;

/// <summary>
/// Models from blob storage, end to end with the real <c>doppel</c>: an administrator publishes the
/// installed models into an Azurite container; a process started with <c>--models-container</c> and an
/// empty model cache syncs them and deduplicates; a newly published version is picked up and the
/// stored vectors are re-embedded; a tampered blob stops the next process before any work.
/// </summary>
public sealed class ModelsContainerCommandTests(AzuriteServer azurite) : IDisposable
{
    private static readonly string[] Defaults = ["blazeface-front", "blazeface-back", "yunet", "faceapi-landmark68", "dlib-resnet29", "faceres"];
    private readonly string _dir = RepoPaths.NewTempDir("doppel-models-container");
    private string? _corpus;

    [Fact]
    public async Task A_process_runs_only_published_verified_models_and_re_embeds_when_a_new_version_is_published()
    {
        azurite.Require();
        var photos = LfwCorpus.First("doppel-models-container-photos", 24);
        _corpus = photos;
        var container = await azurite.CreateContainerAsync("models");
        var address = $"az://{container.Name}";
        var adminCache = CopyInstalledModels("admin-cache");
        var workerCache = Path.Combine(_dir, "worker-cache");

        var publish = Run(adminCache, "models", "publish", "--to", address);
        publish.ExitCode.ShouldBe(0, publish.Error);
        publish.Output.ShouldContain("dlib-resnet29:");
        publish.Output.ShouldContain($"to {address}");

        var first = Run(workerCache, "--models-container", address, "dedup", Path.Combine(photos, "photos"), "--db", Path.Combine(_dir, "cat.db"),
            "--model", "dlib-resnet29", "--report", Path.Combine(_dir, "r1"));
        first.ExitCode.ShouldBe(0, first.Error);
        foreach (var model in Defaults)
            first.Error.ShouldContain($"models: {model} version");
        var findings = File.ReadAllText(Path.Combine(_dir, "r1", "findings.csv"));
        findings.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBeGreaterThan(1);
        var firstVectors = Vectors(Path.Combine(_dir, "cat.db"));

        // (The dedup runs name dlib alone: the test is about one model's versions, not the default fusion.)
        // A new version of dlib-resnet29: the same weights with another doc string, so other bytes (a new
        // sha256) and the same vectors; the environment variable names the container this time.
        var replacement = Path.Combine(_dir, "replacement");
        Directory.CreateDirectory(replacement);
        foreach (var file in new[] { "model.onnx", "model.int8.onnx" })
        {
            var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(adminCache, "dlib-resnet29", file)));
            graph.DocString = "retrained by the administrator (test)";
            File.WriteAllBytes(Path.Combine(replacement, file), graph.ToByteArray());
        }
        var republish = Run(adminCache, "models", "publish", "dlib-resnet29", "--from", replacement, "--to", address);
        republish.ExitCode.ShouldBe(0, republish.Error);

        var second = Run(workerCache, [("DOPPEL_MODELS_CONTAINER", address)], "dedup", Path.Combine(photos, "photos"), "--db", Path.Combine(_dir, "cat.db"),
            "--model", "dlib-resnet29", "--report", Path.Combine(_dir, "r2"));
        second.ExitCode.ShouldBe(0, second.Error);
        second.Error.ShouldContain("models: dlib-resnet29 version");
        second.Error.ShouldNotContain("models: blazeface-back"); // unchanged models are verified, not downloaded
        second.Error.ShouldContain("24 faces have no current dlib-resnet29 vector");
        // Re-embedded with the new file, every face has exactly its old vector. (The findings' scores are not
        // compared: the licence-clean profile's reference cohort belongs to the shipped file's version, so vectors
        // of any other file get the profile's fallback level until a cohort is made for it; RecognitionProfile.CohortFor.)
        var secondVectors = Vectors(Path.Combine(_dir, "cat.db"));
        secondVectors.Count.ShouldBe(firstVectors.Count);
        foreach (var (face, vector) in firstVectors)
            secondVectors[face].ShouldBe(vector, $"face {face}");
        File.Exists(Path.Combine(_dir, "r2", "findings.csv")).ShouldBeTrue();
        // Every stored vector now carries the new file's checksum.
        var newInt8 = Doppel.Models.Catalog.Checksum.Sha256Of(Path.Combine(replacement, "model.int8.onnx")).Hex[..12];
        VectorVersions(Path.Combine(_dir, "cat.db")).ShouldHaveSingleItem().ShouldStartWith($"sha256:{newInt8} ");

        // Someone replaces a published blob behind the manifest's back: the next process refuses to start its work.
        var manifest = (await container.GetBlobClient("models.json").DownloadContentAsync(TestContext.Current.CancellationToken)).Value.Content.ToString();
        var blob = System.Text.RegularExpressions.Regex.Match(manifest, "\"blob\": \"(dlib-resnet29/[^\"]+/model.int8.onnx)\"").Groups[1].Value;
        await container.GetBlobClient(blob).UploadAsync(new BinaryData(new byte[] { 1, 2, 3 }), overwrite: true, TestContext.Current.CancellationToken);
        var freshCache = Path.Combine(_dir, "fresh-cache");
        var refused = Run(freshCache, "--models-container", address, "dedup", Path.Combine(photos, "photos"), "--db", Path.Combine(_dir, "other.db"));
        refused.ExitCode.ShouldBe(1);
        var lines = refused.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Last().ShouldStartWith("error: ");
        lines.Last().ShouldContain($"{blob} has sha256:");
        lines.Last().ShouldContain("refusing it");
        File.Exists(Path.Combine(_dir, "other.db")).ShouldBeFalse();
        Directory.Exists(Path.Combine(freshCache, "dlib-resnet29")).ShouldBeFalse();
    }

    private static Dictionary<long, byte[]> Vectors(string db)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT face_id, vector FROM face_embeddings WHERE model = 'dlib-resnet29'";
        using var reader = command.ExecuteReader();
        var vectors = new Dictionary<long, byte[]>();
        while (reader.Read())
            vectors[reader.GetInt64(0)] = (byte[])reader.GetValue(1);
        return vectors;
    }

    private static List<string> VectorVersions(string db)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT model_version FROM face_embeddings ORDER BY 1";
        using var reader = command.ExecuteReader();
        var versions = new List<string>();
        while (reader.Read())
            versions.Add(reader.GetString(0));
        return versions;
    }

    /// <summary>A model cache holding copies of the installed default models (tests never write the real cache).</summary>
    private string CopyInstalledModels(string label)
    {
        InstalledModels.RequireDefaults();
        var cache = Path.Combine(_dir, label);
        foreach (var model in Defaults)
        {
            Directory.CreateDirectory(Path.Combine(cache, model));
            foreach (var file in Directory.GetFiles(ModelStore.ModelDirectory(model)))
                File.Copy(file, Path.Combine(cache, model, Path.GetFileName(file)));
        }
        return cache;
    }

    private DoppelProcess.Result Run(string modelCache, params string[] args) => Run(modelCache, [], args);

    private DoppelProcess.Result Run(string modelCache, (string Name, string Value)[] extra, params string[] args)
    {
        var environment = new Dictionary<string, string?>
        {
            ["DOPPEL_MODELS"] = modelCache,
            ["DOPPEL_LOG_DIR"] = Path.Combine(_dir, "logs"),
            ["AZURE_STORAGE_CONNECTION_STRING"] = azurite.ConnectionString,
            ["DOPPEL_MODELS_CONTAINER"] = null,
        };
        foreach (var (name, value) in extra)
            environment[name] = value;
        return DoppelProcess.Run(_dir, environment, args);
    }

    public void Dispose()
    {
        foreach (var dir in new[] { _dir, _corpus })
            if (dir is not null)
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
