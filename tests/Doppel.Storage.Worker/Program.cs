using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Doppel.Storage;
using Doppel.Storage.Sqlite;

// Usage:
//   Doppel.Storage.Worker scan CATALOG FILES BATCH DELAY_MS
//     Takes the "scan" lock, registers FILES synthetic media, then stores one face with a 128-d vector per
//     pending file, BATCH files per transaction, sleeping DELAY_MS between batches and printing "saved N"
//     after each commit. Resumes an unfinished scan run. Exit 3 when another live process holds the lock.
//   Doppel.Storage.Worker bench CATALOG FILES BATCH
//     Throughput of the bulk paths on a fresh catalog: batch registration, saving faces with a 128-d and
//     a 192-d vector each, and streaming vectors back. Run with -c Release.
//   Doppel.Storage.Worker fenced CATALOG FILES BATCH DELAY_MS TTL_MS   (CATALOG: a SQLite file or a postgres:// URI)
//     The same scan through the async stores: takes lease "scan" (time to live TTL_MS, renewed every third
//     of it), writes every batch in a unit of work fenced with the lease, prints "saved N" after each
//     commit. Exit 4 (printing "lease lost") when a write is refused because another process took the
//     lease over; exit 3 when the lease is held.
if (args.Length == 6 && args[0] == "fenced")
    return await Fenced.Run(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture),
        int.Parse(args[4], CultureInfo.InvariantCulture), int.Parse(args[5], CultureInfo.InvariantCulture));
if (args.Length == 4 && args[0] == "bench")
    return Bench(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture));
if (args.Length != 5 || args[0] != "scan")
{
    Console.Error.WriteLine("usage: Doppel.Storage.Worker scan CATALOG FILES BATCH DELAY_MS | bench CATALOG FILES BATCH");
    return 2;
}
var catalogPath = args[1];
var files = int.Parse(args[2], CultureInfo.InvariantCulture);
var batch = int.Parse(args[3], CultureInfo.InvariantCulture);
var delay = int.Parse(args[4], CultureInfo.InvariantCulture);

using var catalog = SqliteCatalog.Open(catalogPath);
ICatalogLock runLock;
try
{
    runLock = catalog.AcquireLock("scan", $"worker pid {Environment.ProcessId}");
}
catch (CatalogLockedException e)
{
    Console.Error.WriteLine(e.Message);
    return 3;
}
using (runLock)
{
    if (runLock.TookOverFrom is { } previous)
        Console.WriteLine($"took over from pid {previous.Pid}");
    catalog.RegisterMediaBatch(SyntheticFiles(files), pathExists: _ => true);

    var run = catalog.FindUnfinishedRun("scan");
    var runId = run?.Id ?? catalog.StartRun("scan", "{\"source\":\"worker\"}", files);
    Console.WriteLine(run is null ? $"started run {runId}" : $"resumed run {runId}");
    catalog.UpdateRun(runId);
    Console.Out.Flush();

    long saved = run?.Processed ?? 0;
    foreach (var chunk in catalog.ListMedia(MediaState.Pending).Chunk(batch))
    {
        var results = chunk.Select(m => new MediaResult(m.Id, "ok", null, "jpeg", 250, 250,
        [
            new NewFace(new FaceBox(60, 70, 120, 130), null, "worker", 0.9f, null,
                [new NewEmbedding("worker-model", "1", Vector(m.Id, 128))]),
        ])).ToList();
        catalog.SaveResults(results, runId);
        saved += results.Count;
        Console.WriteLine($"saved {saved}");
        Console.Out.Flush();
        Thread.Sleep(delay);
    }
    catalog.FinishRun(runId, RunState.Completed);
    Console.WriteLine("completed");
}
return 0;

static List<MediaFileInfo> SyntheticFiles(int count) => Enumerable.Range(0, count)
    .Select(i => new MediaFileInfo($"/synthetic/{i:D6}.jpg", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"img{i}"))), 1000 + i))
    .ToList();

static float[] Vector(long seed, int dimension)
{
    var random = new Random((int)seed);
    return Enumerable.Range(0, dimension).Select(_ => (float)random.NextDouble()).ToArray();
}

static int Bench(string catalogPath, int files, int batch)
{
    if (File.Exists(catalogPath))
    {
        Console.Error.WriteLine($"{catalogPath} exists; the benchmark needs a fresh file.");
        return 2;
    }
    using var catalog = SqliteCatalog.Open(catalogPath);
    var media = SyntheticFiles(files);
    var clock = Stopwatch.StartNew();
    var ids = new List<long>(files);
    foreach (var chunk in media.Chunk(batch))
        ids.AddRange(catalog.RegisterMediaBatch(chunk, pathExists: _ => true).Select(r => r.Media.Id));
    Console.WriteLine($"register {files} files in batches of {batch}: {clock.Elapsed.TotalSeconds:F2} s = {files / clock.Elapsed.TotalSeconds:F0} files/s");

    var results = ids.Select(id => new MediaResult(id, "ok", null, "jpeg", 250, 250,
    [
        new NewFace(new FaceBox(60, 70, 120, 130), [80, 100, 140, 100, 110, 130, 110, 160], "blazeface-back", 0.9f, 0.5f,
            [new NewEmbedding("dlib-resnet29", "1", Vector(id, 128)), new NewEmbedding("mobilefacenet-192", "1", Vector(id + 1, 192))]),
    ])).ToList();
    var run = catalog.StartRun("bench", "{}", files);
    clock.Restart();
    foreach (var chunk in results.Chunk(batch))
        catalog.SaveResults(chunk, run);
    Console.WriteLine($"save {files} faces (128-d + 192-d vectors) in batches of {batch}: {clock.Elapsed.TotalSeconds:F2} s = {files / clock.Elapsed.TotalSeconds:F0} faces/s");

    clock.Restart();
    var read = catalog.ReadFaceVectors("dlib-resnet29").Count();
    Console.WriteLine($"read {read} face vectors: {clock.Elapsed.TotalSeconds:F2} s = {read / clock.Elapsed.TotalSeconds:F0} vectors/s");
    return 0;
}
