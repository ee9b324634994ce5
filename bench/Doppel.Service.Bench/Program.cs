using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Doppel.Application.Tokens;
using Doppel.Jobs;
using Doppel.Service;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Vision.Detection;
using Doppel.Vision.Embedding;

// doppel serve under load (issue 10 §4): CLIENTS concurrent HOPE clients register IMAGES images one call each
// (POST images/) and read findings pages (GET duplicates/?page_size=100) of a processed set, while another set of
// PROCESS images processes in the background. Bounded by count and by --seconds. Prints requests/s, p50/p95/p99
// per endpoint, the peak working set, and how long the background set took (compare with it alone: --clients 0).
// --rate R offers R requests/s in all (registrations and pages alternating, request n due at n/R s) instead of each
// client sending as fast as it can; a latency then counts from when the request was due, so a client that falls
// behind shows its wait (no coordinated omission).
// --url URL --token TOKEN drives a service that runs elsewhere instead of hosting one (bench/run_service_isolation_bench.sh:
// the service on PostgreSQL with its sets on a `doppel worker`, the clients in this separate process).
//   dotnet bench/Doppel.Service.Bench/bin/Release/net10.0/Doppel.Service.Bench.dll ../shared/data/lfw-dev/images [--clients 32] [--images 5000] [--process 1000] [--seconds 300] [--rate R] [--url URL --token TOKEN] [--offset N]
var argsList = args.ToList();
string Arg(string name, string fallback) => argsList.IndexOf(name) is var i and >= 0 && i + 1 < argsList.Count ? argsList[i + 1] : fallback;
if (argsList.Count == 0 || argsList[0].StartsWith("--", StringComparison.Ordinal))
{
    Console.Error.WriteLine("usage: Doppel.Service.Bench IMAGES_DIR [--clients 32] [--images 5000] [--process 1000] [--seconds 300] [--rate R] [--url URL --token TOKEN] [--offset N]");
    return 1;
}
var imagesDir = Path.GetFullPath(argsList[0]);
int clients = int.Parse(Arg("--clients", "32"), CultureInfo.InvariantCulture);
int imageCount = int.Parse(Arg("--images", "5000"), CultureInfo.InvariantCulture);
int processCount = int.Parse(Arg("--process", "1000"), CultureInfo.InvariantCulture);
var limit = TimeSpan.FromSeconds(int.Parse(Arg("--seconds", "300"), CultureInfo.InvariantCulture));
double rate = double.Parse(Arg("--rate", "0"), CultureInfo.InvariantCulture);
// --url: drive a service that runs elsewhere (another process, pinned to other cores, or on PostgreSQL with its sets on
// `doppel worker` processes), with a write token minted by `doppel tokens add`. Its database outlives this run, so the
// sets get a run-unique name, and --offset picks which images the background set processes (a set of images already
// analysed elsewhere in the catalogue would not measure processing).
var external = Arg("--url", "");
int offset = int.Parse(Arg("--offset", "-1"), CultureInfo.InvariantCulture);

var keys = Directory.EnumerateFiles(imagesDir, "*.jpg", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(imagesDir, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
var work = Path.Combine(Path.GetTempPath(), $"doppel-service-bench-{Guid.NewGuid():N}");
Directory.CreateDirectory(work);
Uri address;
string token;
SqliteDatabase? db = null;
FacePipelineAnalyzer? analyzer = null;
Microsoft.AspNetCore.Builder.WebApplication? app = null;
if (external.Length > 0)
{
    address = new Uri(external.EndsWith('/') ? external : external + "/");
    token = Arg("--token", "");
}
else
{
    db = SqliteDatabase.Open(Path.Combine(work, "bench.db"));
    analyzer = new FacePipelineAnalyzer(new FacePipelineRecipe(DetectorRegistry.Default, EmbedderRegistry.Default));
    // Warnings only: a log line per request would measure the console.
    app = ServiceHost.Build(new ServiceOptions { Urls = "http://127.0.0.1:0", Database = db.Location, MediaFolder = imagesDir, LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning }, db, analyzer);
    await app.StartAsync();
    var tokens = new TokenHandlers(db);
    await tokens.AddTenantAsync("bench");
    token = (await tokens.IssueAsync("bench", "bench", TokenScope.Write)).Secret;
    address = app.Address();
}
var run = external.Length > 0 ? "-" + Guid.NewGuid().ToString("N")[..8] : "";
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(clients, 1) * 2 }) { BaseAddress = new Uri(address, "api/") };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);

async Task<JsonNode?> Send(HttpMethod method, string path, string? body = null)
{
    using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };
    using var response = await http.SendAsync(request);
    var text = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode)
        throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
    return text.Length == 0 ? null : JsonNode.Parse(text);
}

string Images(IEnumerable<string> ks, string prefix) => new JsonArray(ks.Select((k, i) => (JsonNode)new JsonObject { ["reference_pk"] = $"{prefix}{i}", ["filename"] = k }).ToArray()).ToJsonString();

