using System.Text.Json.Nodes;
using Doppel.Application.Admin;
using Doppel.Application.Sets;
using Doppel.Application.Tokens;
using Doppel.Jobs;
using Doppel.Models;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Microsoft.AspNetCore.Builder;

namespace Doppel.Service.Tests;

/// <summary>
/// A service built in this process on 127.0.0.1 (a free port) over the SQLite file <c>doppel.db</c> and the media folder
/// <c>media</c> of a test's own folder, models opened only when a set needs them. Starting it again on the same folder
/// is a restart. It owns the analyzer (and the per-profile pipelines) it is given, and disposes them with the service.
/// </summary>
internal sealed class InProcessService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];
    private readonly IDisposable _pipelines;

    private InProcessService(WebApplication app, IDoppelDatabase db, string media, IDisposable pipelines)
    {
        _app = app;
        Db = db;
        Media = media;
        _pipelines = pipelines;
    }

    public IDoppelDatabase Db { get; }

    public string Media { get; }

    /// <summary>The site's root without the trailing slash ("http://127.0.0.1:PORT").</summary>
    public string Site => _app.Address().ToString().TrimEnd('/');

    /// <summary>Starts the service on <paramref name="root"/>'s catalog and media folder.</summary>
    /// <param name="modelCache">Where the service reads and activates the model profile (default: the real cache).</param>
    public static Task<InProcessService> StartAsync(string root, IImageAnalyzer analyzer, Doppel.Models.Publishing.IModelContainer? container = null, string? modelCache = null) =>
        StartAsync(root, analyzer, null, container, modelCache);

    /// <summary>Starts the service with one pipeline per model profile, as <c>doppel serve</c> without <c>--model</c> runs.</summary>
    public static Task<InProcessService> StartAsync(string root, ProfileAnalyzers profiles, string? modelCache = null) =>
        StartAsync(root, profiles.For(null), profiles, null, modelCache);

    private static async Task<InProcessService> StartAsync(string root, IImageAnalyzer analyzer, ProfileAnalyzers? profiles, Doppel.Models.Publishing.IModelContainer? container,
        string? modelCache)
    {
        var db = SqliteDatabase.Open(Path.Combine(root, "doppel.db"));
        var media = Path.Combine(root, "media");
        var app = ServiceHost.Build(new ServiceOptions
        {
            Urls = "http://127.0.0.1:0",
            Database = db.Location,
            MediaFolder = media,
            LoadModelsAtStart = false,
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
            ModelsContainer = container,
            ModelCache = modelCache ?? ModelStore.CacheRoot,
        }, db, analyzer, setAnalyzers: profiles);
        await app.StartAsync();
        return new InProcessService(app, db, media, (IDisposable?)profiles ?? analyzer);
    }

    /// <summary>An admin token of <paramref name="tenant"/>, created with the tenant when it does not exist.</summary>
    public async Task<string> AdminTokenAsync(string tenant = "registry")
    {
        var tokens = new TokenHandlers(Db);
        if (await Db.Tenants.FindAsync(tenant) is null)
            await tokens.AddTenantAsync(tenant);
        return (await tokens.IssueAsync(tenant, "admin", TokenScope.Admin)).Secret;
    }

    /// <summary>Administrator alice and reviewer bob of the admin page.</summary>
    public async Task AddUsersAsync(string adminPassword, string reviewerPassword)
    {
        var users = new AdminUserHandlers(Db);
        await users.AddAsync("alice", AdminRole.Admin, adminPassword);
        await users.AddAsync("bob", AdminRole.Reviewer, reviewerPassword);
    }

    /// <summary>A client of the <c>api/</c> prefix with <paramref name="token"/>, disposed with the service.</summary>
    public HttpClient Api(string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(_app.Address(), "api/"), Timeout = TimeSpan.FromSeconds(60) }.WithToken(token);
        _clients.Add(http);
        return http;
    }

    public Hope Hope(string token) => new(Api(token));

    public async ValueTask DisposeAsync()
    {
        foreach (var http in _clients)
            http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _pipelines.Dispose();
        await Db.DisposeAsync();
    }

    /// <summary>Removes a test's folder; a file still held open (a process on its way out) leaves it to the temp cleaner.</summary>
    public static void Delete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Copies LFW photos into <paramref name="media"/>/p/ and returns HOPE's bulk registration of them
    /// (reference_pk = the file's name without extension).</summary>
    public static JsonArray CopyPhotos(string media, IEnumerable<string> files)
    {
        Directory.CreateDirectory(Path.Combine(media, "p"));
        var images = new JsonArray();
        foreach (var file in files)
        {
            var target = Path.Combine(media, "p", Path.GetFileName(file));
            if (!File.Exists(target))
                File.Copy(file, target);
            images.Add(new JsonObject { ["reference_pk"] = Path.GetFileNameWithoutExtension(file), ["filename"] = "p/" + Path.GetFileName(file) });
        }
        return images;
    }

    /// <summary>A model cache of links to the installed models, so a profile the test activates is written there, not in the real cache.</summary>
    public static string LinkedModelCache(string root)
    {
        var cache = Path.Combine(root, "model-cache");
        Directory.CreateDirectory(cache);
        foreach (var installed in Directory.GetDirectories(ModelStore.CacheRoot).Where(d => !Path.GetFileName(d).StartsWith('.')))
            Directory.CreateSymbolicLink(Path.Combine(cache, Path.GetFileName(installed)), installed);
        return cache;
    }
}
