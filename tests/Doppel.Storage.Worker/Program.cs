using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Doppel.Storage;
using Doppel.Storage.Sqlite;

// Usage: Doppel.Storage.Worker CATALOG FILES BATCH DELAY_MS
// Registers FILES synthetic media, then stores one face with a 128-d vector per pending file, BATCH files
// per transaction, sleeping DELAY_MS between batches and printing "saved N" after each commit.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: Doppel.Storage.Worker CATALOG FILES BATCH DELAY_MS");
    return 2;
}
var catalogPath = args[0];
var files = int.Parse(args[1], CultureInfo.InvariantCulture);
var batch = int.Parse(args[2], CultureInfo.InvariantCulture);
var delay = int.Parse(args[3], CultureInfo.InvariantCulture);

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
    var media = Enumerable.Range(0, files)
        .Select(i => new MediaFileInfo($"/synthetic/{i:D5}.jpg", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"img{i}"))), 1000 + i))
        .ToList();
    catalog.RegisterMediaBatch(media, pathExists: _ => true);

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
                [new NewEmbedding("worker-model", "1", Vector(m.Id))]),
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

static float[] Vector(long seed)
{
    var random = new Random((int)seed);
    return Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble()).ToArray();
}
