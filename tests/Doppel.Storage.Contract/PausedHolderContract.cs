using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Doppel.Storage.Contract;

/// <summary>
/// A lease holder that is paused (SIGSTOP: a GC pause, a frozen VM, a laptop lid) until its lease expires,
/// while another process takes the lease over and finishes the work, then resumes (SIGCONT): its next write
/// is fenced with the old token, refused, and it stops. Nothing it would have written after waking is in
/// the catalog; today's rule "the holder is dead when its pid is gone" could not see this. Every engine's test
/// project subclasses it (and references Doppel.Storage.Worker, the second process).
/// </summary>
public abstract class PausedHolderContract
{
    /// <summary>A new catalog with its schema, as the worker's CATALOG argument (a file path or a postgres:// URI).</summary>
    protected abstract Task<string> CreateCatalogAsync();

    protected abstract Task<IDoppelDatabase> OpenAsync(string catalog);

    private const int Files = 200;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private const int SigStop = 19, SigCont = 18;

    private static Process StartWorker(string catalogPath, int batch, int delayMs, int ttlMs)
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "Doppel.Storage.Worker.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new object[] { worker, "fenced", catalogPath, Files, batch, delayMs, ttlMs })
            start.ArgumentList.Add(Convert.ToString(arg, CultureInfo.InvariantCulture)!);
        return Process.Start(start)!;
    }

    private static async Task<List<string>> ReadUntil(Process process, string prefix)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var lines = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            lines.Add(line);
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return lines;
        }
        Assert.Fail($"The worker ended without printing '{prefix}' ({string.Join(" / ", lines)}): {await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken)}");
        return lines;
    }

    [Fact]
    public async Task APausedHolderThatLostItsLeaseWritesNothingAfterItWakes()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "SIGSTOP/SIGCONT numbers are Linux's.");
        var catalog = await CreateCatalogAsync();
        using var paused = StartWorker(catalog, batch: 10, delayMs: 400, ttlMs: 900);
        try
        {
            await ReadUntil(paused, "saved 30");
            // Between batches (it sleeps 400 ms after printing): paused outside any transaction.
            kill(paused.Id, SigStop).ShouldBe(0);
            await Task.Delay(1500, TestContext.Current.CancellationToken); // its lease (900 ms) expires, nobody renews it

            using (var second = StartWorker(catalog, batch: 50, delayMs: 0, ttlMs: 30_000))
            {
                var lines = await ReadUntil(second, "completed");
                lines[0].ShouldStartWith("took over from pid " + paused.Id);
                await second.WaitForExitAsync(TestContext.Current.CancellationToken);
                second.ExitCode.ShouldBe(0);
            }
            await using var db = await OpenAsync(catalog);
            var stores = db.For(TenantId.Default);
            var facesBefore = (await stores.Faces.ListAsync(Page.All, TestContext.Current.CancellationToken)).Select(f => f.Id).ToList();
            facesBefore.Count.ShouldBe(Files);

            kill(paused.Id, SigCont).ShouldBe(0);
            await ReadUntil(paused, "lease lost");
            await paused.WaitForExitAsync(TestContext.Current.CancellationToken);
            paused.ExitCode.ShouldBe(4);

            // Nothing changed after it woke: the same faces (no re-save replaced any), one per file, one finished run.
            (await stores.Faces.ListAsync(Page.All, TestContext.Current.CancellationToken)).Select(f => f.Id).ShouldBe(facesBefore);
            (await stores.Media.CountAsync(MediaState.Done, TestContext.Current.CancellationToken)).ShouldBe(Files);
            var run = (await stores.Runs.ListAsync(Page.All, TestContext.Current.CancellationToken)).ShouldHaveSingleItem();
            (run.State, run.Processed).ShouldBe((RunState.Completed, (long)Files));
        }
        finally
        {
            if (!paused.HasExited)
            {
                kill(paused.Id, SigCont);
                paused.Kill();
            }
        }
    }
}
