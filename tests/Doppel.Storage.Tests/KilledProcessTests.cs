using System.Diagnostics;
using static Doppel.Storage.Tests.TempCatalog;

namespace Doppel.Storage.Tests;

/// <summary>
/// Two real processes on one catalog: the worker (tests/Doppel.Storage.Worker) takes the "scan" lease and
/// stores results batch by batch through the stores; the test kills it with SIGKILL mid-run and checks that
/// nothing is half-written, the dead owner's lease is taken over, and a second worker resumes the same run
/// to exactly one face per file.
/// </summary>
public class KilledProcessTests
{
    private const int Files = 300;

    private static Process StartWorker(string catalogPath, int batch, int delayMs)
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "Doppel.Storage.Worker.dll");
        File.Exists(worker).ShouldBeTrue(worker);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { worker, "scan", catalogPath, Files.ToString(System.Globalization.CultureInfo.InvariantCulture), batch.ToString(System.Globalization.CultureInfo.InvariantCulture), delayMs.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    /// <summary>Reads the worker's lines until one starts with <paramref name="prefix"/>.</summary>
    private static async Task WaitForLine(Process process, string prefix)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return;
        Assert.Fail($"The worker ended without printing '{prefix}': {await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken)}");
    }

    [Fact]
    public async Task KilledScanLeavesConsistentStateAndTheNextProcessResumesIt()
    {
        using var temp = new TempCatalog();
        using (var first = StartWorker(temp.Path, batch: 10, delayMs: 150))
        {
            await WaitForLine(first, "saved 60");
            first.Kill();
            await first.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var run = (await s.Runs.FindUnfinishedAsync("scan", Ct))!;
            var done = await s.Media.CountAsync(MediaState.Done, Ct);
            done.ShouldBeGreaterThanOrEqualTo(60);
            done.ShouldBeLessThan(Files);
            (done % 10).ShouldBe(0); // whole batches only
            run.Processed.ShouldBe(done);
            (await s.Faces.CountAsync(Ct)).ShouldBe(done);
            (await ToListAsync(s.Faces.ReadEmbeddingsAsync("worker-model", Ct))).Count.ShouldBe((int)done);
            (await db.Leases.GetAsync("scan", Ct)).ShouldNotBeNull(); // the dead process never released it
        }

        using (var second = StartWorker(temp.Path, batch: 50, delayMs: 0))
        {
            var output = await second.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await second.WaitForExitAsync(TestContext.Current.CancellationToken);
            second.ExitCode.ShouldBe(0, await second.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
            output.ShouldContain("took over from pid");
            output.ShouldContain("resumed run");
            output.ShouldContain("completed");
        }

        await using (var db = temp.Open())
        {
            var s = Stores(db);
            var run = (await s.Runs.ListAsync(Page.All, Ct)).Single();
            (run.State, run.Processed, run.Total).ShouldBe((RunState.Completed, (long)Files, (long)Files));
            (await s.Media.CountAsync(null, Ct)).ShouldBe(Files);
            (await s.Media.CountAsync(MediaState.Pending, Ct)).ShouldBe(0);
            (await s.Faces.CountAsync(Ct)).ShouldBe(Files);
            (await ToListAsync(s.Faces.ReadEmbeddingsAsync("worker-model", Ct))).Count.ShouldBe(Files);
            (await db.Leases.GetAsync("scan", Ct)).ShouldBeNull();
        }
        temp.RawScalar("SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'").ShouldBe(1);
    }

    [Fact]
    public async Task SecondProcessGetsAClearErrorWhileTheFirstRuns()
    {
        using var temp = new TempCatalog();
        using var first = StartWorker(temp.Path, batch: 5, delayMs: 500);
        try
        {
            await WaitForLine(first, "saved 5");

            using var second = StartWorker(temp.Path, batch: 5, delayMs: 0);
            await second.WaitForExitAsync(TestContext.Current.CancellationToken);
            second.ExitCode.ShouldBe(3);
            var error = await second.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            error.ShouldContain($"pid {first.Id}");
            error.ShouldContain("is in use");

            await using var db = temp.Open();
            (await db.Leases.TryAcquireAsync("scan", LeaseHolder.ThisProcess("test"), TimeSpan.FromMinutes(1), null, Ct)).HeldBy!.Holder.Pid.ShouldBe(first.Id);
        }
        finally
        {
            first.Kill();
            await first.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }
}
