using Doppel.Cli.Tests;
using Doppel.Testing;
using Doppel.Testing.Servers;
using Npgsql;

namespace Doppel.Cli.Servers.Tests;

/// <summary>
/// <c>doppel dedup</c> with the catalog on PostgreSQL and the photos in an Azure Blob container (Azurite):
/// the same findings as SQLite and a local folder, byte for byte, and a run killed with SIGKILL resumes
/// to them.
/// </summary>
public sealed class DedupOnServersTests(PostgresServer postgres, AzuriteServer azurite) : IDisposable
{
    private readonly List<string> _corpora = [];

    /// <summary>Copies of the first LFW dev photos under DIR/photos, deleted with the test.</summary>
    private string Corpus(string label, int count)
    {
        var dir = LfwCorpus.First(label, count);
        _corpora.Add(dir);
        return dir;
    }

    public void Dispose()
    {
        foreach (var dir in _corpora)
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Dedup_on_postgresql_writes_exactly_the_findings_of_sqlite()
    {
        postgres.Require();
        var dir = Corpus("doppel-dedup-engines", 120);
        var database = await postgres.CreateDatabaseAsync("dedup");

        var sqlite = DoppelProcess.Run(dir, "dedup", "photos", "--db", "cat.db", "--report", "sqlite");
        sqlite.ExitCode.ShouldBe(0, sqlite.Error);
        var pg = DoppelProcess.Run(dir, "dedup", "photos", "--db", database.Uri, "--report", "postgres");
        pg.ExitCode.ShouldBe(0, pg.Error);
        pg.Output.ShouldContain("processed this run: 120");
        var findings = File.ReadAllText(Path.Combine(dir, "sqlite", "findings.csv"));
        findings.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBeGreaterThan(5);
        File.ReadAllText(Path.Combine(dir, "postgres", "findings.csv")).ShouldBe(findings);
        // The ids a reviewer reads are the same too: both engines number media, faces and findings in the same order.
        Findings(dir, "cat.db").ShouldBe(Findings(dir, database.Uri));

        // DOPPEL_DB selects the engine as --db does; an unchanged re-run processes nothing.
        var again = DoppelProcess.Run(dir, new Dictionary<string, string?> { ["DOPPEL_DB"] = database.Uri }, "dedup", "photos");
        again.ExitCode.ShouldBe(0, again.Error);
        again.Output.ShouldContain("processed this run: 0");
        File.Exists(Path.Combine(dir, "doppel.db")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_dedup_on_postgresql_killed_at_random_points_resumes_to_identical_findings()
    {
        postgres.Require();
        const int images = 300;
        var dir = Corpus("doppel-dedup-killed", images);
        var clean = DoppelProcess.Run(dir, "dedup", "photos", "--db", "clean.db", "--report", "clean");
        clean.ExitCode.ShouldBe(0, clean.Error);

        var database = await postgres.CreateDatabaseAsync("killed");
        var random = new Random();
        // Results are committed 64 images at a time (DedupSetHandler.BatchSize): done goes 64, 128, ..., 256, 300.
        // Inference runs ahead of the commits, so the commit after the one the poll saw can land before the kill does
        // (seen: a point drawn in 150-250 waited for 256, and 300 followed before SIGKILL). Each point is therefore at
        // most one batch past what is done, so even one commit too many leaves work to resume: 64 + 64 + 64 + 64 < 300.
        var points = new List<long>();
        long previous = 0;
        for (int round = 0; round < 2; round++)
        {
            long killAfter = previous + random.Next(1, 65);
            points.Add(killAfter);
            using var process = DoppelProcess.Start(dir, "dedup", "photos", "--db", database.Uri, "--report", "killed");
            var deadline = DateTime.UtcNow.AddMinutes(5);
            long done = 0;
            while (!process.HasExited && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
                done = await CountDoneAsync(database.ConnectionString);
                if (done >= killAfter)
                    break;
            }
            process.HasExited.ShouldBeFalse($"the run ended before it could be killed after {killAfter} images; make the corpus larger");
            process.Kill(entireProcessTree: true); // SIGKILL: no cleanup code runs, its connections just drop
            process.WaitForExit();
            done = await CountDoneAsync(database.ConnectionString);
            done.ShouldBeGreaterThan(previous, $"kill points {string.Join(", ", points)}");
            done.ShouldBeLessThan(images);
            previous = done;
        }

        var resumed = DoppelProcess.Run(dir, "dedup", "photos", "--db", database.Uri, "--report", "killed");
        resumed.ExitCode.ShouldBe(0, resumed.Error);
        resumed.Output.ShouldContain($"processed this run: {images - previous}");
        File.ReadAllText(Path.Combine(dir, "killed", "findings.csv")).ShouldBe(File.ReadAllText(Path.Combine(dir, "clean", "findings.csv")),
            $"kill points {string.Join(", ", points)}");
    }

    [Fact]
    public async Task Dedup_of_a_container_prefix_finds_exactly_what_the_same_folder_gives()
    {
        azurite.Require();
        var dir = Corpus("doppel-dedup-blob", 80);
        var photos = Path.Combine(dir, "photos");
        var container = await azurite.CreateContainerAsync("photos");
        foreach (var file in Directory.EnumerateFiles(photos, "*", SearchOption.AllDirectories))
            await container.GetBlobClient("enrolment/2024/" + Path.GetRelativePath(photos, file).Replace('\\', '/'))
                .UploadAsync(file, TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string?> { ["AZURE_STORAGE_CONNECTION_STRING"] = azurite.ConnectionString };

        var folder = DoppelProcess.Run(dir, "dedup", "photos", "--db", "folder.db", "--report", "folder-report");
        folder.ExitCode.ShouldBe(0, folder.Error);
        var blob = DoppelProcess.Run(dir, environment, "dedup", $"az://{container.Name}/enrolment/2024", "--db", "blob.db", "--report", "blob-report");
        blob.ExitCode.ShouldBe(0, blob.Error);
        blob.Output.ShouldContain("processed this run: 80");

        var fromFolder = Findings(dir, "folder.db").Select(r => r.Replace(photos + "/", "")).ToList();
        var fromBlob = Findings(dir, "blob.db", environment).Select(r => r.Replace("enrolment/2024/", "")).ToList();
        fromFolder.Count.ShouldBeGreaterThan(2);
        fromBlob.ShouldBe(fromFolder);
        // The report names images relative to the root in both cases.
        File.ReadAllText(Path.Combine(dir, "blob-report", "findings.csv")).ShouldBe(File.ReadAllText(Path.Combine(dir, "folder-report", "findings.csv")));

        // A second run of the container reads the listing and the hashes, and processes nothing.
        var again = DoppelProcess.Run(dir, environment, "dedup", $"az://{container.Name}/enrolment/2024", "--db", "blob.db");
        again.ExitCode.ShouldBe(0, again.Error);
        again.Output.ShouldContain("processed this run: 0");

        var missing = DoppelProcess.Run(dir, environment, "dedup", $"az://{container.Name}/no-such-prefix", "--db", "blob.db");
        missing.ExitCode.ShouldBe(1);
        missing.Error.Trim().ShouldStartWith("error: No blobs under");
    }

    /// <summary>The findings as <c>doppel findings list --format csv</c> prints them (ids, both images, score, status).</summary>
    private static List<string> Findings(string dir, string db, Dictionary<string, string?>? environment = null)
    {
        var list = DoppelProcess.Run(dir, environment ?? [], "findings", "list", "--db", db, "--format", "csv");
        list.ExitCode.ShouldBe(0, list.Error);
        return [.. list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static async Task<long> CountDoneAsync(string connectionString)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM media_files WHERE state = 'done'", connection);
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0; // the schema is not there yet
        }
    }
}
