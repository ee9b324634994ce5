using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Doppel.Application.Admin;
using Doppel.Application.Sets;
using Doppel.Application.Tokens;
using Doppel.Storage;
using Doppel.Storage.Postgres;
using Doppel.Testing;
using Doppel.Testing.Servers;
using Doppel.Vision.Embedding;
using Npgsql;

namespace Doppel.Service.Tests;

/// <summary>
/// The service with workers, as README's "many machines" lines start it: PostgreSQL (started here), the real
/// <c>doppel serve</c> on it and one real <c>doppel worker</c>. A HOPE client's flow (create, register real LFW photos,
/// a missing file and a text file, process, notification, findings) runs on the worker, through Hangfire, as the job
/// graph of a distributed dedup (analysis in chunks of 3 images, matching in blocks of 2 faces, one fan-in), and ends
/// with exactly the findings of the same flow processed inside the service (<c>serve --in-process</c>, a second
/// database). Hangfire's dashboard is there for a signed-in administrator only: no session → the sign-in page, a
/// reviewer → 403; the administrator finds the set's job by name.
/// </summary>
public sealed class WorkersServiceTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private static readonly string[] People = ["Aaron_Peirsol", "Abdullah_Gul", "Abel_Pacheco"];

    [Fact]
    public async Task AWorkerProcessesTheServicesSetsWithTheInProcessFindings()
    {
        server.Require();
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-serve-workers");
        var (media, images) = Media(lfw, root);

        var withWorkers = await server.CreateDatabaseAsync("svcworkers");
        var inProcess = await server.CreateDatabaseAsync("svcinprocess");
        var token = await SeedAsync(withWorkers.Uri, ct);
        var baselineToken = await SeedAsync(inProcess.Uri, ct);
        var log = new ConcurrentQueue<string>();
        var processes = new List<Process>();
        try
        {
            int port = Ports.Free();
            var site = $"http://127.0.0.1:{port}";
            processes.Add(Start(log, "serve", "--db", withWorkers.Uri, "--media", media, "--urls", site, "--chunk-size", "3", "--block-size", "2"));
            // The worker after the service is up: the service created Hangfire's schema, so the two never race to.
            using (var probe = new HttpClient())
                await WaitUntilAsync(async () => (await ServeProcessTests.Try(() => probe.GetAsync(site + "/readyz", ct)))?.StatusCode == HttpStatusCode.OK, processes, log);
            processes.Add(Start(log, "worker", "--db", withWorkers.Uri, "--queues", "analyse=1,match=1,report=1,notify=1"));
            await using var receiver = await Receiver.StartAsync();
            var observer = new Hope(Client(site, token));
            receiver.OnCall = async _ => await observer.StateAsync("PROG-W");
            var viaWorkers = await HopeFlowAsync(site, token, images, new Uri(receiver.Url, "notify/").ToString(), processes, log);

            // The end notification went out after the worker stored the results: the client reacting to it read Ready.
            var calls = await receiver.WaitForAsync(c => c.Count >= 2);
            calls.Count.ShouldBe(2, string.Join('\n', log));
            calls.ShouldAllBe(c => c.Method == "GET" && c.Path == "/notify/");
            calls[1].Observed.ShouldBe("Ready");
            // The work was Hangfire jobs the worker completed, not the service's own: one start job, then the set's graph.
            (await SucceededSetJobsAsync(withWorkers.ConnectionString, ct)).ShouldBe(1, string.Join('\n', log));
            await using (var work = await Doppel.Workers.WorkStore.OpenAsync(withWorkers.ConnectionString, ct))
            {
                var done = (await work.GetSetAsync(1, ct))!;
                done.ServiceSet.ShouldNotBeNull();
                done.State.ShouldBe(Doppel.Workers.WorkState.Completed);
                // The set opened with the active profile (licence-clean, nothing selected) and the work recorded its recogniser.
                done.Recogniser.ShouldBe(ModelProfiles.LicenceClean.Embedder);
                // The 11 found files (10 photos and the text file) in chunks of 3; the usable faces in blocks of 2.
                (done.Chunks, done.ChunksDone).ShouldBe((4, 4));
                done.Partitions!.Value.ShouldBeGreaterThan(1);
                done.PartitionsDone.ShouldBe(done.Partitions.Value);
            }

            await DashboardIsForAdministratorsAsync(site, log, ct);

            int basePort = Ports.Free();
            var baseSite = $"http://127.0.0.1:{basePort}";
            processes.Add(Start(log, "serve", "--db", inProcess.Uri, "--media", media, "--urls", baseSite, "--in-process"));
            var baseline = await HopeFlowAsync(baseSite, baselineToken, images, null, processes, log);
            (await SucceededSetJobsAsync(inProcess.ConnectionString, ct)).ShouldBe(0);
            using (var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }))
                (await anonymous.GetAsync(baseSite + "/admin/jobs/", ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound, "no dashboard without workers");

            viaWorkers.ShouldContain(f => f.StartsWith("200 ", StringComparison.Ordinal));
            viaWorkers.ShouldContain("404 IND-MISSING | 0");
            viaWorkers.ShouldContain("500 IND-TEXT | 0");
            viaWorkers.ShouldBe(baseline);
        }
        finally
        {
            await StopAsync(processes, root);
        }
    }

    /// <summary>
    /// A worker that dies with a job just fetched, both ways, on the service's job graph: (1) inside Hangfire's state change
    /// of the set's start job (Enqueued → Processing), written exactly as such a kill leaves it (queue row fetched, the job's
    /// state lock held by a dead process) before any worker runs: 1 run in 8 of this flow stayed Enqueued over 3 minutes
    /// (2026-12-07) until Hangfire.PostgreSql broke the lock after its 10-minute default; (2) kill -9 of the worker as soon as
    /// a chunk job is Processing, and a fresh worker in its place. The set must reach Ready with the in-process findings.
    /// </summary>
    [Fact]
    public async Task AWorkerKilledRightAfterFetchingLeavesNoServiceSetStuck()
    {
        server.Require();
        var lfw = SharedData.Require("data/lfw-dev/images");
        InstalledModels.RequireDefaults();
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-serve-workers-kill");
        var (media, images) = Media(lfw, root);
        var withWorkers = await server.CreateDatabaseAsync("svckill");
        var inProcess = await server.CreateDatabaseAsync("svckillbase");
        var token = await SeedAsync(withWorkers.Uri, ct);
        var baselineToken = await SeedAsync(inProcess.Uri, ct);
        var log = new ConcurrentQueue<string>();
        var processes = new List<Process>();
        string[] worker = ["worker", "--db", withWorkers.Uri, "--queues", "analyse=1,match=1,report=1,notify=1", "--orphan-after", "3", "--lease-ttl", "4"];
        try
        {
            var site = $"http://127.0.0.1:{Ports.Free()}";
            processes.Add(Start(log, "serve", "--db", withWorkers.Uri, "--media", media, "--urls", site, "--chunk-size", "3", "--block-size", "2"));
            var hope = await StartFlowAsync(site, token, images, null, processes, log);
            await using var jobs = new NpgsqlConnection(withWorkers.ConnectionString);
            await jobs.OpenAsync(ct);
            long start = await PollJobAsync(jobs, "SetWork", "Enqueued", processes, log);
            await using (var dead = new NpgsqlCommand($"""
                UPDATE hangfire.jobqueue SET fetchedat = now() WHERE jobid = {start};
                INSERT INTO hangfire.lock (resource, updatecount, acquired) VALUES ('hangfire:job:{start}:state-lock', 0, now());
                """, jobs))
                await dead.ExecuteNonQueryAsync(ct);

            processes.Add(Start(log, worker));
            long chunk = await PollJobAsync(jobs, "AnalyseChunk", "Processing", processes, log);
            var killed = processes[^1];
            killed.Kill(entireProcessTree: true);
            await killed.WaitForExitAsync(ct);
            processes.Remove(killed);
            killed.Dispose();
            log.Enqueue($"[test] killed the worker with chunk job {chunk} Processing");
            processes.Add(Start(log, worker));
            var viaWorkers = await FindingsAsync(hope, log);
            await using (var state = new NpgsqlCommand($"SELECT count(*) FROM hangfire.job WHERE id IN ({start}, {chunk}) AND statename = 'Succeeded'", jobs))
                ((long)(await state.ExecuteScalarAsync(ct))!).ShouldBe(2L, string.Join('\n', log));

            var baseSite = $"http://127.0.0.1:{Ports.Free()}";
            processes.Add(Start(log, "serve", "--db", inProcess.Uri, "--media", media, "--urls", baseSite, "--in-process"));
            var baseline = await HopeFlowAsync(baseSite, baselineToken, images, null, processes, log);
            viaWorkers.ShouldContain(f => f.StartsWith("200 ", StringComparison.Ordinal));
            viaWorkers.ShouldBe(baseline);
        }
        finally
        {
            await StopAsync(processes, root);
        }
    }

    /// <summary>
    /// Workers follow each set's profile (issue 10): a worker started on the default profile (licence-clean) is handed a
    /// set whose group names the accurate profile. Its model cache lacks the accurate profile's own models, so the set's
    /// start job fails with an error naming the model and the install command, and the set goes to Failed, nothing lost;
    /// once the models are installed (linked into that cache: the running worker is not restarted) the same set is
    /// processed again and reaches Ready, embedded with the accurate profile's models, with exactly the findings (scores
    /// included: the confidence follows the profile's calibrated threshold) of the same set processed in the service.
    /// </summary>
    [Fact]
    public async Task AWorkerProcessesASetWithTheProfileItWasOpenedWithAndAMissingModelFailsItUntilInstalled()
    {
        server.Require();
        var lfw = SharedData.Require("data/lfw-dev/images");
        var accurateOnly = ModelProfiles.Accurate.Models.Select(m => m.Name).Except(ModelProfiles.LicenceClean.Models.Select(m => m.Name)).ToList();
        InstalledModels.Require([.. ModelProfiles.LicenceClean.Models.Concat(ModelProfiles.Accurate.Models).Select(m => m.Name).Distinct()]);
        accurateOnly.ShouldNotBeEmpty();
        var ct = TestContext.Current.CancellationToken;
        var root = RepoPaths.NewTempDir("doppel-serve-workers-profile");
        var media = Path.Combine(root, "media");
        var images = new JsonArray();
        foreach (var person in People.Take(2))
            foreach (var file in Directory.GetFiles(Path.Combine(lfw, person), "*.jpg").Order().Take(3))
            {
                var key = $"p/{person}/{Path.GetFileName(file)}";
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(media, key))!);
                File.Copy(file, Path.Combine(media, key));
                images.Add(new JsonObject { ["reference_pk"] = Path.GetFileNameWithoutExtension(file), ["filename"] = key });
            }
        // The worker's model cache: every installed model but the accurate profile's own.
        var cache = Path.Combine(root, "worker-models");
        Directory.CreateDirectory(cache);
        foreach (var installed in Directory.GetDirectories(Doppel.Models.ModelStore.CacheRoot).Where(d => !Path.GetFileName(d).StartsWith('.') && !accurateOnly.Contains(Path.GetFileName(d))))
            Directory.CreateSymbolicLink(Path.Combine(cache, Path.GetFileName(installed)), installed);

        var withWorkers = await server.CreateDatabaseAsync("svcprofile");
        var inProcess = await server.CreateDatabaseAsync("svcprofilebase");
        // Admin tokens: a group's settings (its profile) are an administrator's.
        var token = await SeedAsync(withWorkers.Uri, ct, TokenScope.Admin);
        var baselineToken = await SeedAsync(inProcess.Uri, ct, TokenScope.Admin);
        var log = new ConcurrentQueue<string>();
        var processes = new List<Process>();
        try
        {
            var site = $"http://127.0.0.1:{Ports.Free()}";
            processes.Add(Start(log, "serve", "--db", withWorkers.Uri, "--media", media, "--urls", site, "--chunk-size", "2", "--block-size", "2"));
            using (var probe = new HttpClient())
                await WaitUntilAsync(async () => (await ServeProcessTests.Try(() => probe.GetAsync(site + "/readyz", ct)))?.StatusCode == HttpStatusCode.OK, processes, log);
            var worker = ServeProcessTests.Info("worker", "--db", withWorkers.Uri, "--queues", "analyse=1,match=1,report=1,notify=1", "--attempts", "1");
            worker.Environment["DOPPEL_MODELS"] = cache;
            processes.Add(Start(log, worker));

            var hope = new Hope(Client(site, token));
            await OpenAccurateSetAsync(hope, images);
            (await hope.PostAsync("deduplication_sets/PROG-A/process/")).Status.ShouldBe(HttpStatusCode.OK);
            (await hope.WaitForStateAsync("PROG-A", "Ready", "Failed")).ShouldBe("Failed", string.Join('\n', log.TakeLast(40)));
            var error = (await hope.GetAsync("deduplication_sets/PROG-A/")).Body!["error"]!.GetValue<string>();
            error.ShouldContain($"Model '{accurateOnly[0]}' is not installed", customMessage: error);
            error.ShouldContain($"doppel models install {accurateOnly[0]}", customMessage: error);
            (await hope.AllPagesAsync("deduplication_sets/PROG-A/images/?page_size=50")).Count.ShouldBe(images.Count, "the set keeps its images");

            // Installed: the same worker, the same set, processed again.
            foreach (var name in accurateOnly)
                Directory.CreateSymbolicLink(Path.Combine(cache, name), Path.Combine(Doppel.Models.ModelStore.CacheRoot, name));
            (await hope.PostAsync("deduplication_sets/PROG-A/process/")).Status.ShouldBe(HttpStatusCode.OK);
            var viaWorkers = await FindingsAsync(hope, log, "PROG-A");

            await using (var work = await Doppel.Workers.WorkStore.OpenAsync(withWorkers.ConnectionString, ct))
            {
                var done = (await work.GetSetAsync(1, ct))!;
                (done.Recogniser, done.State).ShouldBe((ModelProfiles.Accurate.Embedder, Doppel.Workers.WorkState.Completed));
                done.Profile.ShouldBe(RecognitionProfiles.Accurate);
                var accurate = new Doppel.Jobs.FacePipelineRecipe(Doppel.Vision.Detection.DetectorRegistry.Default, ModelProfiles.Accurate.Embedder);
                (done.Model, done.ModelVersion).ShouldBe((accurate.EmbeddingModel, accurate.EmbeddingModelVersion));
            }

            var baseSite = $"http://127.0.0.1:{Ports.Free()}";
            processes.Add(Start(log, "serve", "--db", inProcess.Uri, "--media", media, "--urls", baseSite, "--in-process"));
            var baselineHope = new Hope(Client(baseSite, baselineToken));
            await WaitUntilAsync(async () => (await ServeProcessTests.Try(() => baselineHope.Http.GetAsync(baseSite + "/readyz")))?.StatusCode == HttpStatusCode.OK, processes, log);
            await OpenAccurateSetAsync(baselineHope, images);
            (await baselineHope.PostAsync("deduplication_sets/PROG-A/process/")).Status.ShouldBe(HttpStatusCode.OK);
            var baseline = await FindingsAsync(baselineHope, log, "PROG-A");
            viaWorkers.ShouldContain(f => f.StartsWith("200 ", StringComparison.Ordinal));
            viaWorkers.ShouldBe(baseline);
        }
        finally
        {
            await StopAsync(processes, root);
        }
    }

    /// <summary>Group PROG-A on the accurate profile (licence accepted), its set opened with <paramref name="images"/>.</summary>
    private static async Task OpenAccurateSetAsync(Hope hope, JsonArray images)
    {
        (await hope.SendAsync(HttpMethod.Patch, "v1/groups/PROG-A/settings",
            new JsonObject { ["model_profile"] = ModelProfiles.AccurateName, [GroupSettings.AcceptLicence] = true })).Status.ShouldBe(HttpStatusCode.OK);
        var (status, created) = await hope.PostAsync("deduplication_sets/", new JsonObject { ["reference_pk"] = "PROG-A" });
        status.ShouldBe(HttpStatusCode.Created);
        created!["config"]!["model_profile"]!.GetValue<string>().ShouldBe(ModelProfiles.AccurateName);
        (await hope.PostAsync("deduplication_sets/PROG-A/images_bulk/", JsonNode.Parse(images.ToJsonString()))).Status.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>The job of <paramref name="method"/> (the first by id) once it is in <paramref name="state"/>.</summary>
    private static async Task<long> PollJobAsync(NpgsqlConnection jobs, string method, string state, List<Process> processes, ConcurrentQueue<string> log)
    {
        long? id = null;
        await WaitUntilAsync(async () =>
        {
            await using var command = new NpgsqlCommand($"""
                SELECT min(id) FROM hangfire.job WHERE invocationdata::text LIKE '%{method}%' AND statename = '{state}'
                """, jobs);
            id = await command.ExecuteScalarAsync() is long found ? found : null;
            return id is not null;
        }, processes, log, pollMs: 10);
        return id!.Value;
    }

    /// <summary>The LFW photos of <see cref="People"/> under ROOT/media (keys p/PERSON/FILE), a text file named like a photo and
    /// a key with no file; the HOPE images_bulk body that registers them.</summary>
    private static (string Media, JsonArray Images) Media(string lfw, string root)
    {
        var media = Path.Combine(root, "media");
        var images = new JsonArray();
        foreach (var person in People)
            foreach (var file in Directory.GetFiles(Path.Combine(lfw, person), "*.jpg").Order())
            {
                var key = $"p/{person}/{Path.GetFileName(file)}";
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(media, key))!);
                File.Copy(file, Path.Combine(media, key));
                images.Add(new JsonObject { ["reference_pk"] = Path.GetFileNameWithoutExtension(file), ["filename"] = key });
            }
        File.WriteAllText(Path.Combine(media, "p", "not-an-image.jpg"), "this is text");
        images.Add(new JsonObject { ["reference_pk"] = "IND-TEXT", ["filename"] = "p/not-an-image.jpg" });
        images.Add(new JsonObject { ["reference_pk"] = "IND-MISSING", ["filename"] = "p/never-uploaded.jpg" });
        return (media, images);
    }

    private static async Task StopAsync(List<Process> processes, string root)
    {
        foreach (var process in processes)
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            process.Dispose();
        }
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A tenant with a token (write: a registration system's), an administrator and a reviewer of the admin page; returns the token.</summary>
    private static async Task<string> SeedAsync(string uri, CancellationToken ct, TokenScope scope = TokenScope.Write)
    {
        await using var db = await PostgresDatabase.OpenAsync(uri, ct);
        var tokens = new TokenHandlers(db);
        await tokens.AddTenantAsync("registry", ct);
        var users = new AdminUserHandlers(db);
        await users.AddAsync("alice", AdminRole.Admin, AdminPassword, ct);
        await users.AddAsync("bob", AdminRole.Reviewer, ReviewerPassword, ct);
        return (await tokens.IssueAsync("registry", "hope", scope, ct)).Secret;
    }

    private const string AdminPassword = "correct horse battery";
    private const string ReviewerPassword = "reviewer horse battery";

    /// <summary>Create PROG-W, register, process, wait for Ready; every finding as "STATUS FIRST|SECOND|SCORE", sorted.</summary>
    private static async Task<List<string>> HopeFlowAsync(string site, string token, JsonArray images, string? notify, List<Process> processes, ConcurrentQueue<string> log) =>
        await FindingsAsync(await StartFlowAsync(site, token, images, notify, processes, log), log);

    /// <summary>Create PROG-W, register, process (started).</summary>
    private static async Task<Hope> StartFlowAsync(string site, string token, JsonArray images, string? notify, List<Process> processes, ConcurrentQueue<string> log)
    {
        var http = Client(site, token);
        await WaitUntilAsync(async () => (await ServeProcessTests.Try(() => http.GetAsync(site + "/readyz")))?.StatusCode == HttpStatusCode.OK, processes, log);
        var hope = new Hope(http);
        var body = new JsonObject { ["reference_pk"] = "PROG-W" };
        if (notify is not null)
            body["notification_url"] = notify;
        (await hope.PostAsync("deduplication_sets/", body)).Status.ShouldBe(HttpStatusCode.Created);
        (await hope.PostAsync("deduplication_sets/PROG-W/images_bulk/", JsonNode.Parse(images.ToJsonString()))).Status.ShouldBe(HttpStatusCode.OK);
        var (status, started) = await hope.PostAsync("deduplication_sets/PROG-W/process/");
        status.ShouldBe(HttpStatusCode.OK);
        started!["message"]!.GetValue<string>().ShouldBe("started");
        return hope;
    }

    /// <summary>Waits for the set of <paramref name="group"/> to be Ready; every finding as "STATUS FIRST|SECOND|SCORE", sorted.</summary>
    private static async Task<List<string>> FindingsAsync(Hope hope, ConcurrentQueue<string> log, string group = "PROG-W")
    {
        (await hope.WaitForStateAsync(group, "Ready", "Failed")).ShouldBe("Ready", string.Join('\n', log.TakeLast(60)));
        var findings = await hope.AllPagesAsync($"deduplication_sets/{group}/duplicates/?page_size=7");
        return findings.Select(f => $"{f["status_code"]!.GetValue<int>()} {f["first"]!["reference_pk"]!.GetValue<string>()}|{f["second"]!["reference_pk"]!.GetValue<string>()}"
                                    .TrimEnd('|') + $" | {f["score"]!.GetValue<double>().ToString("R", System.Globalization.CultureInfo.InvariantCulture)}")
            .Order(StringComparer.Ordinal).ToList();
    }

    private static async Task DashboardIsForAdministratorsAsync(string site, ConcurrentQueue<string> log, CancellationToken ct)
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(site) };
        foreach (var path in new[] { "/admin/jobs/", "/admin/jobs/jobs/succeeded", "/admin/jobs/jobs/failed" })
        {
            var refused = await anonymous.GetAsync(path, ct);
            refused.StatusCode.ShouldBe(HttpStatusCode.Redirect, path);
            refused.Headers.Location!.ToString().ShouldContain("/admin/login");
        }
        (await anonymous.PostAsync("/admin/jobs/stats", new StringContent(""), ct)).StatusCode.ShouldNotBe(HttpStatusCode.OK);
        // An API token is not a session: the dashboard is for people signed in to the admin page.
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/admin/jobs/"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", "dpl_anything");
            (await anonymous.SendAsync(request, ct)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        using var reviewer = await AdminHttp.SignInAsync(site, "bob", ReviewerPassword, ct);
        (await reviewer.GetAsync("/admin/jobs/", ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reviewer.GetAsync("/admin/jobs/jobs/succeeded", ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reviewer.GetStringAsync("/admin/api/me", ct)).ShouldContain("\"jobs_dashboard\":null");

        using var admin = await AdminHttp.SignInAsync(site, "alice", AdminPassword, ct);
        (await admin.GetStringAsync("/admin/api/me", ct)).ShouldContain("\"jobs_dashboard\":\"/admin/jobs/\"");
        var page = await admin.GetAsync("/admin/jobs/jobs/succeeded", ct);
        page.StatusCode.ShouldBe(HttpStatusCode.OK, string.Join('\n', log.TakeLast(20)));
        var html = await page.Content.ReadAsStringAsync(ct);
        html.ShouldContain("Doppel jobs");
        // A newcomer finds the set's job by its name.
        html.ShouldContain("Process service set");
        // The page's own Jobs view links the dashboard for administrators, never for reviewers.
        (await admin.GetStringAsync("/admin/api/jobs", ct)).ShouldContain("\"dashboard\":\"/admin/jobs/\"");
        (await reviewer.GetStringAsync("/admin/api/jobs", ct)).ShouldContain("\"dashboard\":null");
    }

    private static async Task<long> SucceededSetJobsAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('hangfire.job') IS NOT NULL", connection);
        if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
            return 0;
        await using var command = new NpgsqlCommand("SELECT count(*) FROM hangfire.job WHERE statename = 'Succeeded' AND invocationdata::text LIKE '%SetWork%'", connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static HttpClient Client(string site, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(site + "/api/"), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
        return http;
    }

    private static Process Start(ConcurrentQueue<string> log, params string[] args) => Start(log, ServeProcessTests.Info(args));

    private static Process Start(ConcurrentQueue<string> log, ProcessStartInfo info)
    {
        var args = info.ArgumentList.Skip(1).ToArray();
        var process = Process.Start(info)!;
        // JSON request lines are many; keep the plain ones and any error.
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && (!e.Data.StartsWith('{') || e.Data.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || e.Data.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal)))
                log.Enqueue($"[{args[0]}] {e.Data}");
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue($"[{args[0]}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> ready, List<Process> processes, ConcurrentQueue<string> log, int pollMs = 200)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await ready())
        {
            processes.ShouldAllBe(p => !p.HasExited, string.Join('\n', log));
            DateTime.UtcNow.ShouldBeLessThan(deadline, string.Join('\n', log));
            await Task.Delay(pollMs);
        }
    }
}
