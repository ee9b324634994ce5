using System.Threading.Channels;
using Doppel.Application.Sets;
using Doppel.Application.Tokens;
using Doppel.Application.Webhooks;
using Doppel.Service.Admin;
using Doppel.Jobs;
using Doppel.Storage;
using Doppel.Workers;
using Doppel.Vision.Embedding;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Scalar.AspNetCore;

namespace Doppel.Service;

/// <summary>
/// Builds the web application of <c>doppel serve</c>: one <see cref="IDoppelDatabase"/> and media folder for the
/// process, the application handlers, the HOPE-compatible and v1 endpoints, OpenAPI at <c>/openapi/v1.json</c> with
/// the Scalar UI at <c>/scalar</c> (its script served from the package, no CDN), <c>/healthz</c> and <c>/readyz</c>,
/// JSON logs with each request's id, RFC 7807 errors, a request body limit, and the background workers (set
/// processing, unless <see cref="ServiceOptions.JobsDatabase"/> hands it to <c>doppel worker</c> processes; webhook
/// delivery). The admin page is at <c>/admin/</c> (cookie sign-in; see <see cref="AdminAuth"/>), with Hangfire's
/// dashboard at <c>/admin/jobs</c> when workers process the sets.
/// </summary>
public static class ServiceHost
{
    /// <param name="probes">Makes the pipelines verify and identify run on, per model profile (null: the service's own
    /// recipe; see <see cref="ProbeAnalyzer"/>); null: they share <paramref name="analyzer"/> and the sets' pipelines, one
    /// call at a time.</param>
    /// <param name="setAnalyzers">The pipelines sets run on, per model profile (<see cref="ProfileAnalyzers"/>); null: every
    /// set runs on <paramref name="analyzer"/>. The caller disposes them.</param>
    public static WebApplication Build(ServiceOptions options, IDoppelDatabase db, IImageAnalyzer analyzer, string[]? args = null, Func<ModelProfile?, IImageAnalyzer>? probes = null,
        ISetAnalyzers? setAnalyzers = null)
    {
        ReserveThreads();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args ?? [] });
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        // One line per request comes from our own middleware (with its id); the framework's own per-request lines would double it.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        Directory.CreateDirectory(options.MediaFolder);
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(db);
        services.AddSingleton(analyzer);
        services.AddSingleton(sp => new ProbeAnalyzer(analyzer, sp.GetRequiredService<ISetAnalyzers>(), probes));
        var media = new MediaFolder(options.MediaFolder);
        services.AddSingleton(media);
        if (options.JobsDatabase is { } jobs)
        {
            // Workers process the sets: the service only queues them (Hangfire on PostgreSQL).
            services.AddDoppelJobs(jobs);
            services.AddDoppelSetQueue(media.Root, options.SetChunkSize, options.SetBlockSize);
        }
        else
        {
            services.AddSingleton<InProcessSetQueue>();
            services.AddSingleton<ISetProcessingQueue>(sp => sp.GetRequiredService<InProcessSetQueue>());
            services.AddHostedService<SetProcessingWorker>();
        }
        services.AddSingleton<SetEvents>(sp => new SetEvents(db));
        services.AddSingleton(setAnalyzers ?? new FixedSetAnalyzers(analyzer));
        services.AddSingleton(sp => new SetHandlers(db, sp.GetRequiredService<ISetProcessingQueue>(), sp.GetRequiredService<SetEvents>(), sp.GetRequiredService<ISetAnalyzers>()));
        services.AddSingleton<TokenHandlers>();
        services.AddSingleton(sp => new ProcessSetHandler(db, sp.GetRequiredService<ISetAnalyzers>(), media, sp.GetRequiredService<SetHandlers>()));
        services.AddSingleton(options.Webhooks);
        services.AddHttpClient(nameof(WebhookDispatcher)).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddSingleton(sp => new WebhookDispatcher(db, sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(WebhookDispatcher)), options.Webhooks));
        services.AddSingleton<ModelReadiness>();
        services.AddHostedService<WebhookWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelReadiness>());
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx => ctx.ProblemDetails.Extensions["request_id"] = ctx.HttpContext.TraceIdentifier);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddAdminAuth(options.AdminSignInsPerMinute);
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Doppel";
            doc.Info.Description = "Face deduplication service: the HOPE deduplication engine's API (root and api/ prefixes) and Doppel's own v1. Authorization: Token <key>.";
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(async (context, next) =>
        {
            // Every log line of the request carries its id; the caller gets it back to quote.
            var log = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Doppel.Service.Requests");
            context.Response.Headers["X-Request-Id"] = context.TraceIdentifier;
            using var scope = log.BeginScope(new Dictionary<string, object> { ["RequestId"] = context.TraceIdentifier });
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await next(context);
            log.LogInformation("{Method} {Path} {Status} {ElapsedMs} ms", context.Request.Method, context.Request.Path.Value, context.Response.StatusCode, clock.ElapsedMilliseconds);
        });

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/scalar", o => o.WithTitle("Doppel API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        app.MapGet("/healthz", () => Results.Ok(new { status = "live" })).WithTags("Health");
        app.MapGet("/readyz", Ready).WithTags("Health");
        HopeApi.Map(app);
        V1Api.Map(app);
        PersonsApi.Map(app);
        RecognitionApi.Map(app);
        AdminPage.Map(app);
        AdminApi.Map(app);
        if (options.JobsDatabase is not null)
        {
            // Hangfire's dashboard for administrators only: the admin policy refuses others before Hangfire runs
            // (no cookie → the sign-in page, a reviewer → 403), and Hangfire's own check repeats it for its posts.
            app.MapDoppelJobsDashboard(AdminAuth.JobsPath, c => c.User.IsInRole("admin"), appPath: "/admin/")
                .RequireAuthorization(AdminAuth.AdminPolicy);
        }
        return app;
    }

    /// <summary>Worker threads the pool starts without delay.</summary>
    public const int MinWorkerThreads = 64;

    /// <summary>
    /// The SQLite engine's calls block their thread (Microsoft.Data.Sqlite has no asynchronous I/O), and a request that
    /// writes waits there for SQLite's single writer (up to the busy timeout) while a processing set commits a batch.
    /// The thread pool starts one thread per core without delay and adds more at about two a second once they are all
    /// blocked, so a burst of such waits on a 2-core machine stalls every request, reads included, for up to a second
    /// (the bench's p99 of 0.8–0.96 s while p50 was 21–27 ms, docs/benchmarks.md). Idle threads cost only their stack
    /// and leave after a while.
    /// </summary>
    private static void ReserveThreads()
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        if (workers < MinWorkerThreads)
            ThreadPool.SetMinThreads(MinWorkerThreads, io);
    }

    /// <summary>The first address the started application listens on (with port 0 resolved).</summary>
    public static Uri Address(this WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1") + "/");

    private static async Task<IResult> Ready(IDoppelDatabase db, MediaFolder media, ModelReadiness models, CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string>();
        try
        {
            await db.Tenants.ListAsync(cancellationToken);
            checks["database"] = "ok";
        }
        catch (Exception e)
        {
            checks["database"] = e.Message;
        }
        checks["media"] = Directory.Exists(media.Root) ? "ok" : $"media folder {media.Root} is missing";
        checks["models"] = models.State;
        bool ready = checks.Values.All(v => v == "ok");
        return Results.Json(new { status = ready ? "ready" : "not ready", checks }, statusCode: ready ? 200 : 503);
    }
}

