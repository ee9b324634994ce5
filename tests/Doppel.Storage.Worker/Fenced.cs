using System.Security.Cryptography;
using System.Text;
using Doppel.Storage;
using Doppel.Storage.Postgres;
using Doppel.Storage.Sqlite.Stores;

internal static class Fenced
{
    public static async Task<int> Run(string catalogPath, int files, int batch, int delayMs, int ttlMs)
    {
        // A SQLite file, or a postgres:// database: the paused-holder test runs on both engines.
        await using IDoppelDatabase db = PostgresDatabase.IsPostgresAddress(catalogPath)
            ? await PostgresDatabase.OpenAsync(catalogPath)
            : SqliteDatabase.Open(catalogPath);
        var ttl = TimeSpan.FromMilliseconds(ttlMs);
        var holder = LeaseHolder.ThisProcess($"worker pid {Environment.ProcessId}");
        var attempt = await db.Leases.TryAcquireAsync("scan", holder, ttl);
        // A killed worker on this host never renews: replace it at once instead of waiting for its expiry.
        if (!attempt.Succeeded && attempt.HeldBy is { } current && LeaseHolders.IsDeadOnThisHost(current))
            attempt = await db.Leases.TryAcquireAsync("scan", holder, ttl, current.Token);
        if (attempt.Granted is not { } lease)
        {
            Console.Error.WriteLine(new CatalogLockedException(db.Location, attempt.HeldBy!.ToOwner()).Message);
            return 3;
        }
        if (attempt.Replaced is { } previous)
            Console.WriteLine($"took over from pid {previous.Holder.Pid} (token {previous.Token} -> {lease.Token})");
        using var renew = new Timer(_ =>
        {
            try
            {
                db.Leases.RenewAsync("scan", lease.Token, ttl).GetAwaiter().GetResult();
            }
            catch (CatalogException)
            {
                // A busy file delays this beat; the fence, not the renewal, is what keeps writes safe.
            }
            catch (System.Data.Common.DbException)
            {
            }
        }, null, ttl / 3, ttl / 3);

        var stores = db.For(TenantId.Default);
        await stores.Media.RegisterAsync(Enumerable.Range(0, files)
            .Select(i => new MediaEntry(new MediaKey(MediaSources.File, $"/synthetic/{i:D6}.jpg"), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"img{i}"))), 1000 + i))
            .ToList());
        var run = await stores.Runs.FindUnfinishedAsync("scan");
        var runId = run?.Id ?? await stores.Runs.StartAsync("scan", "{\"source\":\"fenced worker\"}", files);
        Console.WriteLine(run is null ? $"started run {runId}" : $"resumed run {runId}");
        long saved = run?.Processed ?? 0;
        try
        {
            while (true)
            {
                var pending = await stores.Media.ListAsync(MediaState.Pending, new Page(0, batch));
                if (pending.Count == 0)
                    break;
                var results = pending.Select(m => new MediaResult(m.Id, "ok", null, "jpeg", 250, 250,
                [
                    new NewFace(new FaceBox(60, 70, 120, 130), null, "worker", 0.9f, null, [new NewEmbedding("worker-model", "1", Vector(m.Id))]),
                ])).ToList();
                await using (var uow = await stores.BeginAsync(lease.Fence))
                {
                    await uow.Media.SaveResultsAsync(results, runId);
                    await uow.CommitAsync();
                }
                saved += results.Count;
                Console.WriteLine($"saved {saved}");
                Console.Out.Flush();
                Thread.Sleep(delayMs);
            }
            await using (var uow = await stores.BeginAsync(lease.Fence))
            {
                await uow.Runs.FinishAsync(runId, RunState.Completed);
                await uow.CommitAsync();
            }
        }
        catch (LeaseLostException e)
        {
            Console.WriteLine("lease lost");
            Console.Error.WriteLine(e.Message);
            return 4;
        }
        await db.Leases.ReleaseAsync("scan", lease.Token);
        Console.WriteLine("completed");
        return 0;
    }

    private static float[] Vector(long seed)
    {
        var random = new Random((int)seed);
        return Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble()).ToArray();
    }
}