// A processed set to read findings from, then the set that processes during the load.
Console.WriteLine($"Preparing: processing {Math.Min(processCount, keys.Count)} images for the findings set...");
string read = "READ" + run, backgroundSet = "BACKGROUND" + run, register = "REGISTER" + run;
await Send(HttpMethod.Post, "deduplication_sets/", $$"""{"reference_pk": "{{read}}"}""");
await Send(HttpMethod.Post, $"deduplication_sets/{read}/images_bulk/", Images(keys.Take(processCount), "r"));
await Send(HttpMethod.Post, $"deduplication_sets/{read}/process/");
while (await StateOf(read) is "Processing")
    await Task.Delay(500);
await Send(HttpMethod.Post, "deduplication_sets/", $$"""{"reference_pk": "{{backgroundSet}}"}""");
var backgroundKeys = keys.Skip(offset >= 0 ? offset : processCount).Take(processCount).ToList();
await Send(HttpMethod.Post, $"deduplication_sets/{backgroundSet}/images_bulk/", Images(backgroundKeys, "b"));
await Send(HttpMethod.Post, "deduplication_sets/", $$"""{"reference_pk": "{{register}}"}""");

async Task<string> StateOf(string set) => (await Send(HttpMethod.Get, $"deduplication_sets/{set}/"))!["state"]!.GetValue<string>();

Console.WriteLine($"Load: {clients} clients start, {DateTime.UtcNow:HH:mm:ss.fff} UTC");
var latencies = new ConcurrentDictionary<string, ConcurrentBag<double>>();
long next = -1;
var clock = Stopwatch.StartNew();
var background = Stopwatch.StartNew();
await Send(HttpMethod.Post, $"deduplication_sets/{backgroundSet}/process/");
var backgroundDone = Task.Run(async () =>
{
    while (await StateOf(backgroundSet) is "Processing")
        await Task.Delay(200);
    background.Stop();
});
long peak = 0;
using var sampler = new Timer(_ => peak = Math.Max(peak, Environment.WorkingSet), null, 0, 100);
var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
{
    var random = new Random(c);
    while (clock.Elapsed < limit && rate > 0)
    {
        // Paced: request n is due at n / rate seconds; even ones register, odd ones read a page.
        long n = Interlocked.Increment(ref next);
        if (n >= 2L * imageCount)
            break;
        var due = TimeSpan.FromSeconds(n / rate);
        if (due > clock.Elapsed)
            await Task.Delay(due - clock.Elapsed);
        if (n % 2 == 0)
            await Timed("POST images/", () => Send(HttpMethod.Post, $"deduplication_sets/{register}/images/",
                $$"""{"reference_pk": "g{{n}}", "filename": "{{keys[(int)(n / 2 % keys.Count)]}}"}"""), due);
        else
            await Timed("GET duplicates/", () => Send(HttpMethod.Get, $"deduplication_sets/{read}/duplicates/?page_size=100&page={random.Next(1, 4)}"), due);
    }
    while (clock.Elapsed < limit && rate <= 0)
    {
        long n = Interlocked.Increment(ref next);
        if (n >= imageCount)
            break;
        await Timed("POST images/", () => Send(HttpMethod.Post, $"deduplication_sets/{register}/images/",
            $$"""{"reference_pk": "g{{n}}", "filename": "{{keys[(int)(n % keys.Count)]}}"}"""));
        await Timed("GET duplicates/", () => Send(HttpMethod.Get, $"deduplication_sets/{read}/duplicates/?page_size=100&page={random.Next(1, 4)}"));
    }
})).ToList();
await Task.WhenAll(workers);
var wall = clock.Elapsed;
await backgroundDone;

async Task Timed(string name, Func<Task<JsonNode?>> call, TimeSpan? due = null)
{
    var t = Stopwatch.GetTimestamp();
    await call();
    var ms = due is { } d ? (clock.Elapsed - d).TotalMilliseconds : Stopwatch.GetElapsedTime(t).TotalMilliseconds;
    latencies.GetOrAdd(name, _ => []).Add(ms);
}

static double Pct(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];
int total = latencies.Values.Sum(b => b.Count);
Console.WriteLine($"{clients} clients{(rate > 0 ? $" paced at {rate:0} requests/s offered" : "")}, {total} requests in {wall.TotalSeconds:0.0} s: {total / wall.TotalSeconds:0} requests/s; peak working set {peak / (1 << 20)} MB");
foreach (var (name, bag) in latencies.OrderBy(k => k.Key))
{
    var sorted = bag.Order().ToList();
    Console.WriteLine($"  {name,-18} n={sorted.Count,6}  p50 {Pct(sorted, 50),7:0.0} ms  p95 {Pct(sorted, 95),7:0.0} ms  p99 {Pct(sorted, 99),7:0.0} ms");
}
Console.WriteLine($"background set of {backgroundKeys.Count} images processed in {background.Elapsed.TotalSeconds:0.0} s, state {await StateOf(backgroundSet)} (run with --clients 0 for it alone)");
if (app is not null)
{
    await app.StopAsync();
    await app.DisposeAsync();
}
analyzer?.Dispose();
if (db is not null)
    await db.DisposeAsync();
Directory.Delete(work, recursive: true);
return 0;
