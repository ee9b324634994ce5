using System.Net.Http.Headers;
using Doppel.Application.Tokens;
using Doppel.Application.Webhooks;
using Doppel.Jobs;
using Doppel.Service;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;
using Microsoft.AspNetCore.Builder;

namespace Doppel.Service.Tests;

/// <summary>
/// A real service on 127.0.0.1 (Kestrel on a free port) over a fresh SQLite file and media folder, with two
/// tenants: A (read, write, admin and a revoked token) and B (an admin token). Models open only when a set with
/// images is processed.
/// </summary>
public sealed class ServiceFixture : IAsyncLifetime
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

    public async ValueTask InitializeAsync()
    {
        Db = SqliteDatabase.Open(Path.Combine(Root, "doppel.db"));
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
        }, Db, _analyzer);
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

    /// <summary>A raw client for <paramref name="prefix"/> ("" or "api/"), with HOPE's header when a token is given.</summary>
    public HttpClient Client(string? token, string prefix = "api/")
    {
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl, prefix), Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
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
