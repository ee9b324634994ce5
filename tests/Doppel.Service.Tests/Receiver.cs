using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Doppel.Service;
using Microsoft.Extensions.Logging;

namespace Doppel.Service.Tests;

/// <summary>One call a <see cref="Receiver"/> got, with what its handler saw then.</summary>
public sealed record ReceivedCall(string Method, string Path, string Body, IReadOnlyDictionary<string, string> Headers, DateTimeOffset At, int AnsweredWith, string? Observed);

/// <summary>
/// A real HTTP receiver on 127.0.0.1 (Kestrel, free port) that records every call. <see cref="FailFirst"/> calls are
/// answered 503; <see cref="OnCall"/> runs before answering (e.g. a HOPE client reading the set's state, as a
/// registration system does when notified) and its result is recorded with the call.
/// </summary>
public sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _calls;

    public ConcurrentQueue<ReceivedCall> Calls { get; } = new();

    public int FailFirst { get; set; }

    public Func<HttpRequest, Task<string?>>? OnCall { get; set; }

    public Uri Url { get; }

    private Receiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public static async Task<Receiver> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        Receiver? self = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            int n = Interlocked.Increment(ref self!._calls);
            int status = n <= self.FailFirst ? 503 : 200;
            var observed = self.OnCall is null ? null : await self.OnCall(context.Request);
            self.Calls.Enqueue(new ReceivedCall(context.Request.Method, context.Request.Path + context.Request.QueryString, body,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), DateTimeOffset.UtcNow, status, observed));
            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        self = new Receiver(app, app.Address());
        return self;
    }

    public async Task<List<ReceivedCall>> WaitForAsync(Func<List<ReceivedCall>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(2));
        while (!done(Calls.ToList()) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        return Calls.ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
