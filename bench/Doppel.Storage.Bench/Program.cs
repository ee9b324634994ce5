using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Doppel.Storage;
using Doppel.Storage.Postgres;
using Doppel.Storage.Sqlite.Stores;
using Doppel.Testing;
using Doppel.Testing.Servers;

// Usage: Doppel.Storage.Bench vectors [COUNT] [DIMENSION] [BATCH]
//        Doppel.Storage.Bench dedup IMAGES [ROUNDS]
//        Doppel.Storage.Bench blob IMAGES   (folder vs Azurite container: identical findings, both wall times; BlobDedupBench)
//   Stores COUNT media with one face and one DIMENSION-d vector each (BATCH media per SaveResultsAsync: the
//   dedup job's bulk path; COPY on PostgreSQL), then streams every vector back (ReadEmbeddingsAsync, what
//   matching reads), on SQLite (a temp file) and on PostgreSQL (a temporary cluster this bench starts:
//   fsync off like the tests' one, so it measures the engine's work, not the disk's). Prints seconds,
//   vectors/s and size on disk per engine. Defaults: 1,000,000 x 128, batches of 10,000.
if (args.Length >= 2 && args[0] == "dedup")
    return await EngineDedupBench.RunAsync(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2);
if (args.Length >= 2 && args[0] == "blob")
    return await BlobDedupBench.RunAsync(args[1]);
if (args.Length == 0 || args[0] != "vectors")
{
    Console.Error.WriteLine("usage: Doppel.Storage.Bench vectors [COUNT] [DIMENSION] [BATCH] | dedup IMAGES [ROUNDS] | blob IMAGES");
    return 2;
}
int count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
int dimension = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 128;
int batch = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10_000;
Console.WriteLine($"load before: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"{count:N0} vectors of {dimension} floats, batches of {batch:N0}");
Console.WriteLine("| engine | store s | vectors/s stored | read s | vectors/s read | MB on disk |");
Console.WriteLine("|---|---|---|---|---|---|");

var folder = RepoPaths.NewTempDir("doppel-storage-bench");
try
{
    var sqlitePath = Path.Combine(folder, "bench.db");
    await using (var sqlite = SqliteDatabase.Open(sqlitePath))
        await Measure("SQLite", sqlite, () => Task.FromResult(FileSizes(folder)));

    await using var server = new PostgresServer();
    await server.InitializeAsync();
    if (server.UnavailableReason is { } reason)
        Console.WriteLine($"| PostgreSQL | skipped: {reason} | | | | |");
    else
    {
        var database = await server.CreateDatabaseAsync("bench");
        await using var postgres = await PostgresDatabase.OpenAsync(database.Uri);
        await Measure($"PostgreSQL {server.MajorVersion}", postgres, async () =>
        {
            await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var size = new Npgsql.NpgsqlCommand("CHECKPOINT; SELECT pg_database_size(current_database())", connection);
            return (long)(await size.ExecuteScalarAsync())!;
        });
    }
}
finally
{
    Directory.Delete(folder, recursive: true);
}
Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}");
return 0;

async Task Measure(string engine, IDoppelDatabase db, Func<Task<long>> bytesOnDisk)
{
    var stores = db.For(TenantId.Default);
    var store = Stopwatch.StartNew();
    for (int start = 0; start < count; start += batch)
    {
        int n = Math.Min(batch, count - start);
        var media = await stores.Media.RegisterAsync(Enumerable.Range(start, n)
            .Select(i => new MediaEntry(new MediaKey(MediaSources.File, $"/bench/{i:D8}.jpg"), Hash(i), 10_000 + i)).ToList());
        await stores.Media.SaveResultsAsync(media.Select((m, k) => new MediaResult(m.Media.Id, "ok", null, "jpeg", 250, 250,
        [
            new NewFace(new FaceBox(60, 70, 120, 130), [80, 100, 140, 100, 110, 130, 90, 160, 130, 160], "bench", 0.99f, 0.8f,
                [new NewEmbedding("bench-model", "1", Vector(start + k))]),
        ])).ToList());
    }
    store.Stop();
    var read = Stopwatch.StartNew();
    long vectors = 0;
    double checksum = 0;
    await foreach (var e in stores.Faces.ReadEmbeddingsAsync("bench-model"))
    {
        vectors++;
        checksum += e.Vector[0];
    }
    read.Stop();
    if (vectors != count)
        throw new InvalidOperationException($"{engine}: read {vectors} vectors, stored {count}.");
    var megabytes = await bytesOnDisk() / 1e6;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {engine} | {store.Elapsed.TotalSeconds:0.0} | {count / store.Elapsed.TotalSeconds:N0} | {read.Elapsed.TotalSeconds:0.0} | {count / read.Elapsed.TotalSeconds:N0} | {megabytes:0} |"));
    GC.KeepAlive(checksum);
}

static long FileSizes(string folder) => Directory.EnumerateFiles(folder).Sum(f => new FileInfo(f).Length);

static string Hash(int i) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"bench {i}")));

float[] Vector(int seed)
{
    var random = new Random(seed);
    var v = new float[dimension];
    double norm = 0;
    for (int i = 0; i < v.Length; i++)
    {
        v[i] = (float)(random.NextDouble() * 2 - 1);
        norm += v[i] * v[i];
    }
    var scale = (float)(1 / Math.Sqrt(norm));
    for (int i = 0; i < v.Length; i++)
        v[i] *= scale;
    return v;
}