/// <summary>The in-process queue of sets to process (the service without workers; with them, <see cref="HangfireSetQueue"/>).</summary>
internal sealed class InProcessSetQueue : ISetProcessingQueue
{
    private readonly Channel<(TenantId Tenant, Guid Set)> _channel = Channel.CreateUnbounded<(TenantId, Guid)>();

    public ChannelReader<(TenantId Tenant, Guid Set)> Reader => _channel.Reader;

    public ValueTask EnqueueAsync(TenantId tenant, Guid setId, CancellationToken cancellationToken = default) =>
        _channel.Writer.WriteAsync((tenant, setId), cancellationToken);
}

/// <summary>Runs queued sets one at a time; at start it requeues every set left Processing (a stopped or killed
/// service resumes them: analysed images are stored, so only the rest is analysed again), and a set whose database went
/// away while it ran is requeued the same way once the database answers again.</summary>
internal sealed class SetProcessingWorker(InProcessSetQueue queue, ProcessSetHandler handler, IDoppelDatabase db, ILogger<SetProcessingWorker> log) : BackgroundService
{
    /// <summary>Sets whose run the database cut short, with until when they are retried: the run's lease could not be
    /// released while the database was away, so the resumed run may find it still standing (released as soon as the
    /// database answers, <see cref="HeldLease"/>; at worst it expires).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, DateTime> _resuming = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var set in await db.SetsFor(TenantId.Default).ListAllTenantsInStateAsync(SetState.Processing, stoppingToken))
            await queue.EnqueueAsync(set.Tenant, set.Id, stoppingToken);
        await foreach (var (tenant, set) in queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                log.LogInformation("Processing set {SetId} of tenant {Tenant}", set, tenant);
                var outcome = await handler.RunAsync(tenant, set, stoppingToken);
                if (outcome == ProcessSetHandler.Outcome.HeldElsewhere && _resuming.TryGetValue(set, out var until) && DateTime.UtcNow < until)
                    _ = RequeueLaterAsync(tenant, set, stoppingToken);
                else
                    _resuming.TryRemove(set, out _);
                log.LogInformation("Set {SetId}: {Outcome}", set, outcome);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (DatabaseFaults.IsUnavailable(e))
            {
                log.LogWarning("Set {SetId} waits for the database to resume: {Error}", set, e.Message);
                _resuming[set] = DateTime.UtcNow + Doppel.Application.HeldLease.DefaultTimeToLive + TimeSpan.FromMinutes(1);
                if (!await WaitForDatabaseAsync(tenant, set, stoppingToken))
                    return;
                await queue.EnqueueAsync(tenant, set, stoppingToken);
            }
            catch (Exception e)
            {
                log.LogError(e, "Processing set {SetId} failed outside the handler", set);
            }
        }
    }

    private async Task RequeueLaterAsync(TenantId tenant, Guid set, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(ProblemExceptionHandler.RetryAfterSeconds), stoppingToken);
            await queue.EnqueueAsync(tenant, set, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Polls until the database answers again (every Retry-After); false when the service is stopping.</summary>
    private async Task<bool> WaitForDatabaseAsync(TenantId tenant, Guid set, CancellationToken stoppingToken)
    {
        try
        {
            return await DatabaseFaults.RetryWhileUnavailableAsync(() => db.SetsFor(tenant).GetSetAsync(set, stoppingToken),
                TimeSpan.FromSeconds(ProblemExceptionHandler.RetryAfterSeconds), cancellationToken: stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }
}

internal sealed class WebhookWorker(WebhookDispatcher dispatcher, ServiceOptions options, ILogger<WebhookWorker> log) : BackgroundService
{
    /// <summary>How long a pass waits after the database did not answer (the 503's Retry-After).</summary>
    private static readonly TimeSpan DatabaseRetryDelay = TimeSpan.FromSeconds(ProblemExceptionHandler.RetryAfterSeconds);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool unavailable = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await dispatcher.DeliverDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (DatabaseFaults.IsUnavailable(e))
            {
                // One line per outage pass, not a stack every poll; deliveries wait in the database and go out when it is back.
                log.LogWarning("Webhook delivery waits for the database: {Error}", e.Message);
                unavailable = true;
            }
            catch (Exception e)
            {
                log.LogError(e, "Webhook delivery pass failed");
            }
            try
            {
                await Task.Delay(unavailable ? Max(options.WebhookPollInterval, DatabaseRetryDelay) : options.WebhookPollInterval, stoppingToken);
                unavailable = false;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

/// <summary>Opens the face models at start, in the background, so the first set does not wait for them and
/// <c>/readyz</c> can tell a missing model from a slow start.</summary>
internal sealed class ModelReadiness(IImageAnalyzer analyzer, ServiceOptions options, ILogger<ModelReadiness> log) : BackgroundService
{
    public string State { get; private set; } = options.LoadModelsAtStart ? "loading" : "ok";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.LoadModelsAtStart)
            return Task.CompletedTask;
        return Task.Run(() =>
        {
            try
            {
                analyzer.Load();
                State = "ok";
            }
            catch (Exception e)
            {
                State = e.Message;
                log.LogError("Models could not be opened: {Error}", e.Message);
            }
        }, stoppingToken);
    }
}
