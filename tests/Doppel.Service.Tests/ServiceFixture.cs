using System.Net.Http.Headers;
using Doppel.Application.Tokens;
using Doppel.Application.Webhooks;
using Doppel.Jobs;
using Doppel.Service;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Storage.Postgres;
using Doppel.Testing;
using Doppel.Testing.Servers;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Microsoft.AspNetCore.Builder;

namespace Doppel.Service.Tests;

/// <summary>
/// A real service on 127.0.0.1 (Kestrel on a free port) over a fresh SQLite file and media folder, with two
/// tenants: A (read, write, admin and a revoked token) and B (an admin token). Models open only when a set with
/// images is processed. <see cref="PostgresServiceFixture"/> runs the same service over PostgreSQL.
/// </summary>
public class ServiceFixture : IAsyncLifetime
{
    public string Root { get; } = RepoPaths.NewTempDir("doppel-service");
    public string Media => Path.Combine(Root, "media");
    public WebApplication App { get; private set; } = null!;
    public IDoppelDatabase Db { get; private set; } = null!;
    public Uri BaseUrl { get; private set; } = null!;
    public string ReadA { get; private set; } = "";
    public string WriteA { get; private set; } = "";
    public string AdminA { get; private set; } = "";
    public string RevokedA { get; private set; } = "";
    public string AdminB { get; private set; } = "";
    private FacePipelineAnalyzer? _analyzer;

    /// <summary>Small on purpose, so the 413 test sends little.</summary>
    public const long MaxUpload = 256 * 1024;

    /// <summary>The catalog the service runs on: a SQLite file here; null when its engine is unavailable (then
    /// <see cref="Require"/> skips the test).</summary>
    protected virtual Task<IDoppelDatabase?> OpenDatabaseAsync() => Task.FromResult<IDoppelDatabase?>(SqliteDatabase.Open(Path.Combine(Root, "doppel.db")));

    /// <summary>Skips the calling test (fails it under CI) when the catalog's engine could not be started.</summary>
    public virtual void Require()
    {
    }

    public virtual async ValueTask InitializeAsync()
    {
        if (await OpenDatabaseAsync() is not { } db)
            return;
        Db = db;
        _analyzer = new FacePipelineAnalyzer(new FacePipelineRecipe(DetectorRegistry.Default, EmbedderRegistry.Default));
        App = ServiceHost.Build(new ServiceOptions
        {
            Urls = "http://127.0.0.1:0",
            Database = Db.Location,
            MediaFolder = Media,
            MaxRequestBytes = 4 << 20,
            MaxUploadBytes = MaxUpload,
            LoadModelsAtStart = false,
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            WebhookPollInterval = TimeSpan.FromMilliseconds(50),
            Webhooks = new WebhookPolicy { FirstRetryDelay = TimeSpan.FromMilliseconds(300), MaxRetryDelay = TimeSpan.FromSeconds(5), RetryFor = TimeSpan.FromMinutes(5), Timeout = TimeSpan.FromSeconds(5) },
        }, Db, _analyzer, probes: _ => new FacePipelineAnalyzer(new FacePipelineRecipe(DetectorRegistry.Default, EmbedderRegistry.Default)));
        await App.StartAsync();
        BaseUrl = App.Address();
        var tokens = new TokenHandlers(Db);
        await tokens.AddTenantAsync("tenant-a");
        await tokens.AddTenantAsync("tenant-b");
        ReadA = (await tokens.IssueAsync("tenant-a", "reader", TokenScope.Read)).Secret;
        WriteA = (await tokens.IssueAsync("tenant-a", "writer", TokenScope.Write)).Secret;
        AdminA = (await tokens.IssueAsync("tenant-a", "admin", TokenScope.Admin)).Secret;
        var revoked = await tokens.IssueAsync("tenant-a", "gone", TokenScope.Admin);
        var tenantA = (await Db.Tenants.FindAsync("tenant-a"))!;
        await tokens.RevokeAsync(tenantA.Id, revoked.Token.Id);
        RevokedA = revoked.Secret;
        AdminB = (await tokens.IssueAsync("tenant-b", "admin-b", TokenScope.Admin)).Secret;
    }

    /// <summary>Copies the LFW photos of <paramref name="people"/> into the media folder under
    /// <paramref name="prefix"/>/PERSON/ and returns their HOPE registrations (reference_pk: the file's name, filename:
    /// its media key), in person then file order.</summary>
    public System.Text.Json.Nodes.JsonArray StagePhotos(string lfw, string prefix, IEnumerable<string> people)
    {
        var images = new System.Text.Json.Nodes.JsonArray();
        foreach (var person in people)
            foreach (var file in Directory.GetFiles(Path.Combine(lfw, person), "*.jpg").Order())
            {
                var key = $"{prefix}/{person}/{Path.GetFileName(file)}";
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Media, key))!);
                File.Copy(file, Path.Combine(Media, key), overwrite: true);
                images.Add(new System.Text.Json.Nodes.JsonObject { ["reference_pk"] = Path.GetFileNameWithoutExtension(file), ["filename"] = key });
            }
        return images;
    }

    /// <summary>A raw client for <paramref name="prefix"/> ("" or "api/"), with HOPE's header when a token is given.</summary>
    public HttpClient Client(string? token, string prefix = "api/")
    {
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl, prefix), Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
        return http;
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        if (Db is not null)
            await Db.DisposeAsync();
        _analyzer?.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The same service over a fresh PostgreSQL database of a throw-away server on 127.0.0.1 (the harness's
/// <see cref="PostgresServer"/>), so the HOPE flow is held on both engines.</summary>
public sealed class PostgresServiceFixture : ServiceFixture
{
    private readonly PostgresServer _server = new();

    /// <summary>This fixture's own server (one per test class that uses the fixture), which a test may stop and start.</summary>
    public PostgresServer Server => _server;

    protected override async Task<IDoppelDatabase?> OpenDatabaseAsync()
    {
        await _server.InitializeAsync();
        if (_server.UnavailableReason is not null)
            return null;
        var database = await _server.CreateDatabaseAsync("service");
        return await PostgresDatabase.OpenAsync(database.Uri);
    }

    public override void Require() => _server.Require();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _server.DisposeAsync();
    }
}
