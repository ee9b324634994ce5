using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Doppel.Storage;
using Doppel.Storage.Sqlite.Stores;

/// <summary>Throughput of the async stores on SQLite (the numbers the PostgreSQL engine is compared with):
/// register FILES media, store one face with a 128-d vector each in units of work of BATCH, stream every
/// vector back; seconds and the file's size.</summary>
internal static class StoreBench
{
    public static async Task<int> Run(string catalogPath, int files, int batch)
    {
        if (File.Exists(catalogPath))
        {
            Console.Error.WriteLine($"{catalogPath} exists; the benchmark needs a fresh file.");
            return 2;
        }
        await using var db = SqliteDatabase.Open(catalogPath);
        var stores = db.For(TenantId.Default);
        var clock = Stopwatch.StartNew();
        var ids = new List<long>(files);
        foreach (var chunk in Enumerable.Range(0, files).Chunk(batch))
            ids.AddRange((await stores.Media.RegisterAsync(chunk.Select(i => new MediaEntry(new MediaKey(MediaSources.File, $"/bench/{i:D8}.jpg"),
                Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"img{i}"))), 1000 + i)).ToList())).Select(r => r.Media.Id));
        Console.WriteLine($"register {files} media in batches of {batch}: {clock.Elapsed.TotalSeconds:F2} s");

        var random = new Random(1);
        clock.Restart();
        foreach (var chunk in ids.Chunk(batch))
        {
            var results = chunk.Select(id => new MediaResult(id, "ok", null, "jpeg", 250, 250,
            [
                new NewFace(new FaceBox(60, 70, 120, 130), null, "bench", 0.9f, null,
                    [new NewEmbedding("dlib-resnet29", "1", Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble()).ToArray())]),
            ])).ToList();
            await using var uow = await stores.BeginAsync();
            await uow.Media.SaveResultsAsync(results);
            await uow.CommitAsync();
        }
        Console.WriteLine($"store {files} faces with a 128-d vector: {clock.Elapsed.TotalSeconds:F2} s");

        clock.Restart();
        long read = 0;
        await foreach (var _ in stores.Faces.ReadFaceVectorsAsync("dlib-resnet29"))
            read++;
        Console.WriteLine($"read {read} vectors: {clock.Elapsed.TotalSeconds:F2} s");
        var bytes = new FileInfo(catalogPath).Length + (File.Exists(catalogPath + "-wal") ? new FileInfo(catalogPath + "-wal").Length : 0);
        Console.WriteLine($"catalog on disk: {bytes / 1e6:F1} MB ({bytes / (double)files:F0} B per media)");
        return 0;
    }
}
